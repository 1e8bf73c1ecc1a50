"""Web views: the task views the flows use, the provider portal (the public notices:
workflows/notice_views.py).

Views parse input, check permission and call one service (through the task forms).
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views import generic
from guardian.shortcuts import get_objects_for_user
from viewflow.workflow.flow.views import mixins as vf_mixins

from documents.delivery import view_address
from documents.permissions import may_act_for, may_view_documents
from documents.services import INLINE_TYPES
from registry.models import Bureau, Offering, Organization, Person
from registry.requests import form_error, request_address
from registry.selectors import person_of_user
from workflows import after_forms, correction_forms, next_steps, selectors
from workflows import forms as task_forms
from workflows.models import (
    CallForApplications,
    Notification,
    SelectionProcess,
    VettingProcess,
)
from workflows.services import (
    corrections,
    notifications,
    objections,
    outcome,
    selection,
    vetting,
)


def perform_task(form) -> bool:
    """Run the form's service and, if the task is done, move the flow on — all or nothing."""
    with transaction.atomic():
        done = form.perform()
        if done:
            form.activation.execute()
    return done


def case_document_links(user, case) -> list[dict]:
    """The case's documents with the short-lived addresses this reader opens them by."""
    return [{"document": document, "url": view_address(user, document),
             "inline": document.content_type in INLINE_TYPES}
            for document in selectors.case_documents(case)]


def record_check_for(user, case):
    """The record query (入职查询) of a vetting ``case`` for ``user`` to read, or None: only
    for its clerk and the bureau's approvers (``selectors.may_read_record_check``), once one
    is recorded; each read is logged (``vetting.vetting_record_check_read``)."""
    if not isinstance(case, VettingProcess) or not case.query_result:
        return None
    if not selectors.may_read_record_check(user, case):
        return None
    return vetting.vetting_record_check_read(actor=user, case=case)


class TaskFormView(vf_mixins.TaskSuccessUrlMixin, vf_mixins.TaskViewTemplateNames,
                   generic.FormView):
    """A flow task's page: its form, and the case data beside it."""

    template_filename = "task.html"
    form_class = None
    # the provider's own steps (a correction, a renewal) end on the case's page: viewflow's
    # next page is the bureau's task lists (or the last one visited), where it has nothing
    back_to_case = False
    # the decision shows the approver the record query's result beside the form
    shows_record_check = False

    def get_success_url(self):
        if self.back_to_case:
            return selectors.case_url(self.request.activation.process.coerced)
        return super().get_success_url()

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.update(activation=self.request.activation, user=self.request.user)
        return kwargs

    def get_template_names(self):
        # the flow's own template for the node if there is one, else ours (the form with
        # the case's documents beside it), never viewflow's bare one
        names = list(super().get_template_names())
        return [*names[:-1], "workflows/task.html"]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        case = self.request.activation.process.coerced
        context["case"] = case
        context["case_url"] = selectors.case_url(case)
        context["case_subject_name"] = notifications.subject_name(selectors.case_subject(case))
        context["case_documents"] = case_document_links(self.request.user, case)
        context["assignments"] = selectors.panel_assignments(self.request.user, case)
        context["partner_opinions"] = selectors.partner_opinions_for(self.request.user, case)
        if self.shows_record_check:
            context["record_check"] = record_check_for(self.request.user, case)
        return context

    def form_invalid(self, form):
        if self.request.FILES and hasattr(form, "files_not_kept"):  # to choose them again
            form.files_not_kept()
        return super().form_invalid(form)

    def form_valid(self, form):
        try:
            done = perform_task(form)
        except ValidationError as error:
            form_error(form, error)
            return self.form_invalid(form)
        if getattr(form, "next_step", None) == "score":
            messages.success(self.request, _("Your answer is recorded: no conflict of interest. "
                                             "Now score the application."), fail_silently=True)
            return HttpResponseRedirect(self.request.path)
        messages.success(self.request, _("Task completed.") if done else
                         _("Recorded. The task has passed to a replacement expert."),
                         fail_silently=True)
        return HttpResponseRedirect(self.get_success_url())


def _task_view(form_class, *, back_to_case: bool = False,
               shows_record_check: bool = False) -> type[TaskFormView]:
    """The task page of one viewflow step: its form does the work (see TaskFormView)."""
    return type(form_class.__name__.removesuffix("Form") + "View", (TaskFormView,),
                {"form_class": form_class, "back_to_case": back_to_case,
                 "shows_record_check": shows_record_check, "__module__": __name__})


CorrectionView = _task_view(correction_forms.CorrectionForm, back_to_case=True)
QualificationView = _task_view(task_forms.QualificationForm)
VerificationView = _task_view(task_forms.VerificationForm)
ExpertReviewView = _task_view(task_forms.ExpertReviewForm)
PartnerOpinionView = _task_view(task_forms.PartnerOpinionForm)
DecisionView = _task_view(task_forms.DecisionForm, shows_record_check=True)
ResolveObjectionsView = _task_view(task_forms.ResolveObjectionsForm)
RenewView = _task_view(after_forms.RenewForm, back_to_case=True)
RecertVerifyView = _task_view(after_forms.RecertVerifyForm)
AnnualReviewView = _task_view(after_forms.AnnualReviewForm)


