"""Selection cases and their data.

The selection (遴选) of organizations and the vetting of individuals are viewflow
processes; their process rows carry the case data (who applies where, who checked,
who decided) so the case page, the audit trail and the flow share one record.
Experts, scores, objections and notifications belong to the case and live here.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Process

from registry.models.geography import BilingualNameMixin


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


class Notification(models.Model):
    """An in-app message; the same text is emailed after the transaction commits."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"),
                             on_delete=models.CASCADE, related_name="notifications")
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("message"))
    url = models.CharField(_("link"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("emailed"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["user", "read_at", "created_at"], name="notification_user_idx"),
            models.Index(fields=["emailed_at"], name="notification_unsent_idx",
                         condition=Q(emailed_at__isnull=True)),
        ]

    def __str__(self) -> str:
        return self.subject


class CalendarOverride(models.Model):
    """A date the official calendar package does not know (e.g. next year's 调休)."""

    date = models.DateField(_("date"), unique=True)
    is_workday = models.BooleanField(_("working day"))
    note = models.CharField(_("note"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("calendar override")
        verbose_name_plural = _("calendar overrides")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {'workday' if self.is_workday else 'holiday'}"


class ExpiryReminder(models.Model):
    """A reminder that a credential expires soon: recorded once per (document, threshold)
    by the sweep, then delivered. The unique constraint makes reruns, retries and
    concurrent sweeps harmless; ``sent_at`` tells what is still to deliver."""

    document = models.ForeignKey("documents.Document", verbose_name=_("document"),
                                 on_delete=models.CASCADE, related_name="+")
    threshold_days = models.PositiveSmallIntegerField(_("days before expiry"))
    expires_on = models.DateField(_("expires on"))
    created_at = models.DateTimeField(_("recorded"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("expiry reminder")
        verbose_name_plural = _("expiry reminders")
        constraints = [
            models.UniqueConstraint(fields=["document", "threshold_days"],
                                    name="reminder_once_per_threshold"),
        ]
        indexes = [
            models.Index(fields=["created_at"], name="reminder_unsent_idx",
                         condition=Q(sent_at__isnull=True)),
        ]

    def __str__(self) -> str:
        return f"{self.document_id} −{self.threshold_days}d"


class DigestLog(models.Model):
    """The daily digest to a bureau's clerks: at most one per bureau and day."""

    bureau = models.ForeignKey("registry.Bureau", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["bureau", "day"], name="digest_once_a_day")]

    def __str__(self) -> str:
        return f"{self.bureau_id} {self.day}"


class RecertificationProcess(Process):
    """Renewal of an approval whose credential expired (or whose yearly record query
    is due): the provider uploads, a clerk verifies, the approval is restored."""

    approval = models.ForeignKey("registry.Approval", verbose_name=_("approval"),
                                 on_delete=models.PROTECT, related_name="+")
    bureau = models.ForeignKey("registry.Bureau", verbose_name=_("bureau"),
                               on_delete=models.PROTECT, related_name="+")
    due_types = models.JSONField(_("document types to renew"), default=list)
    grace_until = models.DateField(_("renewal due by"))
    outcome = models.CharField(_("outcome"), max_length=16, choices=CaseOutcome.choices,
                               default=CaseOutcome.OPEN, db_index=True)
    outcome_reason = models.TextField(_("reason for the outcome"), blank=True)
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("checked by"),
                                   null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    query_reference = models.CharField(_("query reference"), max_length=64, blank=True)
    query_date = models.DateField(_("query date"), null=True, blank=True)
    query_result = models.CharField(_("query result"), max_length=8, blank=True,
                                    choices=VettingProcess.QueryResult.choices)
    missing = models.JSONField(_("missing or problem documents"), default=list, blank=True)

    class Meta:
        verbose_name = _("re-certification case")
        verbose_name_plural = _("re-certification cases")
        constraints = [
            models.UniqueConstraint(fields=["approval"], condition=Q(outcome="open"),
                                    name="recert_one_open_per_approval"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.approval}"

    @property
    def subject(self):
        return self.approval.subject

    @property
    def needs_query(self) -> bool:
        return any(item.get("code") == "offence_query" for item in self.due_types)


class AnnualReviewProcess(Process):
    """年度考核: on an approval's anniversary the bureau reviews the year's evaluations and
    incidents and keeps, suspends or revokes the approval."""

    class Decision(models.TextChoices):
        RENEW = "renew", _("Keep and renew for one more term (1+1)")
        KEEP = "keep", _("Keep")
        SUSPEND = "suspend", _("Suspend")
        REVOKE = "revoke", _("Revoke")

    approval = models.ForeignKey("registry.Approval", verbose_name=_("approval"),
                                 on_delete=models.PROTECT, related_name="+")
    bureau = models.ForeignKey("registry.Bureau", verbose_name=_("bureau"),
                               on_delete=models.PROTECT, related_name="+")
    period_start = models.DateField(_("year reviewed from"))
    period_end = models.DateField(_("year reviewed to"))
    decision = models.CharField(_("decision"), max_length=16, choices=Decision.choices,
                                blank=True)
    reason = models.TextField(_("reason"), blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("decided by"),
                                   null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    # opened by the yearly review of the whole list (留库审查), if it was
    list_review = models.ForeignKey("workflows.ListReview", verbose_name=_("list review"),
                                    null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="reviews")

    class Meta:
        verbose_name = _("annual review")
        verbose_name_plural = _("annual reviews")
        constraints = [
            models.UniqueConstraint(fields=["approval", "period_end"],
                                    name="annual_review_once_a_year"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.approval} {self.period_end:%Y}"


class OfferingFlag(models.Model):
    """A policy-screening flag on an offering of a selection case: it reads like subject
    tutoring, or its fee is above the cap. Raised at application; the clerk confirms
    (the offering is fine) or rejects it (back for correction) with a reason."""

    class Kind(models.TextChoices):
        ACADEMIC_SIGNAL = "academic_signal", _("Reads like subject tutoring")
        FEE_ABOVE_CAP = "fee_above_cap", _("Fee above the cap")

    class Decision(models.TextChoices):
        PENDING = "pending", _("Awaiting the clerk")
        CONFIRMED = "confirmed", _("Confirmed: the offering is acceptable")
        REJECTED = "rejected", _("Rejected: to be corrected")

    case = models.ForeignKey(SelectionProcess, verbose_name=_("case"), on_delete=models.CASCADE,
                             related_name="flags")
    offering = models.ForeignKey("registry.Offering", verbose_name=_("offering"),
                                 on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    matched_words = models.JSONField(_("matched words"), default=list, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    decision = models.CharField(_("decision"), max_length=16, choices=Decision.choices,
                                default=Decision.PENDING)
    reason = models.TextField(_("reason"), blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("decided by"),
                                   null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    created_at = models.DateTimeField(_("raised"), default=timezone.now)

    class Meta:
        verbose_name = _("offering flag")
        verbose_name_plural = _("offering flags")
        ordering = ["case_id", "offering_id", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["case", "offering", "kind"],
                                    name="offering_flag_once_per_case"),
            models.CheckConstraint(
                condition=Q(decision="pending", decided_at__isnull=True)
                | (~Q(decision="pending") & Q(decided_at__isnull=False)),
                name="offering_flag_decided_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}/{self.offering_id}: {self.get_kind_display()}"


class ReviewCaseProcess(Process):
    """A review case: due process after approval. Opened by an incident, low
    satisfaction, a complaint the bureau records, a failed re-query or by hand; a clerk
    looks into it, the provider is told the intended action with reasons and may answer
    within ``REVIEW_RESPONSE_WORKING_DAYS``; an administrator who did not investigate
    decides; the provider may ask once, within ``REVIEW_REEXAMINATION_WORKING_DAYS``, for
    a re-examination (复核) by someone who did not decide."""

    class Trigger(models.TextChoices):
        INCIDENT = "incident", _("Incident report")
        LOW_SATISFACTION = "low_satisfaction", _("Low satisfaction")
        COMPLAINT = "complaint", _("Complaint recorded by the bureau")
        REQUERY = "requery", _("Yearly record re-query not done")
        MANUAL = "manual", _("Opened by the bureau")

    class Action(models.TextChoices):
        NO_ACTION = "no_action", _("No action")
        RECTIFY = "rectify", _("Rectification (整改)")
        SUSPEND = "suspend", _("Suspension")
        REVOKE = "revoke", _("Revocation")
        BLACKLIST = "blacklist", _("Proposal to blacklist")

    class Stage(models.TextChoices):
        INVESTIGATION = "investigation", _("Being looked into")
        NOTICE = "notice", _("Notice sent: waiting for the provider's answer")
        DECISION = "decision", _("Waiting for the decision")
        DECIDED = "decided", _("Decided: re-examination may be asked")
        REEXAMINATION = "reexamination", _("Re-examination (复核)")
        RECTIFICATION = "rectification", _("Rectification under way (整改中)")
        RECTIFICATION_CHECK = "rectification_check", _("Rectification evidence to check")
        CLOSED = "closed", _("Closed")

    class Reexamination(models.TextChoices):
        UPHELD = "upheld", _("Decision upheld")
        LIFTED = "lifted", _("Decision lifted")

    bureau = models.ForeignKey("registry.Bureau", verbose_name=_("bureau"),
                               on_delete=models.PROTECT, related_name="+")
    organization = models.ForeignKey("registry.Organization", verbose_name=_("organization"),
                                     null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    person = models.ForeignKey("registry.Person", verbose_name=_("person"), null=True,
                               blank=True, on_delete=models.PROTECT, related_name="+")
    trigger = models.CharField(_("opened by"), max_length=24, choices=Trigger.choices)
    incident = models.ForeignKey("registry.Incident", verbose_name=_("incident"), null=True,
                                 blank=True, on_delete=models.PROTECT, related_name="+")
    details = models.JSONField(_("details"), default=dict, blank=True)
    stage = models.CharField(_("stage"), max_length=24, choices=Stage.choices,
                             default=Stage.INVESTIGATION)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("opened by"),
                                  null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    # investigation and the notice of intended action (陈述申辩告知)
    findings = models.TextField(_("findings"), blank=True)
    intended_action = models.CharField(_("intended action"), max_length=16,
                                       choices=Action.choices, blank=True)
    notice_reasons = models.TextField(_("reasons given to the provider"), blank=True)
    investigated_by = models.ForeignKey(settings.AUTH_USER_MODEL,
                                        verbose_name=_("investigated by"), null=True,
                                        blank=True, on_delete=models.PROTECT, related_name="+")
    notice_sent_at = models.DateTimeField(_("notice sent"), null=True, blank=True)
    response_due = models.DateField(_("answer due by"), null=True, blank=True)
    # the provider's answer (陈述申辩)
    response_text = models.TextField(_("the provider's answer"), blank=True)
    response_evidence = models.TextField(_("evidence offered"), blank=True)
    responded_at = models.DateTimeField(_("answered"), null=True, blank=True)
    responded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("answered by"),
                                     null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    # the decision
    decision = models.CharField(_("decision"), max_length=16, choices=Action.choices,
                                blank=True)
    decision_reason = models.TextField(_("reasons of the decision"), blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("decided by"),
                                   null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    rectification_requirements = models.TextField(_("what to rectify"), blank=True)
    rectification_due = models.DateField(_("rectify by"), null=True, blank=True)
    rectification_evidence = models.TextField(_("rectification evidence"), blank=True)
    rectification_submitted_at = models.DateTimeField(_("rectification evidenced"),
                                                      null=True, blank=True)
    rectification_accepted = models.BooleanField(_("rectification accepted"), null=True)
    # the one re-examination (复核)
    reexamination_due = models.DateField(_("re-examination may be asked until"), null=True,
                                         blank=True)
    reexamination_statement = models.TextField(_("grounds for re-examination"), blank=True)
    reexamination_requested_at = models.DateTimeField(_("re-examination asked"), null=True,
                                                      blank=True)
    reexamination_outcome = models.CharField(_("re-examination outcome"), max_length=16,
                                             choices=Reexamination.choices, blank=True)
    reexamination_reason = models.TextField(_("reasons of the re-examination"), blank=True)
    reexamined_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("re-examined by"),
                                      null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="+")

    class Meta:
        verbose_name = _("review case")
        verbose_name_plural = _("review cases")
        constraints = [
            models.CheckConstraint(
                condition=Q(organization__isnull=False, person__isnull=True)
                | Q(organization__isnull=True, person__isnull=False),
                name="review_case_exactly_one_subject"),
        ]
        indexes = [models.Index(fields=["bureau", "stage"], name="review_case_stage_idx")]

    def __str__(self) -> str:
        subject = self.organization if self.organization_id else self.person
        return f"#{self.pk} {getattr(subject, 'name', '')}"

    @property
    def subject(self):
        return self.organization if self.organization_id else self.person


class ReviewCaseEvidence(models.Model):
    """A file the provider gives with its answer to the notice (陈述申辩) or as evidence of
    its rectification (整改), checked and stored like every document (by content, in the
    private document storage, under a random key). Read by the provider and the staff of
    the case's bureau only."""

    class Step(models.TextChoices):
        RESPONSE = "response", _("Evidence with the answer")
        RECTIFICATION = "rectification", _("Rectification evidence")

    case = models.ForeignKey(ReviewCaseProcess, verbose_name=_("review case"),
                             on_delete=models.PROTECT, related_name="evidence_files")
    step = models.CharField(_("given with"), max_length=16, choices=Step.choices)
    original_name = models.CharField(_("file name"), max_length=200)
    storage_key = models.CharField(_("storage key"), max_length=255, unique=True,
                                   editable=False)
    size = models.PositiveBigIntegerField(_("size (bytes)"), editable=False)
    sha256 = models.CharField(_("SHA-256"), max_length=64, editable=False)
    content_type = models.CharField(_("content type"), max_length=64, editable=False)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"),
                                    null=True, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now)

    class Meta:
        verbose_name = _("review case evidence")
        verbose_name_plural = _("review case evidence")
        ordering = ["case_id", "pk"]

    def __str__(self) -> str:
        return self.original_name


class ListReview(models.Model):
    """The yearly review of a bureau's whole list (留库审查): an annual review for
    every approval in force, opened at once; when they are done the administrator
    publishes the next list version (its changes are the publication's diff)."""

    bureau = models.ForeignKey("registry.Bureau", verbose_name=_("bureau"),
                               on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    started_on = models.DateField(_("started on"))
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("started by"),
                                   on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField(_("reviews due by"))
    opened = models.PositiveIntegerField(_("annual reviews opened"), default=0)
    publication = models.ForeignKey("registry.Publication", verbose_name=_("list published"),
                                    null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")

    class Meta:
        verbose_name = _("yearly list review")
        verbose_name_plural = _("yearly list reviews")
        constraints = [models.UniqueConstraint(fields=["bureau", "year"],
                                               name="list_review_once_a_year")]

    def __str__(self) -> str:
        return f"{self.bureau} · {self.year}"
