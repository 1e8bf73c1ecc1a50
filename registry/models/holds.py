"""Why a suspended approval is held out of service: one open hold per cause.

An approval has one status, but it can be suspended for several reasons at once: the
bureau's sanction, an expired credential waiting for its renewal, a yearly record re-query
not done, a record hit waiting for confirmation. Each reason is a hold, placed by the
service that suspends (:func:`registry.services.approval_suspend`) and lifted by the one
that answers it (:func:`registry.services.approval_reinstate`): the approval comes back in
force only when no hold is left (and its provider is not blacklisted). A verified renewal
cannot lift a sanction, nor a late re-query an expired credential.

Approvals suspended before holds were recorded have none: whatever reinstates them lifts
the suspension, as it did then.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ApprovalHold(models.Model):
    class Cause(models.TextChoices):
        # the bureau's decision: a sanction, a review case, an annual review; lifted by the
        # bureau's reinstatement
        SANCTION = "sanction", _("suspended by the education bureau")
        # the nightly sweep; lifted by the re-certification that verifies the renewals
        CREDENTIAL = "credential", _("a credential has expired and its renewal is not "
                                     "verified")
        # the yearly re-query not done by its date; lifted by recording it
        REQUERY = "requery", _("the yearly record query is not done")
        # a record query found a record; held while it is confirmed, lifted when the bar is
        # refused or lifted on re-check (a confirmed bar revokes the approval instead)
        RECORD_HIT = "record_hit", _("a record query found a record, being confirmed")
        # the person withdrew their separate consent to holding their ID number; lifted by
        # the bureau's reinstatement, and only once the consent is in force again
        CONSENT = "consent", _("the person withdrew their separate consent to holding "
                               "their ID number")

    approval = models.ForeignKey("registry.Approval", verbose_name=_("approval"),
                                 on_delete=models.CASCADE, related_name="holds")
    cause = models.CharField(_("cause"), max_length=16, choices=Cause.choices)
    reason = models.TextField(_("reason"), blank=True)
    placed_at = models.DateTimeField(_("placed"), default=timezone.now)
    lifted_at = models.DateTimeField(_("lifted"), null=True, blank=True)

    class Meta:
        verbose_name = _("suspension hold")
        verbose_name_plural = _("suspension holds")
        ordering = ["placed_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["approval", "cause"],
                                    condition=Q(lifted_at__isnull=True),
                                    name="approval_hold_one_open_per_cause"),
        ]

    def __str__(self) -> str:
        return f"{self.approval_id} · {self.get_cause_display()}"
