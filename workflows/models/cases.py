"""Calls for applications and the two kinds of case a bureau decides first: the selection
(遴选) of organizations and the vetting of individuals, as viewflow processes whose rows carry
the case data."""


from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Process


class CallForApplications(models.Model):
    """A bureau's call for applications (征集公告) with its window."""

    bureau = models.ForeignKey("registry.Bureau", verbose_name=_("bureau"),
                               on_delete=models.PROTECT, related_name="calls")
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    opens_on = models.DateField(_("opens on"))
    closes_on = models.DateField(_("closes on"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"),
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("call for applications")
        verbose_name_plural = _("calls for applications")
        ordering = ["-opens_on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(opens_on__lte=models.F("closes_on")),
                                   name="call_window_ordered"),
        ]

    def __str__(self) -> str:
        return self.title

    def is_open(self, day=None) -> bool:
        day = day or timezone.localdate()
        return self.opens_on <= day <= self.closes_on


class CaseOutcome(models.TextChoices):
    OPEN = "open", _("In progress")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class CaseMixin(models.Model):
    """What both kinds of case record."""

    bureau = models.ForeignKey("registry.Bureau", verbose_name=_("bureau"),
                               on_delete=models.PROTECT, related_name="+")
    applicant = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("applicant"),
                                  on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(_("outcome"), max_length=16, choices=CaseOutcome.choices,
                               default=CaseOutcome.OPEN, db_index=True)
    outcome_reason = models.TextField(_("reason for the outcome"), blank=True)
    missing = models.JSONField(_("missing or problem documents"), default=list, blank=True)
    correction_rounds = models.PositiveSmallIntegerField(_("correction rounds"), default=0)
    correction_due = models.DateTimeField(_("correction due"), null=True, blank=True)
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("checked by"),
                                   null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("decided by"),
                                   null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decision = models.CharField(_("decision"), max_length=16, blank=True)
    decision_reason = models.TextField(_("decision reason"), blank=True)
    approval = models.ForeignKey("registry.Approval", verbose_name=_("approval"), null=True,
                                 blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        abstract = True


class SelectionProcess(CaseMixin, Process):
    """An organization's application to a bureau (非学科类校外培训机构遴选)."""

    organization = models.ForeignKey("registry.Organization", verbose_name=_("organization"),
                                     on_delete=models.PROTECT, related_name="+")
    call = models.ForeignKey(CallForApplications, verbose_name=_("call for applications"),
                             null=True, blank=True, on_delete=models.PROTECT,
                             related_name="cases")
    offerings = models.ManyToManyField("registry.Offering", verbose_name=_("offerings"),
                                       related_name="+")
    roster = models.ManyToManyField("registry.Person", verbose_name=_("teaching staff"),
                                    blank=True, related_name="+")
    weighted_score = models.DecimalField(_("weighted score"), max_digits=6, decimal_places=2,
                                         null=True, blank=True)
    score_spread_flagged = models.BooleanField(_("score spread flagged"), default=False)
    notice_ends_on = models.DateField(_("public notice ends on"), null=True, blank=True)

    class Meta:
        verbose_name = _("organization selection case")
        verbose_name_plural = _("organization selection cases")
        indexes = [models.Index(fields=["bureau", "outcome"], name="selection_bureau_idx")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.organization}"


class VettingProcess(CaseMixin, Process):
    """An individual's qualification check (外聘人员资格审查)."""

    class StartedBy(models.TextChoices):
        PERSON = "person", _("The person")
        ORGANIZATION = "organization", _("The employing organization")
        SCHOOL = "school", _("A school on the person's behalf")

    class QueryResult(models.TextChoices):
        CLEAR = "clear", _("No record found")
        HIT = "hit", _("Record found")

    person = models.ForeignKey("registry.Person", verbose_name=_("person"),
                               on_delete=models.PROTECT, related_name="+")
    started_by = models.CharField(_("started by"), max_length=16, choices=StartedBy.choices)
    school = models.ForeignKey("registry.School", verbose_name=_("school"), null=True,
                               blank=True, on_delete=models.PROTECT, related_name="+")
    # The mandatory pre-engagement query (入职查询); personal data: never on public pages.
    query_reference = models.CharField(_("query reference"), max_length=64, blank=True)
    query_date = models.DateField(_("query date"), null=True, blank=True)
    query_result = models.CharField(_("query result"), max_length=8,
                                    choices=QueryResult.choices, blank=True)
    # what the approver's approval covers (the approval takes them): the categories and the
    # grades (年级段) the person may teach
    approved_categories = models.ManyToManyField(
        "registry.ServiceCategory", verbose_name=_("approved categories"), blank=True,
        related_name="+")
    approved_grade_min = models.PositiveSmallIntegerField(_("lowest grade approved"),
                                                          null=True, blank=True)
    approved_grade_max = models.PositiveSmallIntegerField(_("highest grade approved"),
                                                          null=True, blank=True)

    class Meta:
        verbose_name = _("individual vetting case")
        verbose_name_plural = _("individual vetting cases")
        indexes = [models.Index(fields=["bureau", "outcome"], name="vetting_bureau_idx")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.person}"
