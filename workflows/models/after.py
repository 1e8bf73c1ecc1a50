"""After approval: re-certification, the annual review (年审), offerings flagged for a
decision, review cases (due process for incidents and sanctions) and the yearly list
review (留库审查)."""


from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Process

from workflows.models.cases import CaseOutcome, SelectionProcess, VettingProcess


class RecertificationProcess(Process):
    """Renewal of an approval whose credential expired (or whose yearly record query
    is due): the provider uploads, a clerk verifies, the approval is restored."""

    class Closing(models.TextChoices):
        """How the system closed the case; each label is the reason it gives."""

        RENEWED = "renewed", _("Renewed documents verified.")
        TERM_ENDED = "term_ended", _("The approval term has ended.")
        NOT_RENEWED = "not_renewed", _("No renewal within the grace period.")
        # the grace period ran out on a person's case, or while a renewal waited for the
        # clerk's check: its words as before, and its status "rejected" (a person's case
        # must read, to its outcome-only readers, as one rejected on a record hit:
        # workflows.record_privacy)
        UNCHECKED = "unchecked", _("No renewal within the grace period.")
        RECORD_HIT = "record_hit", _("The yearly record query returned a record.")

    approval = models.ForeignKey("registry.Approval", verbose_name=_("approval"),
                                 on_delete=models.PROTECT, related_name="+")
    bureau = models.ForeignKey("registry.Bureau", verbose_name=_("bureau"),
                               on_delete=models.PROTECT, related_name="+")
    due_types = models.JSONField(_("document types to renew"), default=list)
    grace_until = models.DateField(_("renewal due by"))
    outcome = models.CharField(_("outcome"), max_length=16, choices=CaseOutcome.choices,
                               default=CaseOutcome.OPEN, db_index=True)
    outcome_reason = models.TextField(_("reason for the outcome"), blank=True)
    # why the case closed, when the system closed it: its reason is this code's words, read
    # in the reader's language (``outcome_text``); ``outcome_reason`` keeps them as written
    outcome_code = models.CharField(_("how it closed"), max_length=16, blank=True,
                                    choices=Closing.choices)
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

    def get_outcome_display(self) -> str:
        """The outcome's words; a case whose grace period ran out was closed, not rejected
        (its stored outcome stays ``rejected``: the approval did not come back)."""
        if self.outcome_code == self.Closing.NOT_RENEWED:
            return str(_("Closed, not renewed in time"))
        return self._get_FIELD_display(self._meta.get_field("outcome"))

    @property
    def outcome_text(self) -> str:
        """The reason for the outcome in the reader's language when the system gave it
        (``outcome_code``); else as it was written (rows from before the code, a reason
        with the holds that kept the approval suspended)."""
        return self.get_outcome_code_display() if self.outcome_code else self.outcome_reason


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
