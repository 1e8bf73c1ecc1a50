"""The standing of a provider in a jurisdiction, with its one transition map."""

import datetime

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registry.expiry import in_force_q
from registry.models.subjects import SubjectMixin, subject_constraint, subject_fields
from registry.models.transitions import InvalidTransition

# compulsory education: grades 1 to 9 (小学 1–6, 初中 7–9), as offerings and term needs
GRADE_FIRST, GRADE_LAST = 1, 9


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
    # 年级段: the grades an individual may teach, named by the bureau at approval (an
    # organization's grades are its offerings'). Empty on approvals made before grades were
    # named: read as every grade (1–9), what they were approved for (``grades``).
    grade_min = models.PositiveSmallIntegerField(
        _("lowest grade"), null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(9)])
    grade_max = models.PositiveSmallIntegerField(
        _("highest grade"), null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(9)])
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
            models.CheckConstraint(
                condition=(Q(grade_min__isnull=True) & Q(grade_max__isnull=True))
                | Q(grade_min__gte=1, grade_max__lte=9, grade_min__lte=models.F("grade_max")),
                name="approval_grade_range_valid",
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
            # what left force in a jurisdiction since its list was published
            # (registry.selectors.publication_lapsed)
            models.Index(fields=["jurisdiction", "status_changed_at"],
                         name="approval_jur_changed_idx"),
            # what came into force since the credential sweep's last run
            # (workflows.services.lapses: its watermark)
            models.Index(fields=["status_changed_at"], name="approval_approved_changed_idx",
                         condition=Q(status="approved")),
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

    @property
    def grades(self) -> tuple[int, int]:
        """The grades it covers, lowest and highest (every grade when it names none)."""
        return (self.grade_min or GRADE_FIRST, self.grade_max or GRADE_LAST)

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


def grades_label(grades: tuple[int, int]) -> str:
    """Grades as people read them: 1–3年级 (grades 1–3), 5年级 (grade 5)."""
    low, high = grades
    if low == high:
        return _("grade %(grade)d") % {"grade": low}
    return _("grades %(low)d–%(high)d") % {"low": low, "high": high}


def covering_parent_id(category) -> int | None:
    """The parent whose approval covers ``category`` too (体育 for 篮球), if any: none for
    a high-risk sub-item (游泳), which must be named itself (``approval_covers``)."""
    return None if category.is_high_risk else category.parent_id


def approval_covers(approval: Approval, *, category=None,
                    grades: tuple[int, int] | None = None) -> list[str]:
    """What of ``category`` and ``grades`` (lowest, highest) ``approval`` does not cover:
    ``[]`` when it covers both, else ``"category"`` and/or ``"grades"``.

    The one rule for "may this person teach this": rosters, engagements of an individual
    and the school search of people follow it. A category is covered by the approval
    naming it or its parent (an approval for 体育 covers 游泳); grades by the approval's
    range containing them (``Approval.grades``). Reads ``approval.categories`` (prefetch
    them for many approvals).

    A high-risk sub-item (游泳, ``ServiceCategory.is_high_risk``) is covered only by an
    approval naming it: the bureau asks for the qualification to teach it (or the sports
    bureau's licence) only where it is named, never for its parent (体育)."""
    missing = []
    if category is not None:
        wanted = {category.pk, covering_parent_id(category)} - {None}
        if not wanted & {c.pk for c in approval.categories.all()}:
            missing.append("category")
    if grades is not None:
        low, high = approval.grades
        if not (low <= grades[0] and grades[1] <= high):
            missing.append("grades")
    return missing
