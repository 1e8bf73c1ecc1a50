"""Form widgets every page's forms share."""

from django import forms
from django.utils.translation import gettext_lazy as _


class DateInput(forms.DateInput):
    """A date typed as 2026-09-01 or 2026年9月1日 (the formats in config/formats), with a
    calendar button beside it (portal.js). Not a native ``type=date`` input: that refuses
    anything typed but the browser's own format."""

    def __init__(self, attrs=None):
        base = {"class": "portal-date-input", "inputmode": "numeric", "autocomplete": "off",
                "placeholder": "2026-09-01", "data-picker-label": _("Pick a date"),
                "size": 14}
        super().__init__(attrs={**base, **(attrs or {})}, format="%Y-%m-%d")


class DateField(forms.DateField):
    """The date field of every form (portal pages, viewflow's task forms, the API's shared
    forms): drawn as :class:`DateInput`, read in any format of config/formats (2026-09-01,
    2026年9月1日, 2026/9/1)."""

    widget = DateInput
