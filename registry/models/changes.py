"""A provider's change to a fact an approval rests on, waiting for a clerk's review."""

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from .fields import user_field
from .transitions import StatusTransitions

# The facts an approval rests on, by model: changing one after an approval (or while an
# application is open) needs a clerk's review; any other field applies at once.
REVIEWED_FIELDS: dict[str, frozenset[str]] = {
    "registry.organization": frozenset({"name", "uscc", "legal_representative", "address",
                                        "registration_kind", "provider_kind"}),
    "registry.offering": frozenset({"category", "fee_per_session", "title"}),
    "registry.person": frozenset({"name", "kind", "qualification"}),
}


class ChangeRequest(StatusTransitions, models.Model):
    """Proposed new values of reviewed fields of one organization, offering or person.
    Until a clerk approves it the published facts stay as they were."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for review")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    TRANSITIONS = {Status.PENDING: {Status.APPROVED, Status.REJECTED}}
    transition_refused = _("This change request is %(current)s: it cannot be reviewed again.")

    target_type = models.ForeignKey(ContentType, verbose_name=_("object type"),
                                    on_delete=models.PROTECT, related_name="+")
    target_id = models.PositiveBigIntegerField(_("object id"))
    target = GenericForeignKey("target_type", "target_id")
    # the organization the change belongs to (for permissions and jurisdiction); empty for
    # an individual on their own
    organization = models.ForeignKey("registry.Organization", verbose_name=_("organization"),
                                     null=True, blank=True, on_delete=models.CASCADE,
                                     related_name="change_requests")
    person = models.ForeignKey("registry.Person", verbose_name=_("person"), null=True,
                               blank=True, on_delete=models.CASCADE,
                               related_name="change_requests")
    changes = models.JSONField(_("proposed values"))
    previous = models.JSONField(_("values before"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices,
                              default=Status.PENDING)
    requested_by = user_field(_("requested by"))
    requested_at = models.DateTimeField(_("requested"), auto_now_add=True)
    reviewed_by = user_field(_("reviewed by"), null=True)
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("change request")
        verbose_name_plural = _("change requests")
        ordering = ["-requested_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "requested_at"], name="changereq_status_idx"),
            models.Index(fields=["target_type", "target_id"], name="changereq_target_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.target_type.model} #{self.target_id}: {', '.join(self.changes)}"
