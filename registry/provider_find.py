"""Finding the provider on a bureau's sanction and blacklisting forms: a search by name (or
an organization's unified social credit code) among the providers the bureau's sanctions
reach, whose results fill the form in. A plain GET step (search, choose from the results,
the form comes back naming the provider), so that it works without JavaScript; the forms
still take a number, a code or an ID number typed in."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from registry.selectors.sanctions import PROVIDER_FIND_LIMIT, providers_in_reach_find


class ProviderFindForm(forms.Form):
    find = forms.CharField(
        label=_("Find the provider"), max_length=100, required=False,
        help_text=_("Part of an organization's name or its unified social credit code, or "
                    "part of a person's name. Only providers with an approval in this "
                    "jurisdiction are found."))


def provider_find(query, bureau) -> dict:
    """The search box of ``bureau``'s page and, once something was typed (``?find=``),
    what it found: the template ``registry/bureau/_provider_find.html`` shows both."""
    form = ProviderFindForm(query if "find" in query else None)
    text = form.cleaned_data["find"].strip() if form.is_valid() else ""
    return {"find_form": form, "find_text": text, "find_limit": PROVIDER_FIND_LIMIT,
            "found": providers_in_reach_find(bureau, text) if text else None}
