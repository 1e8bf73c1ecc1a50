"""The task forms after approval: the provider's renewal, the clerk's check of renewed
documents (re-certification) and the annual review (年审)."""

from django import forms
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext

from registry.formatting import local_date
from registry.widgets import DateField
from workflows.forms import FORMS, ConfirmMixin, DocumentDecisionsMixin, TaskForm
from workflows.models import (
    AnnualReviewProcess,
    VettingProcess,
)
from workflows.services import (
    annual_review,
    recertification,
)


class RenewForm(TaskForm):
    confirm = forms.BooleanField(
        label=_("I have uploaded the renewed documents listed above"), required=True)

    def perform(self) -> bool:
        recertification.recertification_submit(actor=self.user, case=self.case)
        return True


class RecertVerifyForm(DocumentDecisionsMixin, TaskForm):
    query_reference = forms.CharField(label=_("Record query reference"), max_length=64,
                                      required=False)
    query_date = DateField(label=_("Record query date"), required=False)
    query_result = forms.ChoiceField(label=_("Record query result"), required=False,
                                     choices=[("", "—"), *VettingProcess.QueryResult.choices])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_document_fields(self.case.approval.subject, require_pending=False)
        if not self.case.needs_query:
            for name in ("query_reference", "query_date", "query_result"):
                del self.fields[name]

    def clean(self):
        cleaned = super().clean()
        self.clean_document_reasons(cleaned)
        return cleaned

    def perform(self) -> bool:
        recertification.recertification_verify(
            actor=self.user, case=self.case, decisions=self.document_decisions(),
            query_reference=self.cleaned_data.get("query_reference", ""),
            query_date=self.cleaned_data.get("query_date"),
            query_result=self.cleaned_data.get("query_result", ""))
        return True


class AnnualReviewForm(ConfirmMixin, TaskForm):
    decision = forms.ChoiceField(label=_("Outcome"), widget=forms.RadioSelect,
                                 choices=AnnualReviewProcess.Decision.choices)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea, max_length=5000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_confirm_field()
        self.evidence = annual_review.annual_review_evidence(self.case)
        n, i = self.evidence["engagements"], len(self.evidence["incidents"])
        self.fields["decision"].help_text = _sentences(*
            # each fact is one review's (annual_review._days_counted): an engagement the
            # one's in which it began, an incident the one's in which it occurred
            [_("%(engagements)s; %(incidents)s.") % {
                "engagements": ngettext("%(n)d engagement began in the period reviewed",
                                        "%(n)d engagements began in the period reviewed",
                                        n) % {"n": n},
                "incidents": ngettext("%(i)d incident occurred in it",
                                      "%(i)d incidents occurred in it", i) % {"i": i}},
             self._ratings_text(), self._incidents_text(), self._review_case_text(),
             _("Required documents expired: %(d)d; yearly record re-queries not done: %(q)d; "
               "%(renew)s") % {
                 "d": self.evidence["documents_expired"],
                 "q": self.evidence["requeries_missing"],
                 "renew": _("the approval may be renewed once (1+1).")
                 if self.evidence["renewable"] else
                 _("the approval has been renewed once already: a new selection follows "
                   "its term.")}])

    def _ratings_text(self) -> str:
        """The term ratings on the rubric (学期考核) of the school terms that ended in the
        period reviewed, the one the case page shows (考核期间)."""
        evidence = self.evidence
        period = {"start": local_date(evidence["rated_from"]),
                  "end": local_date(evidence["rated_to"])}
        if evidence["satisfaction"] is None:
            return _("No school term that ended in the period reviewed (%(start)s – "
                     "%(end)s) has been rated on the rubric.") % period
        text = _("Satisfaction on the rubric in the school terms that ended in the period "
                 "reviewed (%(start)s – %(end)s): %(percent)s%% (threshold "
                 "%(threshold)s%%).") % {
            **period, "percent": evidence["satisfaction"], "threshold": evidence["threshold"]}
        if evidence["below_threshold"]:
            text = _sentences(text, _("Below the threshold."))
        terms = [ngettext("%(term)s at %(school)s, %(percent)s%% (%(n)d rating)",
                          "%(term)s at %(school)s, %(percent)s%% (%(n)d ratings)",
                          t["count"]) % {
            "term": t["name"], "school": t["school"], "percent": t["percent"], "n": t["count"]}
            for t in evidence["terms"]]
        return _sentences(text, _("By term: %(terms)s.") % {"terms": _groups().join(terms)})

    def _incidents_text(self) -> str:
        """What each incident that occurred in the period reviewed was, so the decision
        does not rest on a count."""
        incidents = self.evidence["incidents"]
        if not incidents:
            return ""
        return _("Incidents: %(incidents)s.") % {"incidents": _groups().join(
            _("%(date)s at %(school)s, %(kind)s: %(what)s") % {
                "date": local_date(i.occurred_on), "school": i.engagement.school.name,
                "kind": i.get_kind_display(), "what": Truncator(i.description).chars(80)}
            for i in incidents)}

    def _review_case_text(self) -> str:
        case = self.evidence["open_review_case"]
        if case is None:
            return ""
        return _("A review case about this provider is still open (#%(case)d): its outcome "
                 "may weigh on this decision.") % {"case": case.pk}

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == "renew" and not self.evidence["renewable"]:
            self.add_error("decision", _("This approval has already been renewed once "
                                         "(1+1): a new selection is needed."))
        self.clean_confirmation(cleaned)
        return cleaned

    def consequence(self, cleaned) -> str:
        until = self.evidence["valid_until"]
        return {
            "renew": _("The approval is renewed once (1+1), until %(date)s; after that a new "
                       "selection is needed. The provider is told.") % {
                "date": _date(self.evidence["renewal_end"])},
            "keep": _("The approval stays in force until its term ends on %(date)s, without "
                      "renewal.") % {"date": _date(until)},
            "suspend": _("The approval is suspended at once: the provider disappears from "
                         "the lists schools choose from until it is restored."),
            "revoke": _("The approval is revoked for good: the provider disappears from the "
                        "lists and must apply anew."),
        }.get(cleaned.get("decision"), "")

    def perform(self) -> bool:
        annual_review.annual_review_decide(actor=self.user, case=self.case,
                                           decision=self.cleaned_data["decision"],
                                           reason=self.cleaned_data["reason"])
        return True


def _sentences(*parts) -> str:
    """``parts`` (sentences, some empty) one after another: after a full stop a space in
    English, none after the full-width "。" of Chinese ("…1 起。 考核期间…" read oddly)."""
    text = ""
    for part in filter(None, map(str, parts)):
        text += ("" if not text or text.endswith(("。", "！", "？", "）")) else " ") + part
    return text


def _groups() -> str:
    return pgettext("between groups", "; ")


def _date(day) -> str:
    return local_date(day) if day else "—"


# the API performs a task with the form of its node (services.task_perform)
FORMS.update({"renew": RenewForm, "recert_verify": RecertVerifyForm,
              "review": AnnualReviewForm})
