"""Task forms: each parses one task's input and calls one service.

The web task views and the REST task endpoint use the same forms, so a rule
checked for one is checked for the other.
"""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from documents.selectors import documents_of
from registry.models import ServiceCategory, grades_label
from registry.selectors import highlight_words
from registry.widgets import DateField
from workflows import selectors
from workflows.models import (
    ExpertAssignment,
    Objection,
    OfferingFlag,
    PartnerOpinion,
    RubricCriterion,
    VettingProcess,
)
from workflows.services import (
    notifications,
    objections,
    outcome,
    panel,
    partner,
    scoring,
    selection,
    vetting,
)

DOCUMENT_CHOICES = [
    ("", _("Leave as it is")),
    ("verify", _("Verify")),
    ("reject", _("Reject")),
]
# a document nobody has judged yet: the clerk must choose, nothing is chosen for them
VERDICT_CHOICES = [("verify", _("Verify")), ("reject", _("Reject"))]


class TaskForm(forms.Form):
    """Base: knows its activation and acting user; ``perform`` completes (or not) the task."""

    def __init__(self, *args, activation, user, **kwargs):
        self.activation, self.user = activation, user
        self.case = activation.process.coerced
        super().__init__(*args, **kwargs)

    def perform(self) -> bool:
        """Call the service; return True when the task is done (and the flow moves on)."""
        raise NotImplementedError


class DocumentDecisionsMixin:
    """One verify/reject choice and reason per current document of the subject."""

    def add_document_fields(self, subject, *, require_pending: bool = True):
        self.documents = list(documents_of(subject, history=False))
        for document in self.documents:
            offering = f"（{document.offering.title}）" if document.offering_id else ""
            label = f"{document.document_type.display_name}{offering} · {document.original_name}"
            # nothing is chosen for the clerk: a document not yet judged needs a verdict
            # (in a renewal only the renewed ones matter; the rest may stay as they are)
            pending = require_pending and document.review_state == "pending"
            self.fields[f"doc_{document.pk}"] = forms.ChoiceField(
                label=label, choices=VERDICT_CHOICES if pending else DOCUMENT_CHOICES,
                required=pending, widget=forms.RadioSelect,
                error_messages={"required": _("Verify or reject this document.")})
            self.fields[f"doc_{document.pk}_reason"] = forms.CharField(
                label=_("Reason for rejecting %(name)s") % {
                    "name": document.document_type.display_name},
                required=False, max_length=1000)

    def document_decisions(self) -> dict:
        decisions = {}
        for document in self.documents:
            verdict = self.cleaned_data.get(f"doc_{document.pk}")
            if verdict:
                decisions[document.pk] = (verdict,
                                          self.cleaned_data.get(f"doc_{document.pk}_reason", ""))
        return decisions

    def clean_document_reasons(self, cleaned):
        for document in self.documents:
            if cleaned.get(f"doc_{document.pk}") == "reject" and not (
                    cleaned.get(f"doc_{document.pk}_reason") or "").strip():
                self.add_error(f"doc_{document.pk}_reason",
                               _("Give a reason for rejecting this document."))


FLAG_CHOICES = [
    ("confirm", _("Confirm: the offering is acceptable")),
    ("reject", _("Reject: send back for correction")),
]


def flag_summary(flag) -> str:
    """One line on what the screening found, in the reader's language."""
    if flag.kind == OfferingFlag.Kind.ACADEMIC_SIGNAL:
        return _("“%(title)s” reads like subject tutoring: %(words)s") % {
            "title": flag.offering.title, "words": "、".join(flag.matched_words)}
    detail = flag.detail or {}
    return _("“%(title)s” costs ¥%(fee)s a session, above the cap of ¥%(cap)s "
             "(reference ¥%(reference)s, %(jurisdiction)s, from %(since)s)") % {
        "title": flag.offering.title, "fee": detail.get("fee", ""),
        "cap": detail.get("cap", ""), "reference": detail.get("reference_fee", ""),
        "jurisdiction": detail.get("jurisdiction", ""),
        "since": detail.get("effective_from", "")}


