"""What belongs to a case's review: the rubric, the expert panel and its scores, partner
departments' opinions (会审) and the public's objections during the notice."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registry.models.geography import BilingualNameMixin
from workflows.models.cases import SelectionProcess


class RubricCriterion(BilingualNameMixin, models.Model):
    """One criterion of the expert rubric, with its weight (data, editable in admin)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=64)
    name_en = models.CharField(_("English name"), max_length=128, blank=True)
    weight = models.DecimalField(_("weight"), max_digits=5, decimal_places=2,
                                 validators=[MinValueValidator(Decimal("0.01"))])
    max_score = models.PositiveSmallIntegerField(_("maximum score"), default=100)
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)

    class Meta:
        verbose_name = _("rubric criterion")
        verbose_name_plural = _("rubric criteria")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name


class ExpertAssignment(models.Model):
    """An expert drawn for a case: declares a conflict (and is replaced) or scores."""

    class Status(models.TextChoices):
        DRAWN = "drawn", _("Drawn")
        RECUSED = "recused", _("Recused (conflict of interest)")
        SCORED = "scored", _("Scored")

    case = models.ForeignKey(SelectionProcess, verbose_name=_("case"), on_delete=models.CASCADE,
                             related_name="assignments")
    expert = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("expert"),
                               on_delete=models.PROTECT, related_name="+")
    slot = models.PositiveSmallIntegerField(_("panel seat"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices,
                              default=Status.DRAWN)
    conflict_note = models.TextField(_("conflict of interest"), blank=True)
    # when the expert answered "no conflict": the scoring form is shown only after that
    no_conflict_at = models.DateTimeField(_("declared no conflict"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    total = models.DecimalField(_("weighted total"), max_digits=6, decimal_places=2, null=True,
                                blank=True)
    drawn_at = models.DateTimeField(_("drawn"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("expert assignment")
        verbose_name_plural = _("expert assignments")
        ordering = ["case_id", "slot", "drawn_at"]
        constraints = [
            # An expert sits on a case's panel at most once, recused or not.
            models.UniqueConstraint(fields=["case", "expert"], name="assignment_expert_once"),
            models.UniqueConstraint(fields=["case", "slot"], condition=~Q(status="recused"),
                                    name="assignment_one_active_per_seat"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}/{self.slot}: {self.expert}"


class ExpertScore(models.Model):
    assignment = models.ForeignKey(ExpertAssignment, on_delete=models.CASCADE,
                                   related_name="scores")
    criterion = models.ForeignKey(RubricCriterion, on_delete=models.PROTECT, related_name="+")
    score = models.PositiveSmallIntegerField(_("score"))

    class Meta:
        verbose_name = _("expert score")
        verbose_name_plural = _("expert scores")
        constraints = [
            models.UniqueConstraint(fields=["assignment", "criterion"],
                                    name="score_once_per_criterion"),
        ]

    def __str__(self) -> str:
        return f"{self.assignment_id}/{self.criterion_id}: {self.score}"


class PartnerOpinion(models.Model):
    """A partner department's opinion (会审) on a selection case, asked after the experts
    and before the approver when an offering's category needs that department: agree,
    agree with conditions, or disagree, always with reasons. Confidential to the bureau
    and the department; the applicant never sees who gave it."""

    class Opinion(models.TextChoices):
        AGREE = "agree", _("Agree")
        CONDITIONS = "conditions", _("Agree with conditions")
        DISAGREE = "disagree", _("Disagree")

    case = models.ForeignKey(SelectionProcess, verbose_name=_("case"), on_delete=models.CASCADE,
                             related_name="partner_opinions")
    department = models.ForeignKey("registry.PartnerDepartment", verbose_name=_("department"),
                                   on_delete=models.PROTECT, related_name="+")
    # the categories (names at the time of asking) that made the case need the department
    categories = models.JSONField(_("categories concerned"), default=list, blank=True)
    opinion = models.CharField(_("opinion"), max_length=16, choices=Opinion.choices,
                               blank=True)
    conditions = models.TextField(_("conditions"), blank=True)
    reason = models.TextField(_("reasons"), blank=True)
    given_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("given by"),
                                 null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    requested_at = models.DateTimeField(_("requested"), default=timezone.now)
    given_at = models.DateTimeField(_("given"), null=True, blank=True)

    class Meta:
        verbose_name = _("partner department's opinion")
        verbose_name_plural = _("partner departments' opinions")
        ordering = ["case_id", "department_id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "department"],
                                    name="partner_opinion_once_per_department"),
            models.CheckConstraint(
                condition=Q(opinion="", given_at__isnull=True)
                | (~Q(opinion="") & Q(given_at__isnull=False)),
                name="partner_opinion_given_has_time"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}/{self.department_id}: {self.opinion or '-'}"

    @property
    def is_given(self) -> bool:
        return bool(self.opinion)


class Objection(models.Model):
    """A written, real-name objection filed during the public notice (公示)."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        INVESTIGATING = "investigating", _("Under investigation")
        UPHELD = "upheld", _("Upheld")
        DISMISSED = "dismissed", _("Dismissed")

    # not yet found upheld or dismissed: the notice's end waits for these
    UNRESOLVED = (Status.OPEN, Status.ACKNOWLEDGED, Status.INVESTIGATING)

    case = models.ForeignKey(SelectionProcess, verbose_name=_("case"), on_delete=models.PROTECT,
                             related_name="objections")
    real_name = models.CharField(_("real name"), max_length=64)
    contact = models.CharField(_("contact"), max_length=128)
    reason = models.TextField(_("reason"), max_length=5000)
    # who objected, when they were signed in (else only the name and contact they gave),
    # and the language they wrote in: the bureau's acknowledgement and outcome reach them
    # in the app, in that language (workflows.services.objections)
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("filed by"),
                                 null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    language = models.CharField(_("language"), max_length=16, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices,
                              default=Status.OPEN)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("resolved by"),
                                    null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    resolution_reason = models.TextField(_("resolution"), blank=True)
    # what the applicant is told (the clerk writes it): never the objector's name or text
    applicant_note = models.TextField(_("what the applicant is told"), blank=True)
    created_at = models.DateTimeField(_("filed"), default=timezone.now)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)

    class Meta:
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.real_name}"


class ObjectionEvidence(models.Model):
    """One evidence file of an objection (at most ``OBJECTION_MAX_FILES``), stored under a
    random key in the private document storage (no personal data in the key)."""

    objection = models.ForeignKey(Objection, verbose_name=_("objection"),
                                  on_delete=models.CASCADE, related_name="evidence_files")
    storage_key = models.CharField(_("evidence file key"), max_length=255)
    original_name = models.CharField(_("evidence file name"), max_length=255)
    sha256 = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("objection evidence")
        verbose_name_plural = _("objection evidence")
        ordering = ["objection_id", "pk"]

    def __str__(self) -> str:
        return self.original_name
