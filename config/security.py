"""Login hardening: the two-factor requirement for bureau staff and the lockout response.

Two-factor login (TOTP through django-otp) is open to everyone at ``/accounts/2fa/``; the
roles named in ``REGISTRY_REQUIRE_2FA_FOR`` (``approver``, ``admin``, ``clerk``, ``expert``)
are sent there after signing in and may do nothing else until they pass it. HTTP Basic
authentication cannot carry a one-time password, so it refuses those users outright.
"""

from __future__ import annotations

import base64

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

# role name in REGISTRY_REQUIRE_2FA_FOR → the object permission on a Bureau that grants it
TWO_FACTOR_ROLES = {
    "clerk": "clerk_bureau",
    "expert": "expert_bureau",
    "approver": "approve_bureau",
    "admin": "administer_bureau",
}
# Paths a user who still owes a second factor may reach.
EXEMPT_PREFIXES = ("/accounts/2fa/", "/accounts/logout/", "/accounts/login/", "/static/",
                   "/healthz", "/i18n/")


def two_factor_required(user) -> bool:
    """Whether ``user`` holds a bureau role that the settings put behind two-factor login."""
    roles = [r.strip() for r in settings.REGISTRY_REQUIRE_2FA_FOR if r.strip()]
    codenames = [TWO_FACTOR_ROLES[r] for r in roles if r in TWO_FACTOR_ROLES]
    if not codenames or not user.is_authenticated:
        return False
    from guardian.models import UserObjectPermission

    return UserObjectPermission.objects.filter(
        user=user, permission__content_type__app_label="registry",
        permission__codename__in=codenames).exists()


class RequireTwoFactorMiddleware:
    """Sends staff whose role requires 2FA to the verification page until they pass it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated
                and not request.path.startswith(EXEMPT_PREFIXES)
                and not user.is_verified() and two_factor_required(user)):
            message = _("Your role requires two-factor sign-in: enter the code from your "
                        "authenticator app first.")
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": message}, status=403)
            return redirect(f"{reverse('two-factor')}?next={request.get_full_path()}")
        return self.get_response(request)


class BasicAuthentication(authentication.BasicAuthentication):
    """DRF Basic auth that refuses users whose role requires a second factor."""

    def authenticate_credentials(self, userid, password, request=None):
        if "\x00" in userid or "\x00" in password:
            # PostgreSQL cannot even look such a name up (a DataError, so a 500)
            raise exceptions.AuthenticationFailed(_("Invalid username/password."))
        user, auth = super().authenticate_credentials(userid, password, request)
        if two_factor_required(user):
            raise exceptions.AuthenticationFailed(
                _("Your role requires two-factor sign-in: use the web sign-in, not a password "
                  "in the request."))
        return user, auth


class BasicAuthenticationScheme(OpenApiAuthenticationExtension):
    """drf-spectacular: the subclass is documented as plain HTTP Basic."""

    target_class = "config.security.BasicAuthentication"
    name = "basicAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "basic"}


def lockout_response(request, original_response=None, credentials=None):
    """django-axes: the answer to a login attempt while the username/address is locked out."""
    message = _("Too many failed sign-in attempts: this account is locked for a while. "
                "Try again later or ask the bureau administrator.")
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=429)
    return HttpResponse(message, status=429, content_type="text/plain; charset=utf-8")


# --- ids beyond the database's integer range ------------------------------------------
# A path like /api/v1/cases/99999999999999999999999/ reaches the database as an integer
# that SQLite cannot bind (OverflowError) and PostgreSQL refuses (DataError): that is a
# "not found", never a 500.

def _out_of_range(exc) -> bool:
    from django.db import DataError

    return isinstance(exc, OverflowError) or (
        isinstance(exc, DataError) and "out of range" in str(exc))


def api_exception_handler(exc, context):
    """DRF's handler, plus: an id out of the integer range is a 404, and a body nested too
    deeply to parse is a 400."""
    from rest_framework.views import exception_handler

    if _out_of_range(exc):
        exc = exceptions.NotFound()
    elif isinstance(exc, RecursionError):  # JSON nested deeper than the parser can follow
        exc = exceptions.ParseError(_("The request body is nested too deeply."))
    return exception_handler(exc, context)


class OutOfRangeIdMiddleware:
    """The same for the web pages: an id out of range answers 404."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if _out_of_range(exception):
            from django.http import HttpResponseNotFound

            return HttpResponseNotFound(_("Not found."))
        return None


class TokenForm(forms.Form):
    token = forms.CharField(label=gettext_lazy("Six-digit code"), min_length=6, max_length=8,
                            widget=forms.TextInput(attrs={"autocomplete": "one-time-code",
                                                          "inputmode": "numeric"}))


def _otpauth_uri(device) -> str:
    from urllib.parse import quote

    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    issuer = quote(settings.OTP_TOTP_ISSUER)
    return (f"otpauth://totp/{issuer}:{quote(device.user.get_username())}"
            f"?secret={secret}&issuer={issuer}&digits={device.digits}&period={device.step}")


@login_required
def two_factor(request):
    """Enrol an authenticator (first visit) or verify a code from it."""
    from django_otp import login as otp_login
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=request.user, confirmed=True).first()
    enrolling = device is None
    if enrolling:
        device, _created = TOTPDevice.objects.get_or_create(
            user=request.user, confirmed=False, defaults={"name": "authenticator"})
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"].strip()):
            if enrolling:
                device.confirmed = True
                device.save(update_fields=["confirmed"])
            otp_login(request, device)
            messages.success(request, _("Two-factor sign-in passed."))
            target = request.GET.get("next", "")
            if not url_has_allowed_host_and_scheme(target, {request.get_host()},
                                                   require_https=request.is_secure()):
                target = "/"
            return redirect(target)
        form.add_error("token", _("The code is wrong or has expired: try the current one."))
    context = {"form": form, "enrolling": enrolling,
               "otpauth_uri": _otpauth_uri(device) if enrolling else "",
               "secret": base64.b32encode(device.bin_key).decode() if enrolling else ""}
    return render(request, "security/two_factor.html", context,
                  status=400 if form.errors else 200)
