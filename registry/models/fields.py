"""Field declarations many models share, written once."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def user_field(verbose_name, *, null: bool = False, blank: bool | None = None):
    """Who did something (recorded, decided, uploaded, gave…): a user account the row keeps
    (``PROTECT``: no account is deleted from under a record), with no reverse accessor."""
    return models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=verbose_name, null=null,
                             blank=null if blank is None else blank,
                             on_delete=models.PROTECT, related_name="+")


def decision_fields():
    """``decided_by, decided_at, decision_reason = decision_fields()``: who decided, when,
    and why, all empty until the decision."""
    return (user_field(_("decided by"), null=True),
            models.DateTimeField(_("decided"), null=True, blank=True),
            models.TextField(_("reason for the decision"), blank=True))
