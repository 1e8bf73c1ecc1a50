"""The user's API token page (``/accounts/tokens/``): make a token (its secret is shown on
the answer to that request, once), see the ones in force, revoke one."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import selectors, services
from registry.requests import form_error


class TokenForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100,
                           help_text=gettext_lazy("What will use it, e.g. the nightly export."))
    days = forms.IntegerField(label=gettext_lazy("Valid for (days)"), min_value=1,
                              required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # read when the page is asked for, not at import (the service checks the maximum)
        self.fields["days"].initial = settings.API_TOKEN_DEFAULT_DAYS
        self.fields["days"].widget.attrs["max"] = settings.API_TOKEN_MAX_DAYS


@login_required
def tokens(request):
    """List the user's tokens with a form to make one; POST ``revoke=<id>`` revokes one."""
    form = TokenForm()
    created, status = None, 200
    if request.method == "POST" and "revoke" in request.POST:
        token = get_object_or_404(selectors.tokens_of(request.user),
                                  pk=_int(request.POST["revoke"]))
        services.token_revoke(actor=request.user, token=token)
        messages.success(request, _("Token %(prefix)s… revoked.") % {"prefix": token.prefix})
        return redirect("accounts:tokens")
    if request.method == "POST":
        form = TokenForm(request.POST)
        if form.is_valid():
            try:
                token, secret = services.token_create(
                    actor=request.user, name=form.cleaned_data["name"],
                    days=form.cleaned_data["days"], two_factor=request.user.is_verified())
            except ValidationError as error:
                form_error(form, error)
            else:
                created, status, form = {"token": token, "secret": secret}, 201, TokenForm()
        if form.errors:
            status = 400
    return render(request, "accounts/tokens.html", {
        "form": form, "created": created, "tokens": selectors.tokens_of(request.user),
    }, status=status)


def _int(value: str) -> int:
    return int(value) if value.isdigit() and len(value) < 19 else 0