def flag_highlighted(flag):
    """The offering's title and description, HTML-escaped, matched words in <mark>."""
    text = f"{flag.offering.title}：{flag.offering.description}".rstrip("：")
    return highlight_words(text, flag.matched_words)


class QualificationForm(DocumentDecisionsMixin, TaskForm):
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea,
                           max_length=5000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_document_fields(self.case.organization)
        self.add_flag_fields()

    def add_flag_fields(self):
        """One confirm/reject choice and reason per policy flag still awaiting a decision."""
        self.flags = list(self.case.flags.exclude(decision=OfferingFlag.Decision.CONFIRMED)
                          .select_related("offering").order_by("pk"))
        for flag in self.flags:
            flag.summary, flag.highlighted = flag_summary(flag), flag_highlighted(flag)
            explanations = "；".join(s.get("explanation", "") for s in
                                    (flag.detail or {}).get("signals", []))
            self.fields[f"flag_{flag.pk}"] = forms.ChoiceField(
                label=flag.summary, choices=FLAG_CHOICES, widget=forms.RadioSelect,
                help_text=explanations)
            self.fields[f"flag_{flag.pk}_reason"] = forms.CharField(
                label=_("Reason for your decision on “%(title)s”") % {
                    "title": flag.offering.title},
                max_length=2000, widget=forms.Textarea)

    def flag_decisions(self) -> dict:
        return {flag.pk: (self.cleaned_data.get(f"flag_{flag.pk}"),
                          self.cleaned_data.get(f"flag_{flag.pk}_reason", ""))
                for flag in self.flags}

    def clean(self):
        cleaned = super().clean()
        self.clean_document_reasons(cleaned)
        return cleaned

    def perform(self) -> bool:
        selection.qualification_check(actor=self.user, case=self.case,
                                      decisions=self.document_decisions(),
                                      note=self.cleaned_data.get("note", ""),
                                      flag_decisions=self.flag_decisions())
        return True


class VerificationForm(DocumentDecisionsMixin, TaskForm):
    query_reference = forms.CharField(label=_("Record query reference"), max_length=64)
    query_date = DateField(label=_("Record query date"))
    query_result = forms.ChoiceField(label=_("Record query result"),
                                     choices=VettingProcess.QueryResult.choices)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea,
                           max_length=5000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_document_fields(self.case.person)

    def clean_query_date(self):
        value = self.cleaned_data["query_date"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("The query date cannot be in the future."))
        return value

    def clean(self):
        cleaned = super().clean()
        self.clean_document_reasons(cleaned)
        return cleaned

    def perform(self) -> bool:
        vetting.vetting_verify(actor=self.user, case=self.case,
                               decisions=self.document_decisions(),
                               query_reference=self.cleaned_data["query_reference"],
                               query_date=self.cleaned_data["query_date"],
                               query_result=self.cleaned_data["query_result"],
                               note=self.cleaned_data.get("note", ""))
        return True


class ExpertReviewForm(TaskForm):
    conflict = forms.TypedChoiceField(
        label=_("Do you have a conflict of interest with this applicant?"),
        choices=[("no", _("No, I have no conflict of interest")),
                 ("yes", _("Yes: I recuse myself"))],
        widget=forms.RadioSelect)
    conflict_note = forms.CharField(label=_("Describe the conflict"), required=False,
                                    max_length=2000, widget=forms.Textarea)
    comment = forms.CharField(label=_("Comment"), required=False, max_length=5000,
                              widget=forms.Textarea)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.assignment = panel.assignment_for_task(self.activation.task)
        # The scoring form appears once the conflict question is answered “no” (on an
        # earlier page, or in the same request when scores come with the answer: the API).
        answered = self.assignment.no_conflict_at is not None
        self.scoring = answered or any(k.startswith("score_") for k in (self.data or {}))
        if answered:
            self.fields["conflict"].initial = "no"
        if not self.scoring:
            del self.fields["comment"]
        self.criteria = list(RubricCriterion.objects.filter(is_active=True)) \
            if self.scoring else []
        for criterion in self.criteria:
            self.fields[f"score_{criterion.code}"] = forms.IntegerField(
                label=f"{criterion.display_name} ({_('weight')} {criterion.weight})",
                min_value=0, max_value=criterion.max_score, required=False,
                help_text=_("0 to %(max)d") % {"max": criterion.max_score})

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("conflict") == "yes":
            if not (cleaned.get("conflict_note") or "").strip():
                self.add_error("conflict_note", _("Describe the conflict of interest."))
        else:
            for criterion in self.criteria:
                if cleaned.get(f"score_{criterion.code}") is None and \
                        f"score_{criterion.code}" not in self.errors:
                    self.add_error(f"score_{criterion.code}", _("Score every criterion."))
        return cleaned

    def perform(self) -> bool:
        if self.cleaned_data["conflict"] == "yes":
            panel.expert_declare_conflict(actor=self.user, assignment=self.assignment,
                                          note=self.cleaned_data["conflict_note"],
                                          task=self.activation.task)
            return False  # the seat stays open, now with the replacement expert
        panel.expert_declare_no_conflict(actor=self.user, assignment=self.assignment)
        if not self.scoring:
            self.next_step = "score"
            return False  # the task stays open: the scoring form comes next
        scoring.expert_score(
            actor=self.user, assignment=self.assignment,
            scores={c.code: self.cleaned_data[f"score_{c.code}"] for c in self.criteria},
            comment=self.cleaned_data.get("comment", ""))
        return True


