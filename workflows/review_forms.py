"""Forms of the review case's bureau tasks and the provider's steps (issue 20)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from registry.widgets import DateField
from workflows.forms import FORMS, TaskForm
from workflows.models import ReviewCaseProcess
from workflows.services import review_cases

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
        review_cases.review_case_rectification_check(actor=self.user, case=self.case,
                                                     **self.cleaned_data)
        return True


# --- the provider's steps and the bureau's opening (not flow tasks) -------------------------

class RespondForm(forms.Form):
    text = forms.CharField(label=_("Your answer (陈述申辩)"), widget=forms.Textarea,
                           max_length=10000)
    evidence = forms.CharField(label=_("Evidence you offer"), widget=forms.Textarea,
                               required=False, max_length=10000)


class ReexaminationRequestForm(forms.Form):
    statement = forms.CharField(label=_("Why the decision should be re-examined (复核)"),
                                widget=forms.Textarea, max_length=10000)


class RectificationForm(forms.Form):
    evidence = forms.CharField(label=_("What was rectified, with evidence"),
                               widget=forms.Textarea, max_length=10000)


# the API performs a task with the form of its node (services.task_perform)
FORMS.update({"investigate": InvestigateForm, "decide": DecideForm,
              "reexamine": ReexamineForm, "rectification_check": RectificationCheckForm})