# --- provider portal ---------------------------------------------------------------

class ApplyForm(forms.Form):
    organization = forms.ModelChoiceField(label=_("Organization"), queryset=None)
    bureau = forms.ModelChoiceField(label=_("Bureau applied to"),
                                    queryset=Bureau.objects.select_related("jurisdiction"))
    call = forms.ModelChoiceField(label=_("Call for applications"), required=False,
                                  queryset=CallForApplications.objects.select_related("bureau"))
    offerings = forms.ModelMultipleChoiceField(label=_("Offerings"), queryset=None,
                                               widget=forms.CheckboxSelectMultiple)
    roster = forms.ModelMultipleChoiceField(label=_("Teaching staff"), queryset=None,
                                            required=False,
                                            widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        orgs = get_objects_for_user(user, "registry.act_for_organization", klass=Organization,
                                    accept_global_perms=False, with_superuser=False)
        self.fields["organization"].queryset = orgs
        self.fields["offerings"].queryset = Offering.objects.filter(
            organization__in=orgs, is_active=True).select_related("category")
        self.fields["roster"].queryset = Person.objects.filter(organization__in=orgs)


class ApplyView(LoginRequiredMixin, generic.FormView):
    template_name = "workflows/apply.html"
    form_class = ApplyForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = context["form"]
        # an application selects offerings: with none offered, say where to add one (or
        # to register the organization first) in place of a form that cannot be sent
        if not form.fields["offerings"].queryset.exists():
            context["no_offerings"] = True
            context["organizations"] = list(form.fields["organization"].queryset
                                            .order_by("name", "pk")[:20])
        return context

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            case = selection.selection_apply(
                 actor=self.request.user, organization=data["organization"],
                 bureau=data["bureau"], call=data["call"], offerings=data["offerings"],
                 roster=data["roster"])
        except ValidationError as error:
            form_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Your application #%(pk)s has been submitted.")
                         % {"pk": case.pk})
        return HttpResponseRedirect(reverse("workflows:case", args=[case.pk]))


