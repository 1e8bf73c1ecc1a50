"""A school asks a bureau to vet a person who accepted its invitation: the web page beside
the API's ``POST /api/v1/vettings/`` with ``school``. The invitations page
(``registry:school-invitations``) links here from each accepted invitation; without it the
invitation stopped at 已接受."""

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.utils.translation import gettext_lazy as _
from django.views import generic

from registry.models import Bureau, SchoolInvitation
from registry.requests import form_error
from workflows import selectors
from workflows.services import vetting


class SchoolVettingForm(forms.Form):
    bureau = forms.ModelChoiceField(
        label=_("Bureau asked to vet"), queryset=Bureau.objects.none(),
        empty_label=_("Choose a bureau"),
        error_messages={"required": _("Choose the bureau that is to vet this person.")})

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        # only a bureau whose jurisdiction contains the school may be asked (the service's rule)
        self.fields["bureau"].queryset = (Bureau.objects.select_related("jurisdiction")
                                          .filter(jurisdiction_id__in=school.county.lineage_ids())
                                          .order_by("pk"))


class SchoolVettingView(LoginRequiredMixin, generic.FormView):
    """The school's own accepted invitation, or 404 (nothing to learn about others')."""

    template_name = "workflows/school_vetting.html"
    form_class = SchoolVettingForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            invitation = (SchoolInvitation.objects.select_related("school__county", "person")
                          .filter(pk=kwargs["pk"], status=SchoolInvitation.Status.ACCEPTED,
                                  person__isnull=False).first())
            if invitation is None or not request.user.has_perm("registry.act_for_school",
                                                               invitation.school):
                raise Http404
            self.invitation = invitation
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "school": self.invitation.school}

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "invitation": self.invitation,
                "consent_missing_for": getattr(self, "consent_missing_for", None)}

    def form_valid(self, form):
        try:
            case = vetting.vetting_start(actor=self.request.user, person=self.invitation.person,
                                          bureau=form.cleaned_data["bureau"],
                                          school=self.invitation.school)
        except (ValidationError, PermissionDenied) as error:
            if isinstance(error, PermissionDenied):
                error = ValidationError(str(error))
            elif getattr(error, "code", None) == "no_consent":  # the page says what to do
                self.consent_missing_for = form.cleaned_data["bureau"]
            form_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("The bureau is asked to vet %(name)s (case "
                                         "#%(pk)s).") % {"name": self.invitation.person.name,
                                                         "pk": case.pk})
        return HttpResponseRedirect(selectors.case_url(case))