class PartnerOpinionForm(TaskForm):
    """A partner department's opinion (会审): nothing is chosen for the department; the
    reasons are required, and the conditions when it agrees with conditions."""

    opinion = forms.ChoiceField(label=_("The department's opinion"), widget=forms.RadioSelect,
                                choices=PartnerOpinion.Opinion.choices,
                                error_messages={"required": _("Choose the department's "
                                                              "opinion.")})
    conditions = forms.CharField(label=_("Conditions (when agreeing with conditions)"),
                                 required=False, max_length=5000, widget=forms.Textarea)
    reason = forms.CharField(label=_("Reasons"), max_length=5000, widget=forms.Textarea,
                             error_messages={"required": _("Give the reasons for the "
                                                           "opinion.")})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.opinion_row = selectors.partner_opinion_for_task(self.activation.task)
        self.fields["opinion"].help_text = _("Asked of %(department)s for: %(categories)s") % {
            "department": self.opinion_row.department.name,
            "categories": "、".join(self.opinion_row.categories)}

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("opinion") == PartnerOpinion.Opinion.CONDITIONS and not (
                cleaned.get("conditions") or "").strip():
            self.add_error("conditions", _("Say which conditions the agreement comes with."))
        return cleaned

    def perform(self) -> bool:
        partner.partner_opinion_give(actor=self.user, opinion=self.opinion_row,
                                     choice=self.cleaned_data["opinion"],
                                     reason=self.cleaned_data["reason"],
                                     conditions=self.cleaned_data.get("conditions", ""))
        return True


class ConfirmMixin:
    """An irreversible step asks first: the form is refused until ``confirm`` is ticked,
    with a message that says what the chosen action will do (web and API alike)."""

    def add_confirm_field(self):
        self.fields["confirm"] = forms.BooleanField(
            label=_("I have read what this will do and confirm it; it cannot be undone."),
            required=False)

    def consequence(self, cleaned) -> str:
        raise NotImplementedError

    def clean_confirmation(self, cleaned):
        if self.errors or cleaned.get("confirm"):
            return
        self.consequence_text = self.consequence(cleaned)
        self.add_error("confirm", _("Please confirm. %(what)s") % {
            "what": self.consequence_text})


class CodesWidget(forms.CheckboxSelectMultiple):
    """Checkboxes on a web page; through the API (JSON, which carries no lists into a
    form) the same field as codes separated by commas: "sport,arts"."""

    def value_from_datadict(self, data, files, name):
        if hasattr(data, "getlist"):
            values = data.getlist(name)
            if len(values) != 1:
                return values
            value = values[0]
        else:
            value = data.get(name)
        if isinstance(value, str):
            return [code.strip() for code in value.split(",") if code.strip()]
        return value


GRADE_CHOICES = [("", "—"), *((str(g), str(g)) for g in range(1, 10))]


