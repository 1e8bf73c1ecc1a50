"""Pages of the review case: its bureau tasks (viewflow task pages) and the
case page, where the provider answers, asks for 复核 and evidences a rectification."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views import generic

from registry.selectors import audit_trail
from workflows import review_forms
from workflows.models import ReviewCaseProcess
from workflows.selectors import _bureau_ids, may_view_case, open_tasks_for
from workflows.services import review_cases
from workflows.views import TaskFormView


class InvestigateView(TaskFormView):
    form_class = review_forms.InvestigateForm


class DecideView(TaskFormView):
    form_class = review_forms.DecideForm


class ReexamineView(TaskFormView):
    form_class = review_forms.ReexamineForm


class RectificationCheckView(TaskFormView):
    form_class = review_forms.RectificationCheckForm


PROVIDER_STEPS = {
    "respond": (review_forms.RespondForm, review_cases.review_case_respond,
                _("Your answer has been sent to the bureau.")),
    "reexamination": (review_forms.ReexaminationRequestForm,
                      review_cases.review_case_reexamination_request,
                      _("Your request for re-examination has been sent.")),
    "rectification": (review_forms.RectificationForm,
                      review_cases.review_case_rectification_submit,
                      _("Your rectification evidence has been sent.")),
}


class ReviewCaseView(LoginRequiredMixin, generic.View):
    """The case page: every step so far, for the bureau and the provider; the provider's
    forms where it may act. A POST names the step (``step``) and calls its service."""

    template_name = "workflows/review_case.html"

    def _case(self, request, pk):
        case = (ReviewCaseProcess.objects.select_related(
            "bureau", "organization", "person", "incident__engagement__school",
            "investigated_by", "decided_by", "reexamined_by").filter(pk=pk).first())
        if case is None or not may_view_case(request.user, case):
            raise Http404
        return case

    def _render(self, request, case, forms=None, status=200):
        provider = review_cases.may_act_for_provider(request.user, case)
        forms = forms or {}
        staff = case.bureau_id in _bureau_ids(request.user)
        context = {"case": case, "provider": provider, "staff": staff,
                   "my_tasks": open_tasks_for(request.user, case),
                   "history": audit_trail(case)[:200],
                   "forms": {name: forms.get(name) or form_class()
                             for name, (form_class, _s, _m) in PROVIDER_STEPS.items()}}
        return render(request, self.template_name, context, status=status)

    def get(self, request, pk):
        return self._render(request, self._case(request, pk))

    def post(self, request, pk):
        case = self._case(request, pk)
        step = request.POST.get("step")
        if step not in PROVIDER_STEPS:
            raise Http404
        form_class, service, done = PROVIDER_STEPS[step]
        form = form_class(request.POST)
        try:
            if not form.is_valid():
                return self._render(request, case, {step: form}, status=400)
            service(actor=request.user, case=case, **form.cleaned_data)
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, error.messages)
            return self._render(request, ReviewCaseProcess.objects.get(pk=case.pk),
                                {step: form}, status=400)
        except PermissionDenied:
            raise
        messages.success(request, done)
        return HttpResponseRedirect(review_cases.case_url(case))
