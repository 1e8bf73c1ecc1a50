"""An organization's invitation, by email, to a colleague or to a person on its roster.

The link in the email is signed (``registry.services.membership``); the row says whether it
was used, so a link works once, and until ``expires_at``.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .fields import user_field


class ProviderInvitation(models.Model):
    """Accepted in the invitee's own (confirmed) account: a colleague gets the provider
    role for ``organization`` alone; with ``person``, the invitee claims that person's
    record of the roster as their own (and may then consent in it)."""

    organization = models.ForeignKey("registry.Organization", verbose_name=_("organization"),
                                     on_delete=models.CASCADE, related_name="invitations")
    person = models.ForeignKey("registry.Person", verbose_name=_("person on the roster"),
                               null=True, blank=True, on_delete=models.CASCADE,
                               related_name="claim_invitations")
    email = models.EmailField(_("email"))
    invited_by = user_field(_("invited by"))
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    accepted_by = user_field(_("accepted by"), null=True)

    class Meta:
        verbose_name = _("provider invitation")
        verbose_name_plural = _("provider invitations")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["organization", "created_at"],
                                name="provinv_org_created_idx")]

    def __str__(self) -> str:
        return f"{self.organization} → {self.email}"

    @property
    def is_used(self) -> bool:
        return self.accepted_at is not None

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    def is_for(self, user) -> bool:
        """Whether ``user`` is the one invited: the invitation is for its email address
        (trimmed, in lower case), not for an account: whoever signs in with that address."""
        return bool(user is not None and user.is_authenticated
                    and (user.email or "").strip().lower() == self.email.strip().lower())

    @property
    def masked_email(self) -> str:
        """The address invited, shown to someone who may not be its owner: its first
        character and its domain (``z***@example.com``)."""
        local, _at, domain = self.email.partition("@")
        return f"{local[:1]}***@{domain}"
