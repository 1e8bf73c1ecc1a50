"""The standing of a provider in a jurisdiction, with its one transition map."""

import datetime

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registry.expiry import in_force_q
from registry.models.subjects import SubjectMixin, subject_constraint, subject_fields
from registry.models.transitions import InvalidTransition


class ApprovalQuerySet(models.QuerySet):
    def valid_on(self, day: datetime.date | None = None):
        """Approvals in force on ``day`` (today by default), checked at query time."""
        day = day or timezone.localdate()
        return self.filter(in_force_q(day, "valid_until"), status=Approval.Status.APPROVED,
                           valid_from__lte=day)


class Approval(SubjectMixin, models.Model):
    """An organization's or person's approval to serve in one jurisdiction.

    ``status`` is changed only through :meth:`apply_transition`, which enforces
    ``TRANSITIONS``; services call it and write the audit event.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        SUSPENDED = "suspended", _("Suspended")
        REVOKED = "revoked", _("Revoked")
        EXPIRED = "expired", _("Expired")

    TRANSITIONS: dict[str, frozenset[str]] = {
        # pending: decided but in public notice (公示); an upheld objection revokes it.
        Status.PENDING: frozenset({Status.APPROVED, Status.REVOKED}),
        Status.APPROVED: frozenset({Status.SUSPENDED, Status.REVOKED, Status.EXPIRED}),
        # suspended: a credential lapsed or a sanction; renewal or reinstatement restores it.
        Status.SUSPENDED: frozenset({Status.APPROVED, Status.REVOKED, Status.EXPIRED}),
        Status.REVOKED: frozenset(),
        Status.EXPIRED: frozenset(),
    }
    OPEN_STATUSES = (Status.PENDING, Status.APPROVED, Status.SUSPENDED)

    organization, person = subject_fields("approvals")
    jurisdiction = models.ForeignKey(
        "registry.Jurisdiction",
        verbose_name=_("jurisdiction"),
        on_delete=models.PROTECT,
        related_name="approvals",
    )
    categories = models.ManyToManyField(
        "registry.ServiceCategory", verbose_name=_("categories"), blank=True,
        related_name="approvals",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING,
        editable=False,
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    # The id of the process (a workflows case) that decided it. A plain number, not a foreign
    # key: the domain knows nothing of the process engine (docs/architecture.md); the case
    # side holds the foreign key to the approval.
    case_id = models.PositiveBigIntegerField(_("case"), null=True, blank=True)
    # Filled by expert review (workflows); orders search results after relevance.
    expert_score = models.DecimalField(
        _("expert score"), max_digits=5, decimal_places=2, null=True, blank=True,
    )
    # 1+1: a positive annual review renews the approval for one more term, once; after
    # that, a new selection (registry.services.approval_renew)
    renewals = models.PositiveSmallIntegerField(_("renewals"), default=0, editable=False)
    # 整改中: a review case ordered rectification by this date; the approval stays in force
    # (unless the decision also suspended it) and shows it
    rectification_due = models.DateField(_("under rectification until"), null=True,
                                         blank=True, editable=False)
    status_changed_at = models.DateTimeField(_("status changed"), default=timezone.now)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ApprovalQuerySet.as_manager()

    class Meta:
        verbose_name = _("approval")
        verbose_name_plural = _("approvals")
        ordering = ["-created_at", "-pk"]
        constraints = [
            subject_constraint("approval_exactly_one_subject"),
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_until__isnull=True)
                | Q(valid_from__lte=models.F("valid_until")),
                name="approval_valid_range_ordered",
            ),
            # One standing per subject and jurisdiction while it is open.
            models.UniqueConstraint(
                fields=["organization", "jurisdiction"],
                condition=Q(status__in=["pending", "approved", "suspended"]),
                name="approval_one_open_per_organization",
            ),
            models.UniqueConstraint(
                fields=["person", "jurisdiction"],
                condition=Q(status__in=["pending", "approved", "suspended"]),
                name="approval_one_open_per_person",
            ),
        ]
        indexes = [
            models.Index(fields=["jurisdiction", "status", "valid_until"],
                         name="approval_jur_status_idx"),
            models.Index(fields=["status", "valid_until"], name="approval_status_until_idx"),
            # School search checks each candidate's approvals in force: with everything the
            # check reads in the index, it never visits the table (PostgreSQL's INCLUDE;
            # elsewhere a plain partial index).
            models.Index(fields=["organization"], name="approval_org_approved_idx",
                         condition=Q(status="approved", organization__isnull=False),
                         include=["id", "jurisdiction", "valid_from", "valid_until",
                                  "expert_score"]),
            models.Index(fields=["person"], name="approval_person_approved_idx",
                         condition=Q(status="approved", person__isnull=False),
                         include=["id", "jurisdiction", "valid_from", "valid_until",
                                  "expert_score"]),
        ]

    def __str__(self) -> str:
        return f"{self.subject} · {self.jurisdiction} · {self.get_status_display()}"

    def can_transition_to(self, status: str) -> bool:
        return status in self.TRANSITIONS.get(self.status, frozenset())

    def apply_transition(self, status: str) -> str:
        """Move to ``status`` if the map allows it; return the previous status.

        Raises :class:`InvalidTransition` (and changes nothing) otherwise.
        The caller saves and audits.
        """
        if status not in self.Status.values:
            raise InvalidTransition(
                _("Unknown approval status: %(status)s."), code="unknown_status",
                params={"status": status},
            )
        if not self.can_transition_to(status):
            raise InvalidTransition(
                _("An approval that is %(current)s cannot become %(target)s."),
                code="forbidden_transition",
                params={
                    "current": self.get_status_display(),
                    "target": self.Status(status).label,
                },
            )
        previous = self.status
        self.status = status
        self.status_changed_at = timezone.now()
        return previous

    def is_valid_on(self, day: datetime.date | None = None) -> bool:
        day = day or timezone.localdate()
        return (
            self.status == self.Status.APPROVED
            and self.valid_from is not None
            and self.valid_until is not None
            and self.valid_from <= day <= self.valid_until
        )
