"""Personal API tokens: the way a script or another system calls the API as a user.

Only the SHA-256 of a token is stored. A token is 32 random bytes, so no slow hash is
needed to protect it (nobody can guess one, unlike a password), and checking a wrong one
costs one hash and one indexed lookup: an attacker sending tokens cannot exhaust the CPU,
as HTTP Basic authentication let them do by making the server hash passwords.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# A recognisable start, so that secret scanners and people can tell what leaked.
TOKEN_PREFIX = "asr_"  # noqa: S105 - a label, not a secret
# How much of the token the list shows to tell tokens apart (the prefix and 8 characters).
SHOWN_LENGTH = len(TOKEN_PREFIX) + 8


def token_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())


class ApiToken(models.Model):
    """One personal API token of a user; the secret itself is shown once and never kept."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"),
                             on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=SHOWN_LENGTH)
    digest = models.CharField(_("SHA-256 of the token"), max_length=64, unique=True)
    # made in a session that had passed two-factor sign-in (see accounts.authentication)
    two_factor = models.BooleanField(_("made after two-factor sign-in"), default=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "revoked_at"], name="apitoken_user_revoked")]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()


class SignUp(models.Model):
    """An account its owner made by signing up. Until ``confirmed_at`` the account is
    inactive: it cannot sign in or use the API, only confirm through the emailed link."""

    class Choice(models.TextChoices):
        ORGANIZATION = "organization", _("I represent an organization")
        INDIVIDUAL = "individual", _("I offer my own services")

    user = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name=_("user"),
                                on_delete=models.CASCADE, related_name="signup")
    created_at = models.DateTimeField(_("signed up"), default=timezone.now)
    confirmed_at = models.DateTimeField(_("email confirmed"), null=True, blank=True)

    class Meta:
        verbose_name = _("sign-up")
        verbose_name_plural = _("sign-ups")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.user.get_username()
