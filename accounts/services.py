"""Making and revoking API tokens. The secret leaves the server once, in the answer to its
creation; only its SHA-256 is stored."""

from __future__ import annotations

import datetime
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import mail, tasks
from accounts.models import SHOWN_LENGTH, TOKEN_PREFIX, ApiToken, SignUp, token_digest
from registry.services import audit_record


@transaction.atomic
def token_create(*, actor, name: str, days: int | None = None,
                 two_factor: bool = False) -> tuple[ApiToken, str]:
    """Make a token for ``actor`` valid ``days`` (the default lifetime when not given, never
    more than the maximum); returns the token row and the secret, which nobody can see again.
    ``two_factor``: the session asking has passed two-factor sign-in."""
    name = (name or "").strip()
    errors = {}
    if not name:
        errors["name"] = _("Name the token after what will use it.")
    if days is None:
        days = settings.API_TOKEN_DEFAULT_DAYS
    if not 1 <= days <= settings.API_TOKEN_MAX_DAYS:
        errors["days"] = _("A token lives from 1 to %(max)s days.") % {
            "max": settings.API_TOKEN_MAX_DAYS}
    # lock the user's row: two requests at once cannot both pass the count below
    get_user_model().objects.select_for_update().filter(pk=actor.pk).first()
    if ApiToken.objects.filter(user=actor).active().count() >= settings.API_TOKEN_MAX_PER_USER:
        errors["name"] = _("You have %(max)s tokens in force: revoke one you no longer use "
                           "first.") % {"max": settings.API_TOKEN_MAX_PER_USER}
    if errors:
        raise ValidationError(errors)
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = timezone.now()
    token = ApiToken.objects.create(
        user=actor, name=name[:100], prefix=secret[:SHOWN_LENGTH], digest=token_digest(secret),
        two_factor=two_factor, created_at=now, expires_at=now + datetime.timedelta(days=days))
    audit_record(actor=actor, action="token.create", target=token, to_state="active",
                 data={"prefix": token.prefix, "days": days})
    return token, secret


@transaction.atomic
def token_revoke(*, actor, token: ApiToken) -> ApiToken:
    """Revoke one of ``actor``'s own tokens; it is refused from the next request on."""
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.user_id != actor.pk:
        raise PermissionDenied(_("This token is not yours."))
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(actor=actor, action="token.revoke", target=token, from_state="active",
                     to_state="revoked", data={"prefix": token.prefix})
    return token


def token_touch(token: ApiToken) -> None:
    """Record that the token was used: at most once a minute, so that a busy client does not
    write a row on every request."""
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > datetime.timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


# --- sign-up -------------------------------------------------------------------------------

def _normalize_email(value: str) -> str:
    return (value or "").strip().lower()


@transaction.atomic
def account_signup(*, email: str, password: str, base_url: str, next_url: str = ""):
    """Make an inactive account for ``email`` and have the worker email its confirmation
    link. The account has no role: it can only confirm. Signing up again with the address
    of an account still unconfirmed sets the new password and sends a new link.
    ``next_url``: a path of this site the link leads back to once confirmed (an invitation
    the person signed up to accept), already checked by the caller."""
    address = _normalize_email(email)
    try:
        validate_email(address)
    except ValidationError:
        raise ValidationError({"email": _("Enter a valid email address.")}) from None
    User = get_user_model()
    user = (User.objects.select_for_update()
            .filter(Q(username__iexact=address) | Q(email__iexact=address)).first())
    if user is not None and not SignUp.objects.filter(user=user,
                                                      confirmed_at__isnull=True).exists():
        raise ValidationError({"email": _(
            "An account with this email address already exists: sign in, or ask for a new "
            "password on the sign-in page.")}, code="taken")
    if user is None:
        user = User(username=address, email=address, is_active=False)
    try:
        password_validation.validate_password(password, user)
    except ValidationError as error:
        raise ValidationError({"password": error.messages}) from None
    user.set_password(password)
    user.save()
    signup, _created = SignUp.objects.get_or_create(user=user)
    audit_record(actor=None, action="account.signup", target=user, to_state="unconfirmed")
    transaction.on_commit(lambda: tasks.send_signup_confirmation.delay(user.pk, base_url,
                                                                       next_url))
    return user


@transaction.atomic
def account_confirm(*, token: str):
    """Confirm the email address of the signed, unexpired ``token``: the account becomes
    active. Refused (nothing changes) when the link was altered, expired, or already used."""
    invalid = ValidationError(
        {"token": _("This confirmation link is not valid: open the whole link from the "
                    "email, or sign up again to get a new one.")}, code="invalid")
    try:
        data = signing.loads(token or "", salt=mail.SIGNUP_SALT,
                             max_age=settings.SIGNUP_CONFIRM_MAX_AGE)
    except signing.SignatureExpired:
        raise ValidationError({"token": _(
            "This confirmation link has expired: sign up again with the same email address "
            "to get a new one.")}, code="expired") from None
    except signing.BadSignature:
        raise invalid from None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        raise invalid
    signup = (SignUp.objects.select_for_update().select_related("user")
              .filter(user_id=data["u"], user__email=data.get("e")).first())
    if signup is None:
        raise invalid
    if signup.confirmed_at is not None:
        raise ValidationError({"token": _("This email address is already confirmed: sign "
                                          "in.")}, code="used")
    signup.confirmed_at = timezone.now()
    signup.save(update_fields=["confirmed_at"])
    user = signup.user
    user.is_active = True
    user.save(update_fields=["is_active"])
    audit_record(actor=user, action="account.confirm", target=user,
                 from_state="unconfirmed", to_state="confirmed")
    return user


def account_confirm_with_token(*, token: str, password: str, token_name: str):
    """For a client without a browser: confirm, and with the account's password make its
    first API token (a token is otherwise made from a signed-in session). Returns the user,
    the token row and its secret."""
    with transaction.atomic():
        user = account_confirm(token=token)
        if not user.check_password(password or ""):
            raise ValidationError({"password": _("The password is not this account's.")},
                                  code="wrong_password")
        token_row, secret = token_create(actor=user, name=token_name)
    return user, token_row, secret