class DecisionForm(ConfirmMixin, TaskForm):
    decision = forms.ChoiceField(label=_("Decision"), widget=forms.RadioSelect,
                                 choices=[("approve", _("Approve")), ("reject", _("Reject"))])
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea, max_length=5000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if isinstance(self.case, VettingProcess):
            # what the individual's approval covers (issue 21, point 7); the service says
            # what is missing when approving
            self.fields["categories"] = forms.ModelMultipleChoiceField(
                label=_("Categories the person may teach"), required=False,
                queryset=ServiceCategory.objects.filter(is_active=True),
                to_field_name="code", widget=CodesWidget,
                help_text=_("Tick each category the person may teach (through the API: "
                            "their codes, separated by commas)."))
            self.fields["grade_min"] = forms.TypedChoiceField(
                label=_("Lowest grade"), choices=GRADE_CHOICES, coerce=int, required=False,
                empty_value=None)
            self.fields["grade_max"] = forms.TypedChoiceField(
                label=_("Highest grade"), choices=GRADE_CHOICES, coerce=int, required=False,
                empty_value=None)
        self.add_confirm_field()

    def consequence(self, cleaned) -> str:
        name = notifications.subject_name(getattr(self.case, "organization", None)
                                     or self.case.person)
        if cleaned.get("decision") == "approve":
            if isinstance(self.case, VettingProcess):
                categories = "、".join(c.name for c in cleaned.get("categories") or ())
                if categories and cleaned.get("grade_min") and cleaned.get("grade_max"):
                    return _("%(name)s will be approved to teach %(categories)s to %(grades)s "
                             "and may be engaged by schools.") % {
                        "name": name, "categories": categories,
                        "grades": grades_label((cleaned["grade_min"], cleaned["grade_max"]))}
                return _("%(name)s will be approved and may be engaged by schools.") % {
                    "name": name}
            text = _("%(name)s will be approved: the public notice starts at once and the "
                     "applicant is told.") % {"name": name}
            disagreed = [o.department.name for o in self.case.partner_opinions.filter(
                opinion=PartnerOpinion.Opinion.DISAGREE).select_related("department")]
            if disagreed:
                text += " " + _("Against the opinion of %(departments)s, which disagreed.") % {
                    "departments": "、".join(disagreed)}
            return text
        return _("The application of %(name)s will be rejected for good, with your reason "
                 "sent to the applicant.") % {"name": name}

    def clean(self):
        cleaned = super().clean()
        self.clean_confirmation(cleaned)
        return cleaned

    def perform(self) -> bool:
        cleaned = self.cleaned_data
        coverage = {}
        if isinstance(self.case, VettingProcess):
            coverage = {"categories": list(cleaned.get("categories") or ()),
                        "grades": (cleaned.get("grade_min"), cleaned.get("grade_max"))}
        outcome.case_decide(actor=self.user, case=self.case,
                            approve=cleaned["decision"] == "approve",
                            reason=cleaned["reason"], **coverage)
        return True


class ResolveObjectionsForm(TaskForm):
    """Resolve every open objection; the notice outcome follows from them."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.objections = list(self.case.objections.filter(status__in=Objection.UNRESOLVED))
        for objection in self.objections:
            self.fields[f"objection_{objection.pk}"] = forms.ChoiceField(
                label=_("Objection by %(name)s: %(reason)s") % {
                    "name": objection.real_name, "reason": objection.reason[:200]},
                choices=[("dismissed", _("Dismiss")), ("upheld", _("Uphold"))],
                widget=forms.RadioSelect)
            self.fields[f"objection_{objection.pk}_reason"] = forms.CharField(
                label=_("Reason"), max_length=5000, widget=forms.Textarea)

    def perform(self) -> bool:
        for objection in self.objections:
            objections.objection_resolve(
                  actor=self.user, objection=objection,
                  upheld=self.cleaned_data[f"objection_{objection.pk}"] == "upheld",
                  reason=self.cleaned_data[f"objection_{objection.pk}_reason"])
        return True



FORMS = {
    "qualification": QualificationForm,
    "verification": VerificationForm,
    "expert_review": ExpertReviewForm,
    "partner_review": PartnerOpinionForm,
    "decision": DecisionForm,
    "resolve_objections": ResolveObjectionsForm,
}

__all__ = ["FORMS", "ExpertAssignment"]
