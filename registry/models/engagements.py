"""What schools do with approved providers: terms, engagements (引进 / 合同),
end-of-term evaluations (考核) and incident reports."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from registry.models.subjects import SubjectMixin, subject_constraint, subject_fields


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
    """A school's engagement of an approved organization (and offering) or individual."""

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
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
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
        ]
        indexes = [models.Index(fields=["school", "term"], name="engagement_school_term_idx")]

    def __str__(self) -> str:
        subject = self.organization.name if self.organization_id else self.person.name
        return f"{self.school.name} · {subject} · {self.term.name}"


class Evaluation(models.Model):
    """The school's end-of-term rating of one engagement."""

    engagement = models.OneToOneField(
        Engagement, verbose_name=_("engagement"), on_delete=models.PROTECT,
        related_name="evaluation",
    )
    satisfaction = models.PositiveSmallIntegerField(
        _("satisfaction (1–5)"), validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    comments = models.TextField(_("comments"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("rated by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(satisfaction__gte=1, satisfaction__lte=5),
                                   name="evaluation_satisfaction_range"),
        ]

    def __str__(self) -> str:
        return f"{self.engagement} · {self.satisfaction}"


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
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reported by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.engagement} · {self.get_kind_display()}"
