"""Making and revoking API tokens. The secret leaves the server once, in the answer to its
creation; only its SHA-256 is stored."""

from __future__ import annotations

import datetime
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import SHOWN_LENGTH, TOKEN_PREFIX, ApiToken, token_digest
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
