"""Reading API tokens."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import ApiToken, token_digest


def tokens_of(user) -> QuerySet[ApiToken]:
    """``user``'s tokens that are not revoked (expired ones too, marked so), newest first."""
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).order_by(
        "-created_at", "-pk")


def token_by_secret(secret: str) -> ApiToken | None:
    """The token whose SHA-256 matches ``secret`` (revoked and expired ones included, so
    that the caller can say which), with its user."""
    return (ApiToken.objects.select_related("user")
            .filter(digest=token_digest(secret)).first())
