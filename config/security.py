"""Login hardening: the two-factor requirement for bureau staff and the lockout response.

Two-factor login (TOTP through django-otp) is open to everyone at ``/accounts/2fa/``; the
roles named in ``REGISTRY_REQUIRE_2FA_FOR`` (``approver``, ``admin``, ``clerk``, ``expert``)
are sent there after signing in and may do nothing else until they pass it. API clients use
personal tokens (``TokenAuthentication``); HTTP Basic authentication is gone: it made the
server hash a password on every request, which anyone could use to exhaust the CPU.
"""

from __future__ import annotations

import base64
import re
from functools import cache

from axes.helpers import get_cool_off
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from accounts.selectors import token_by_secret
from accounts.services import token_touch
from config.limits import refusal_delay, throttled_message, too_many_requests
from registry.selectors.sql import column, engine, placeholders, table

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
    """Whether ``user`` holds a bureau role that the settings put behind two-factor login.

    Asked on every request of a signed-in user who has not passed the second factor (every
    school user's, with the requirement on): one fixed statement, written once per
    process, where the ORM spent about 0.3 ms of Python building the same question."""
    roles = [r.strip() for r in settings.REGISTRY_REQUIRE_2FA_FOR if r.strip()]
    codenames = sorted({TWO_FACTOR_ROLES[r] for r in roles if r in TWO_FACTOR_ROLES})
    if not codenames or not user.is_authenticated:
        return False
    with connection.cursor() as cursor:
        cursor.execute(_role_held_sql(engine(), len(codenames)),
                       [user.pk, "registry", *codenames])
        return cursor.fetchone() is not None


@cache
def _role_held_sql(engine: str, codenames: int) -> str:
    """Whether a user is given (directly, as guardian's object permission) one of
    ``codenames`` permissions of an app: parameters the user, the app, the codenames."""
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType
    from guardian.models import UserObjectPermission as Grant

    return (f"SELECT 1 FROM {table(Grant)} g JOIN {table(Permission)} p"  # noqa: S608 (names)
            f" ON p.{column(Permission, 'id')} = g.{column(Grant, 'permission')}"
            f" JOIN {table(ContentType)} c"
            f" ON c.{column(ContentType, 'id')} = p.{column(Permission, 'content_type')}"
            f" WHERE g.{column(Grant, 'user')} = %s AND c.{column(ContentType, 'app_label')} = %s"
            f" AND p.{column(Permission, 'codename')} IN ({placeholders(range(codenames))})"
            " LIMIT 1")


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


# what secrets.token_urlsafe gives, after the prefix; a bound on the length too
_TOKEN_CHARACTERS = re.compile(r"[A-Za-z0-9_\-]{1,200}")


class TokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer <token>`` (or ``Token <token>``): a personal API token made on
    the user's token page or at ``/api/v1/tokens/``. A wrong token costs one SHA-256 and one
    indexed lookup, never a password hash.

    A token stands in for the session that made it, second factor included: for a user
    whose role requires two-factor sign-in, only a token made after passing it is accepted
    (one made before the requirement applied is refused, and the user makes a new one).
    """

    keywords = ("bearer", "token")

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower().decode("latin-1") not in self.keywords:
            return None  # another scheme (e.g. Basic, no longer accepted): not ours
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                _("Give the token after the scheme: Authorization: Bearer <token>."))
        secret = header[1].decode("latin-1")
        if not _TOKEN_CHARACTERS.fullmatch(secret):
            # not one of ours (and a NUL would be a DataError on PostgreSQL, so a 500)
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        return self.authenticate_credentials(secret)

    def authenticate_credentials(self, secret: str):
        token = token_by_secret(secret)
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed(_("This token has been revoked."))
        if token.is_expired:
            raise exceptions.AuthenticationFailed(
                _("This token has expired: make a new one on your token page."))
        user = token.user
        if not token.two_factor and two_factor_required(user):
            raise exceptions.AuthenticationFailed(
                _("Your role requires two-factor sign-in: make a new token after passing it."))
        token_touch(token)
        # django-otp's question, as for a session: did this caller pass the second factor?
        user.is_verified = lambda: token.two_factor
        return user, token

    def authenticate_header(self, request):
        return 'Bearer realm="api"'


class TokenAuthenticationScheme(OpenApiAuthenticationExtension):
    """drf-spectacular: document the token as an HTTP bearer scheme."""

    target_class = "config.security.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer",
                "description": "A personal API token from /accounts/tokens/ or "
                               "POST /api/v1/tokens/ (Authorization: Bearer <token>)."}


def lockout_response(request, original_response=None, credentials=None):
    """django-axes: the answer to a sign-in attempt while the username or the address is
    locked out (429, with the cool-off as ``Retry-After``: every attempt during a lockout
    starts it again)."""
    cool_off = get_cool_off(request)
    wait = max(1, int(cool_off.total_seconds())) if cool_off else 3600
    message = _("Too many failed sign-in attempts for this account or from this address: "
                "sign-in is locked for a while. Try again later or ask the bureau "
                "administrator.")
    return too_many_requests(request, wait, message)


# --- ids beyond the database's integer range ------------------------------------------
# A path like /api/v1/cases/99999999999999999999999/ reaches the database as an integer
# that SQLite cannot bind (OverflowError) and PostgreSQL refuses (DataError): that is a
# "not found", never a 500.

def _out_of_range(exc) -> bool:
    from django.db import DataError

    return isinstance(exc, OverflowError) or (
        isinstance(exc, DataError) and "out of range" in str(exc))


def hardened_exception_handler(exc, context):
    """DRF's handler (after ``config.api_errors``), plus: an id out of the integer range
    is a 404, a body nested too deeply to parse is a 400, and a throttled or
    unauthenticated caller is held a moment (config.limits.refusal_delay) and told when to
    come back in its own language."""
    from rest_framework.views import exception_handler

    if _out_of_range(exc):
        exc = exceptions.NotFound()
    elif isinstance(exc, exceptions.Throttled):  # our message, in the caller's language
        wait = int(exc.wait or 1)
        refusal_delay(wait)
        exc = exceptions.Throttled(wait=wait)
        exc.detail = exceptions.ErrorDetail(throttled_message(wait), code="throttled")
    elif isinstance(exc, (exceptions.NotAuthenticated, exceptions.AuthenticationFailed)):
        # no credentials, wrong ones (a token, or a Basic header, no longer accepted): held
        # like a throttled client, so that a script guessing cannot go faster than this
        refusal_delay(1)
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