class MyCasesView(LoginRequiredMixin, generic.ListView):
    """我的申请: the account's own cases of every kind, an organization's selections and its
    staff's vetting, an individual's own vetting; each row links to the case's page."""

    template_name = "workflows/case_list.html"
    paginate_by = 25

    def get_queryset(self):
        return selectors.provider_cases_for(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        cases = selectors.provider_cases_of(context["object_list"])
        context["cases"] = [{
            "case": case, "url": selectors.case_url(case), "kind": case._meta.verbose_name,
            "status_field": selectors.case_status_field(case),
            "subject_name": notifications.subject_name(selectors.case_subject(case)),
        } for case in cases]
        if not cases:  # where to start: one's own vetting, or an organization's selection
            context["own_person"] = person_of_user(self.request.user)
        return context


class CaseDetailView(LoginRequiredMixin, generic.DetailView):
    """The one page of a case, whatever its kind: the subject and its offerings or people,
    every step (who, when, what, why), the documents with the clerk's verdicts, the checks,
    the panel's scores for those allowed to see them, objections and the decision."""

    template_name = "workflows/case_detail.html"
    context_object_name = "case"
    kind = "selection"

    def get_object(self, queryset=None):
        kind = self.kwargs.get("kind", self.kind)
        model = selectors.CASE_KINDS.get(kind)
        if model is None:
            raise Http404
        case = selectors.SELECTORS[model](self.request.user).filter(
            pk=self.kwargs["pk"]).first()
        if case is None:
            raise Http404
        return case

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        case, user = self.object, self.request.user
        subject = selectors.case_subject(case)
        panel_view = selectors.panel_view_of(user, case)
        # a school that asked for a vetting learns its outcome, not what the person must correct
        details = not isinstance(case, VettingProcess) or selectors.may_see_vetting_details(
            user, case)
        context.update(
            kind=selectors.case_kind(case), subject=subject,
            subject_name=notifications.subject_name(subject),
            is_bureau=panel_view == selectors.PANEL_BUREAU,
            history=selectors.case_timeline(user, case),
            assignments=selectors.panel_assignments(user, case),
            my_tasks=selectors.open_tasks_for(user, case),
            documents=(case_document_links(user, case)
                       if details and may_view_documents(user, subject) else []),
            corrections=(corrections.correction_items(case) if getattr(case, "missing", None)
                         and details and (not isinstance(case, VettingProcess) or selectors
                                          .reads_vetting_corrections(user, case)) else []),
            show_reasons=selectors.may_read_case_reasons(user, case),
            outcome_only=selectors.reads_outcome_only(user, case),  # how it ended, not why
            partner_opinions=selectors.partner_opinions_for(user, case),
            record_check=record_check_for(user, case),
        )
        # what happens next, for the provider's side (the bureau's staff know their steps)
        if context["kind"] and not context["is_bureau"] and (
                getattr(subject, "user_id", None) == user.pk or may_act_for(user, subject)):
            context["next_step"] = next_steps.next_step(
                case, context["kind"], outcome_only=context["outcome_only"])
        if isinstance(case, SelectionProcess):
            context["objections"] = selectors.case_objections(case)
            context["may_withdraw"] = (case.outcome == "open" and user.has_perm(
                "registry.act_for_organization", case.organization))
            context["offerings"] = case.offerings.select_related("category__parent")
            context["roster"] = case.roster.all() if panel_view != "expert" else []
        return context


class ObjectionStepForm(forms.Form):
    step = forms.ChoiceField(label=_("Step"), widget=forms.RadioSelect, choices=[
        ("acknowledge", _("Acknowledge receipt")), ("investigate", _("Start investigating")),
        ("uphold", _("Finding: uphold the objection")),
        ("dismiss", _("Finding: dismiss the objection"))])
    finding = forms.CharField(label=_("Finding or note (internal)"), required=False,
                              widget=forms.Textarea, max_length=5000)
    applicant_note = forms.CharField(
        label=_("What the applicant is told"), required=False, widget=forms.Textarea,
        max_length=5000, help_text=_("Never the objector's name or words."))
    stop_notice = forms.BooleanField(
        label=_("Upheld: stop the public notice now and reject the application"),
        required=False)


class ObjectionHandleView(LoginRequiredMixin, generic.FormView):
    """A clerk handles one objection while the notice runs (or after it)."""

    template_name = "workflows/objection_handle.html"
    form_class = ObjectionStepForm

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        case = selectors.selection_cases_for(request.user).filter(pk=kwargs["pk"]).first()
        if case is None or selectors.panel_view_of(request.user, case) != "bureau":
            raise Http404
        self.case = case
        self.objection = get_object_or_404(selectors.case_objections(case),
                                           pk=kwargs["objection_pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "case": self.case,
                "objection": self.objection}

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            objections.objection_progress(
                actor=self.request.user, objection=self.objection, step=data["step"],
                finding=data["finding"], applicant_note=data["applicant_note"],
                stop_notice=data["stop_notice"])
        except ValidationError as error:
            form_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("The objection's handling is recorded."))
        return HttpResponseRedirect(reverse("workflows:case", args=[self.case.pk]))


class WithdrawView(LoginRequiredMixin, generic.View):
    def post(self, request, pk):
        case = get_object_or_404(selectors.selection_cases_for(request.user), pk=pk)
        if not request.user.has_perm("registry.act_for_organization", case.organization):
            raise PermissionDenied
        if request.POST.get("confirm") != "yes":  # the page asks first; nothing happens
            messages.error(request, _("Confirm that you want to withdraw the application."))
            return HttpResponseRedirect(reverse("workflows:case", args=[pk]))
        try:
            outcome.case_withdraw(actor=request.user, case=case)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        except PermissionDenied:
            raise
        else:
            messages.success(request, _("The application was withdrawn."))
        return HttpResponseRedirect(reverse("workflows:case", args=[pk]))


class NotificationsView(LoginRequiredMixin, generic.ListView):
    template_name = "workflows/notifications.html"
    paginate_by = 25

    def get_queryset(self):
        return Notification.objects.filter(user=self.request.user)


# --- several files in one field (the public's objection, a review case's evidence) ----

class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (Django's documented recipe): a list of files."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


__all__ = ["SelectionProcess"]


# --- an individual applies for their own vetting -------------------------------

class VettingApplyForm(forms.Form):
    bureau = forms.ModelChoiceField(label=_("Bureau applied to"),
                                    queryset=Bureau.objects.select_related("jurisdiction"))
    consent = forms.BooleanField(
        label=_("I consent to the bureau's query of sexual-offence records (入职查询) for "
                "after-school service."), required=True)


class VettingApplyView(LoginRequiredMixin, generic.FormView):
    """The signed-in person applies for vetting at a bureau, consenting to its record query."""

    template_name = "workflows/vetting_apply.html"
    form_class = VettingApplyForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.person = person_of_user(request.user)
            if self.person is None:
                return HttpResponseRedirect(reverse("registry:portal-individual"))
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        try:
            case = vetting.vetting_start(actor=self.request.user, person=self.person,
                                          bureau=form.cleaned_data["bureau"], consent=True,
                                          address=request_address(self.request))
        except ValidationError as error:
            form_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Your application for vetting #%(pk)s has been "
                                         "submitted.") % {"pk": case.pk})
        # to the case, where it stands and what comes next, as an organization's application
        return HttpResponseRedirect(selectors.case_url(case))
