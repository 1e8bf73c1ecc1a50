"""Pages of the review case: its bureau tasks (viewflow task pages) and the
case page, where the provider answers, asks for 复核 and evidences a rectification."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views import generic

from documents.delivery import storage_unavailable_response
from documents.services import StorageUnavailable
from registry.models import Organization, Person
from registry.requests import files_not_kept, form_error
from workflows import review_forms, selectors
from workflows.models import ReviewCaseEvidence, ReviewCaseProcess
from workflows.selectors import _bureau_ids, may_view_case, open_tasks_for
from workflows.services import review_cases, review_evidence, review_rectification
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
                      review_rectification.review_case_rectification_submit,
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
        provider = review_evidence.may_act_for_provider(request.user, case)
        forms = forms or {}
        staff = case.bureau_id in _bureau_ids(request.user)
        evidence = list(case.evidence_files.order_by("pk"))
        context = {"case": case, "provider": provider, "staff": staff,
                   "response_files": [e for e in evidence if e.step == "response"],
                   "rectification_files": [e for e in evidence if e.step == "rectification"],
                   "my_tasks": open_tasks_for(request.user, case),
                   "low_satisfaction": selectors.low_satisfaction_facts(case),
                   "history": selectors.case_timeline(request.user, case),
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
        form = form_class(request.POST, request.FILES)
        try:
            if not form.is_valid():
                files_not_kept(form)
                return self._render(request, case, {step: form}, status=400)
            service(actor=request.user, case=case, **form.cleaned_data)
        except StorageUnavailable as error:  # nothing was kept; say so, keep the form
            form.add_error(None, str(error))
            files_not_kept(form)
            return self._render(request, ReviewCaseProcess.objects.get(pk=case.pk),
                                {step: form}, status=503)
        except ValidationError as error:
            form_error(form, error)
            files_not_kept(form)
            return self._render(request, ReviewCaseProcess.objects.get(pk=case.pk),
                                {step: form}, status=400)
        except PermissionDenied:
            raise
        messages.success(request, done)
        return HttpResponseRedirect(review_cases.case_url(case))


class ReviewCaseEvidenceView(LoginRequiredMixin, generic.View):
    """An evidence file of a review case: the provider concerned and the staff of the
    case's bureau read it; to anyone else the file does not exist."""

    def get(self, request, pk):
        evidence = (ReviewCaseEvidence.objects.select_related(
            "case__bureau", "case__organization", "case__person").filter(pk=pk).first())
        if evidence is None or not review_evidence.may_read_evidence(request.user, evidence.case):
            raise Http404
        try:
            file = review_evidence.review_case_evidence_open(actor=request.user,
                                                          evidence=evidence)
        except StorageUnavailable:
            return storage_unavailable_response()
        return FileResponse(file, as_attachment=True, filename=evidence.original_name,
                            content_type=evidence.content_type)


class ReviewCaseOpenView(LoginRequiredMixin, generic.View):
    """Bureau staff (a clerk or an administrator) open a review case by hand or on a
    complaint, about the provider whose page they came from. The first POST shows what
    will be opened and asks to confirm; the second (``confirm=yes``) opens it."""

    template_name = "workflows/review_case_open.html"

    def _form(self, request, data=None):
        bureaus = selectors.bureaus_opening_for(request.user)
        if not bureaus.exists():
            raise PermissionDenied(_("Only a bureau's clerks and administrators may open a "
                                     "review case."))
        initial = {k: request.GET.get(k) for k in ("bureau", "organization", "person")
                   if (request.GET.get(k) or "").isascii() and (request.GET.get(k) or
                                                                "").isdigit()}
        return review_forms.OpenCaseForm(data, bureaus=bureaus, initial=initial)

    def _render(self, request, form, *, confirming=False, status=200):
        provider = None
        if form.is_bound and form.is_valid():
            provider = form.cleaned_data["provider"]
        else:
            values = {k: form[k].value() for k in ("organization", "person")}
            for key, model in (("organization", Organization), ("person", Person)):
                value = str(values[key] or "")
                if value.isascii() and value.isdigit():
                    provider = model.objects.filter(pk=value).first()
                    break
        return render(request, self.template_name, {
            "form": form, "provider": provider, "confirming": confirming}, status=status)

    def get(self, request):
        return self._render(request, self._form(request))

    def post(self, request):
        form = self._form(request, request.POST)
        if not form.is_valid():
            return self._render(request, form, status=400)
        if request.POST.get("confirm") != "yes":
            return self._render(request, form, confirming=True)
        data = form.cleaned_data
        subject = form.subject()
        already = selectors.open_case_about(bureau=data["bureau"], **subject)
        try:
            case = review_cases.review_case_open(
                actor=request.user, bureau=data["bureau"], trigger=data["trigger"],
                details={"summary": data["summary"]}, **subject)
        except ValidationError as error:
            form_error(form, error)
            return self._render(request, form, status=400)
        if already is not None:
            messages.info(request, _("A review case about this provider is already open at "
                                     "the bureau: the complaint was added to it."))
        else:
            messages.success(request, _("Review case opened: the clerks have a task."))
        return HttpResponseRedirect(review_cases.case_url(case))
