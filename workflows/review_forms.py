"""Forms of the review case's bureau tasks and the provider's steps."""

from django import forms
from django.utils.translation import gettext_lazy as _

from registry.models import Organization, Person
from registry.widgets import DateField
from workflows.forms import FORMS, TaskForm
from workflows.models import ReviewCaseProcess
from workflows.services import review_cases, review_evidence, review_rectification
from workflows.views import MultipleFileField

Action = ReviewCaseProcess.Action


class InvestigateForm(TaskForm):
    findings = forms.CharField(label=_("Findings"), widget=forms.Textarea, max_length=10000)
    intended_action = forms.ChoiceField(label=_("Intended action"), choices=Action.choices)
    reasons = forms.CharField(label=_("Reasons given to the provider"), widget=forms.Textarea,
                              max_length=10000)

    def perform(self) -> bool:
        review_cases.review_case_investigate(actor=self.user, case=self.case,
                                             **self.cleaned_data)
        return True


class DecideForm(TaskForm):
    decision = forms.ChoiceField(label=_("Decision"), choices=Action.choices,
                                 widget=forms.RadioSelect)
    reason = forms.CharField(label=_("Reasons"), widget=forms.Textarea, max_length=10000)
    rectification_requirements = forms.CharField(
        label=_("What to rectify (rectification only)"), widget=forms.Textarea,
        required=False, max_length=10000)
    rectification_due = DateField(label=_("Rectify by (rectification only)"),
                                  required=False)
    blacklist_years = forms.IntegerField(label=_("Years barred (blacklist proposal only)"),
                                         required=False, min_value=1, max_value=10)

    def perform(self) -> bool:
        review_cases.review_case_decide(actor=self.user, case=self.case, **self.cleaned_data)
        return True


class ReexamineForm(TaskForm):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=ReviewCaseProcess.Reexamination.choices,
                                widget=forms.RadioSelect)
    reason = forms.CharField(label=_("Reasons"), widget=forms.Textarea, max_length=10000)

    def perform(self) -> bool:
        review_cases.review_case_reexamine(actor=self.user, case=self.case, **self.cleaned_data)
        return True


class RectificationCheckForm(TaskForm):
    accepted = forms.TypedChoiceField(
        label=_("Rectification"), widget=forms.RadioSelect, coerce=lambda v: v == "yes",
        choices=[("yes", _("Accepted: done as required")),
                 ("no", _("Not accepted: back to the investigation"))])
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea, max_length=10000)

    def perform(self) -> bool:
        review_rectification.review_case_rectification_check(actor=self.user, case=self.case,
                                                     **self.cleaned_data)
        return True


# --- the provider's steps and the bureau's opening (not flow tasks) -------------------------

def _evidence_files_field():
    return MultipleFileField(
        label=_("Evidence files (PDF, JPEG or PNG; optional, at most %(count)d)")
        % {"count": review_evidence.EVIDENCE_MAX_FILES}, required=False)


class RespondForm(forms.Form):
    text = forms.CharField(label=_("Your answer (陈述申辩)"), widget=forms.Textarea,
                           max_length=10000)
    evidence = forms.CharField(label=_("Evidence you offer"), widget=forms.Textarea,
                               required=False, max_length=10000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["evidence_files"] = _evidence_files_field()


class ReexaminationRequestForm(forms.Form):
    statement = forms.CharField(label=_("Why the decision should be re-examined (复核)"),
                                widget=forms.Textarea, max_length=10000)


class RectificationForm(forms.Form):
    evidence = forms.CharField(label=_("What was rectified, with evidence"),
                               widget=forms.Textarea, max_length=10000, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["evidence_files"] = _evidence_files_field()


class OpenCaseForm(forms.Form):
    """Bureau staff open a review case by hand or on a complaint. The provider arrives from
    its page (its number); otherwise an organization is named by its unified social
    credit code."""

    bureau = forms.ModelChoiceField(label=_("Bureau"), queryset=None, empty_label=None)
    organization = forms.IntegerField(required=False, widget=forms.HiddenInput)
    person = forms.IntegerField(required=False, widget=forms.HiddenInput)
    uscc = forms.CharField(label=_("Unified social credit code of the organization"),
                           required=False, max_length=18)
    trigger = forms.ChoiceField(label=_("Why"), widget=forms.RadioSelect, choices=[
        (ReviewCaseProcess.Trigger.COMPLAINT, ReviewCaseProcess.Trigger.COMPLAINT.label),
        (ReviewCaseProcess.Trigger.MANUAL, ReviewCaseProcess.Trigger.MANUAL.label)])
    summary = forms.CharField(label=_("What the case is about (the complaint, its source "
                                      "and date)"), widget=forms.Textarea, max_length=10000)

    def __init__(self, *args, bureaus, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["bureau"].queryset = bureaus
        given = self.data if self.is_bound else self.initial
        if given.get("organization") or given.get("person"):
            # arrived from the provider's page: it is named above the form
            self.fields["uscc"].widget = forms.HiddenInput()

    def clean(self):
        data = super().clean()
        organization, person = data.get("organization"), data.get("person")
        uscc = (data.get("uscc") or "").strip().upper()
        if organization or person:
            found = (Organization.objects.filter(pk=organization).first() if organization
                     else Person.objects.filter(pk=person).first())
        elif uscc:
            found = Organization.objects.filter(uscc=uscc).first()
        else:
            raise forms.ValidationError({"uscc": _("Name the organization by its unified "
                                                   "social credit code.")})
        if found is None or (organization and person):
            raise forms.ValidationError({"uscc": _("No such provider in the registry.")})
        data["provider"] = found
        return data

    def subject(self) -> dict:
        found = self.cleaned_data["provider"]
        return ({"organization": found} if isinstance(found, Organization)
                else {"person": found})


# the API performs a task with the form of its node (services.task_perform)
FORMS.update({"investigate": InvestigateForm, "decide": DecideForm,
              "reexamine": ReexamineForm, "rectification_check": RectificationCheckForm})
