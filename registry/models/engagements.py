"""What schools do with approved providers: terms, engagements (引进 / 合同),
end-of-term evaluations (考核) and incident reports."""

import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registry.models.subjects import SubjectMixin, subject_constraint, subject_fields

from .approvals import InvalidTransition
from .fields import user_field


class SchoolTerm(models.Model):
    """A school's term (学期) and how many after-school projects it runs in it.

    ``project_count`` is the base of the external-project cap
    (``REGISTRY_EXTERNAL_PROJECT_CAP``).
    """

    school = models.ForeignKey(
        "registry.School", verbose_name=_("school"), on_delete=models.CASCADE,
        related_name="terms",
    )
    name = models.CharField(_("name"), max_length=64, help_text=_("For example 2026 春季学期."))
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    project_count = models.PositiveIntegerField(
        _("after-school projects"),
        help_text=_("All after-school projects the school runs this term, its own included."),
    )
    # the school was asked, at the term's end, to rate each engagement of it
    evaluations_requested_at = models.DateTimeField(_("ratings asked"), null=True,
                                                    blank=True, editable=False)

    class Meta:
        verbose_name = _("term")
        verbose_name_plural = _("terms")
        ordering = ["school", "-starts_on"]
        constraints = [
            models.UniqueConstraint(fields=["school", "name"], name="term_unique_name"),
            models.CheckConstraint(condition=Q(starts_on__lte=F("ends_on")),
                                   name="term_dates_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.school.name} · {self.name}"


class Engagement(SubjectMixin, models.Model):
    """A school's engagement of an approved organization (and offering) or individual:
    a contract with a roster of the people who will come, signed papers, and a status.

    ``status`` is changed only through :meth:`apply_transition` (one row) or
    :meth:`transition_sources` (set-based, for the sanction fan-out), which enforce
    ``TRANSITIONS``; services call them and write the audit event. Only an ``active``
    engagement lets anyone into the school (entry permits, lessons). A sanction suspends
    (or, on revocation, terminates) it, and lifting the suspension puts it back where it was
    (``status_before_suspension``). Why it changed is in the audit trail, not here: the
    school sees what to do, never the reasons (a person's may be a record hit).
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SIGNED = "signed", _("Signed")
        ACTIVE = "active", _("Active")
        ENDED = "ended", _("Ended")
        SUSPENDED = "suspended", _("Suspended")
        TERMINATED = "terminated", _("Terminated")

    TRANSITIONS: dict[str, frozenset[str]] = {
        Status.DRAFT: frozenset({Status.SIGNED, Status.SUSPENDED, Status.TERMINATED}),
        Status.SIGNED: frozenset({Status.ACTIVE, Status.SUSPENDED, Status.TERMINATED}),
        Status.ACTIVE: frozenset({Status.ENDED, Status.SUSPENDED, Status.TERMINATED}),
        # lifted: back to the status it had (status_before_suspension)
        Status.SUSPENDED: frozenset({Status.DRAFT, Status.SIGNED, Status.ACTIVE,
                                     Status.TERMINATED}),
        Status.ENDED: frozenset(),
        Status.TERMINATED: frozenset(),
    }
    # what a sanction may still touch: an ended or terminated engagement is history
    LIVE_STATUSES = (Status.DRAFT, Status.SIGNED, Status.ACTIVE)

    school = models.ForeignKey(
        "registry.School", verbose_name=_("school"), on_delete=models.PROTECT,
        related_name="engagements",
    )
    term = models.ForeignKey(
        SchoolTerm, verbose_name=_("term"), on_delete=models.PROTECT, related_name="engagements",
    )
    approval = models.ForeignKey(
        "registry.Approval", verbose_name=_("approval relied on"), on_delete=models.PROTECT,
        related_name="engagements",
    )
    organization, person = subject_fields("engagements")
    offering = models.ForeignKey(
        "registry.Offering", verbose_name=_("offering"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="engagements",
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    fee_per_session = models.DecimalField(
        _("agreed fee per session (CNY)"), max_digits=8, decimal_places=2,
        validators=[MinValueValidator(0)],
    )
    sessions = models.PositiveIntegerField(_("number of sessions"),
                                           validators=[MinValueValidator(1)])
    free_places_used = models.PositiveIntegerField(
        _("free places used"), default=0,
        help_text=_("Students in hardship taught free of charge under this engagement."),
    )
    # For an individual (no offering) the category taught; with an offering, the offering's.
    category = models.ForeignKey(
        "registry.ServiceCategory", verbose_name=_("category"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="engagements",
    )
    places = models.PositiveIntegerField(_("places"), default=0,
                                         help_text=_("Pupils the engagement teaches."))
    # the grades taught (1–9); within the need's grades when it fills one
    grade_min = models.PositiveSmallIntegerField(
        _("lowest grade"), null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(9)])
    grade_max = models.PositiveSmallIntegerField(
        _("highest grade"), null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(9)])
    need = models.ForeignKey(
        "registry.TermNeed", verbose_name=_("need filled"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="engagements",
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices,
                              default=Status.DRAFT, editable=False)
    status_before_suspension = models.CharField(
        _("status before suspension"), max_length=16, choices=Status.choices, blank=True,
        editable=False)
    status_changed_at = models.DateTimeField(_("status changed"), default=timezone.now)
    created_by = user_field(_("recorded by"), null=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("engagement")
        verbose_name_plural = _("engagements")
        ordering = ["-starts_on", "-pk"]
        constraints = [
            # a person is engaged for no offering of an organization's
            subject_constraint("engagement_exactly_one_subject", offering__isnull=True),
            models.CheckConstraint(condition=Q(starts_on__lte=F("ends_on")),
                                   name="engagement_dates_ordered"),
            models.CheckConstraint(condition=Q(fee_per_session__gte=0),
                                   name="engagement_fee_not_negative"),
            models.CheckConstraint(condition=Q(sessions__gte=1),
                                   name="engagement_sessions_positive"),
            models.CheckConstraint(condition=Q(free_places_used__gte=0),
                                   name="engagement_free_places_not_negative"),
            # both grades or neither, 1–9, lowest first
            models.CheckConstraint(
                condition=Q(grade_min__isnull=True, grade_max__isnull=True)
                | Q(grade_min__gte=1, grade_max__lte=9, grade_min__lte=F("grade_max")),
                name="engagement_grades_valid"),
        ]
        indexes = [models.Index(fields=["school", "term"], name="engagement_school_term_idx"),
                   # the sanction fan-out: an approval's engagements by status
                   models.Index(fields=["approval", "status"],
                                name="engagement_approval_status_idx")]

    def __str__(self) -> str:
        subject = self.organization.name if self.organization_id else self.person.name
        return f"{self.school.name} · {subject} · {self.term.name}"

    @classmethod
    def transition_sources(cls, status: str) -> list[str]:
        """The statuses from which the map allows ``status``: a set-based change filters
        on them, so it applies the same rule as :meth:`apply_transition`."""
        return [source for source, targets in cls.TRANSITIONS.items() if status in targets]

    def apply_transition(self, status: str) -> str:
        """Move to ``status`` if the map allows it; return the previous status. A lifted
        suspension may only return to the status the engagement had. The caller saves and
        audits; :class:`InvalidTransition` (and nothing changed) otherwise."""
        if status not in self.Status.values:
            raise InvalidTransition(_("Unknown engagement status: %(status)s."),
                                    code="unknown_status", params={"status": status})
        if status not in self.TRANSITIONS.get(self.status, frozenset()) or (
                self.status == self.Status.SUSPENDED and status != self.Status.TERMINATED
                and status != self.status_before_suspension):
            raise InvalidTransition(
                _("An engagement that is %(current)s cannot become %(target)s."),
                code="forbidden_transition",
                params={"current": self.get_status_display(),
                        "target": self.Status(status).label})
        previous = self.status
        self.status_before_suspension = previous if status == self.Status.SUSPENDED else ""
        self.status, self.status_changed_at = status, timezone.now()
        return previous

    @property
    def grades_label(self) -> str:
        if self.grade_min is None:
            return ""
        if self.grade_min == self.grade_max:
            return _("grade %(n)d") % {"n": self.grade_min}
        return _("grades %(lo)d–%(hi)d") % {"lo": self.grade_min, "hi": self.grade_max}

    @property
    def taught_category(self):
        return self.offering.category if self.offering_id else self.category

    @property
    def taught_grades(self) -> tuple[int, int] | None:
        """The grades taught (lowest, highest): the engagement's own, else the need's it
        fills, else the offering's; ``None`` when none says. The roster's coverage check
        reads this."""
        if self.grade_min is not None:
            return (self.grade_min, self.grade_max)
        if self.need_id:
            return (self.need.grade_min, self.need.grade_max)
        if self.offering_id:
            return (self.offering.grade_min, self.offering.grade_max)
        return None

    def can_transition_to(self, status: str) -> bool:
        return status in self.TRANSITIONS.get(self.status, frozenset())

    def is_rateable_on(self, day: datetime.date) -> bool:
        """The school rates an engagement at its end: once it has ended (early too), or
        once its planned end has passed."""
        return self.status == self.Status.ENDED or self.ends_on <= day


class RubricItem(NamedTuple):
    key: str
    label: str
    weight: int


# The rubric a school rates each engagement on at the end of its term (学期考核): every
# item scored 1–5; the satisfaction is the weighted share of the best score. Keys are
# stored with each evaluation (``Evaluation.scores``): a new item gets a new key, and an
# item is never renamed in place, so that past evaluations keep their meaning.
EVALUATION_RUBRIC: tuple[RubricItem, ...] = (
    RubricItem("safety", _("Safety: pupils supervised, the safety plan followed"), 3),
    RubricItem("teaching", _("Teaching: well prepared, pupils engaged"), 2),
    RubricItem("content", _("Content as agreed, non-academic, no new lessons"), 2),
    RubricItem("reliability", _("Reliability: on time, sessions delivered as agreed"), 1),
    RubricItem("conduct", _("Conduct of the staff who came to the school"), 1),
    RubricItem("feedback", _("Pupils' and parents' feedback"), 1),
)
RUBRIC_TOP_SCORE = 5


def rubric_percent(scores: dict) -> Decimal:
    """The satisfaction (0–100 %) that ``scores`` (item key → 1–5, every item) give."""
    total = sum(item.weight for item in EVALUATION_RUBRIC)
    earned = sum(item.weight * int(scores[item.key]) for item in EVALUATION_RUBRIC)
    return (Decimal(100) * earned / (total * RUBRIC_TOP_SCORE)).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP)


class Evaluation(models.Model):
    """The school's rating of one engagement at the end of its term: a score per item of
    :data:`EVALUATION_RUBRIC` and the satisfaction they give (``percent``), or, rated
    before the rubric, one overall score (``satisfaction`` × 20 %)."""

    engagement = models.OneToOneField(
        Engagement, verbose_name=_("engagement"), on_delete=models.PROTECT,
        related_name="evaluation",
    )
    # The one overall score 1–5 schools gave before the rubric; no longer taken from them
    # (read only): the service stores the rubric's percent rounded to a score, for the
    # lists that show one number, and ratings given before keep theirs.
    satisfaction = models.PositiveSmallIntegerField(
        _("satisfaction (1–5)"), validators=[MinValueValidator(1), MaxValueValidator(5)],
        editable=False,
    )
    scores = models.JSONField(_("scores on the rubric"), default=dict, blank=True)
    percent = models.DecimalField(_("satisfaction (%)"), max_digits=5, decimal_places=2,
                                  validators=[MinValueValidator(0), MaxValueValidator(100)])
    comments = models.TextField(_("comments"), blank=True)
    created_by = user_field(_("rated by"), null=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(satisfaction__gte=1, satisfaction__lte=5),
                                   name="evaluation_satisfaction_range"),
            models.CheckConstraint(condition=Q(percent__gte=0, percent__lte=100),
                                   name="evaluation_percent_range"),
        ]

    def __str__(self) -> str:
        return f"{self.engagement} · {self.percent}%"

    def rubric_rows(self) -> list[tuple[RubricItem, int | None]]:
        """Each item of the rubric with its score here (``None``: rated before it)."""
        return [(item, self.scores.get(item.key)) for item in EVALUATION_RUBRIC]


class Incident(models.Model):
    """A problem a school reports about an engagement, at any time."""

    class Kind(models.TextChoices):
        SAFETY = "safety", _("Safety")
        CONDUCT = "conduct", _("Conduct")
        FEES = "fees", _("Fees")
        NEW_LESSONS = "new_lessons", _("Teaching new lessons")

    engagement = models.ForeignKey(
        Engagement, verbose_name=_("engagement"), on_delete=models.PROTECT,
        related_name="incidents",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    description = models.TextField(_("description"))
    occurred_on = models.DateField(_("occurred on"))
    created_by = user_field(_("reported by"), null=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.engagement} · {self.get_kind_display()}"
