"""Web pages for ties and consent: the person answers schools' invitations, gives or
withdraws consent to bureaus' record queries and gives or withdraws their separate consent
to holding their ID number, in their own account; a school invites.

Views parse input, check who is asking and call one service each."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_POST

from registry import selectors, services
from registry.forms import PersonalDataConsentForm
from registry.models import Bureau, PersonalDataConsent, RecordQueryConsent, SchoolInvitation
from registry.requests import error_messages, form_error, request_address, schools_of


class ConsentForm(forms.Form):
    bureau = forms.ModelChoiceField(label=gettext_lazy("Bureau that may query your records"),
                                    queryset=Bureau.objects.select_related("jurisdiction")
                                    .order_by("jurisdiction__code"))
    purpose = forms.ChoiceField(label=gettext_lazy("Purpose"),
                                choices=RecordQueryConsent.Purpose.choices)
    confirm = forms.BooleanField(label=gettext_lazy(
        "I consent to this bureau querying the records of sexual offences and other crimes "
        "held on me, for the purpose above"))


class DataConsentWithdrawForm(forms.Form):
    confirm = forms.BooleanField(
        label=PersonalDataConsent.WITHDRAW_CONFIRM_LABEL,
        error_messages={"required": PersonalDataConsent.WITHDRAW_CONFIRM_REQUIRED})


class InviteForm(forms.Form):
    name = forms.CharField(label=pgettext_lazy("person", "Name"), max_length=64)
    id_number = forms.CharField(label=gettext_lazy("ID number"), max_length=32)


def _person_or_403(user):
    person = selectors.person_of_user(user)
    if person is None:
        raise PermissionDenied(_("This page is for a registered person, in their own account."))
    return person


@login_required
def my_privacy(request):
    """The person's page: what is held, their separate consent to holding their ID number
    (given here when none is on record, or one to an older text), schools' invitations,
    consents to the record query, and a link to who read their personal data."""
    person = _person_or_403(request.user)
    form, data_form = ConsentForm(), PersonalDataConsentForm()
    if request.method == "POST" and request.POST.get("action") == "data-consent":
        data_form = PersonalDataConsentForm(request.POST)
        if data_form.is_valid():
            services.personal_data_consent_give(actor=request.user, person=person,
                                                address=request_address(request))
            messages.success(request, _("Your consent is recorded."))
            return redirect("registry:my-privacy")
    elif request.method == "POST":
        form = ConsentForm(request.POST)
        if form.is_valid():
            try:
                services.consent_give(actor=request.user, person=person,
                                      bureau=form.cleaned_data["bureau"],
                                      purpose=form.cleaned_data["purpose"],
                                      address=request_address(request))
            except ValidationError as error:
                form.add_error(None, error_messages(error))
            else:
                messages.success(request, _("Your consent is recorded."))
                return redirect("registry:my-privacy")
    return render(request, "registry/portal/privacy.html", {
        "person": person, "form": form, "data_form": data_form,
        "data_consent": selectors.data_consent_of(person),
        "data_attestation": selectors.data_consent_attestation_of(person),
        "data_consent_in_force": selectors.data_consent_in_force(person),
        "consent_points": PersonalDataConsent.POINTS,
        "invitations": selectors.invitations_for_person(person)[:100],
        "consents": selectors.consents_of(person)[:100],
    }, status=400 if form.errors or data_form.errors else 200)


@login_required
def my_data_consent_withdraw(request):
    """The person withdraws their separate consent to holding their ID number: a page that
    says plainly what follows, with a box to tick (GET), then the withdrawal (POST). Only
    their own: the person is the one signed in, never named in the address."""
    person = _person_or_403(request.user)
    in_force = selectors.data_consent_in_force(person)
    form = DataConsentWithdrawForm()
    if request.method == "POST":
        form = DataConsentWithdrawForm(request.POST)
        if form.is_valid():
            try:
                services.personal_data_consent_withdraw(actor=request.user, person=person,
                                                        address=request_address(request))
            except ValidationError as error:
                form.add_error(None, error_messages(error))
            else:
                messages.success(request, _(
                    "Your separate consent is withdrawn. Any approval you hold is suspended; "
                    "the schools engaging you and the education bureau are told."))
                return redirect(reverse("registry:my-privacy") + "#data-consent")
    return render(request, "registry/portal/data_consent_withdraw.html", {
        "person": person, "form": form, "in_force": in_force,
        "consequences": PersonalDataConsent.WITHDRAWAL_CONSEQUENCES,
        "nothing": PersonalDataConsent.NOTHING_TO_WITHDRAW,
    }, status=400 if form.errors else 200)


@login_required
@require_POST
def my_invitation_answer(request, pk: int):
    person = _person_or_403(request.user)
    invitation = get_object_or_404(selectors.invitations_for_person(person), pk=pk)
    action = request.POST.get("action")
    try:
        if action in ("accept", "decline"):
            services.invitation_answer(actor=request.user, invitation=invitation,
                                       accept=action == "accept", address=request_address(request))
        elif action == "withdraw":
            services.invitation_withdraw(actor=request.user, invitation=invitation)
        else:
            messages.error(request, _("Unknown answer."))
            return redirect("registry:my-privacy")
    except ValidationError as error:
        messages.error(request, " ".join(error_messages(error)))
    else:
        messages.success(request, _("Your answer is recorded."))
    return redirect("registry:my-privacy")


@login_required
@require_POST
def my_consent_withdraw(request, pk: int):
    person = _person_or_403(request.user)
    consent = get_object_or_404(selectors.consents_of(person), pk=pk)
    try:
        services.consent_withdraw(actor=request.user, consent=consent)
    except ValidationError as error:
        messages.error(request, " ".join(error_messages(error)))
    else:
        messages.success(request, _("Your consent is withdrawn."))
    return redirect("registry:my-privacy")


@login_required
def school_invitations(request):
    """A school invites a person and sees every invitation it sent; neither the answer nor
    the list says whether one reached a registered person before they answer it."""
    schools = list(schools_of(request.user)[:20])
    if not schools:
        raise PermissionDenied(_("Only school users may do this."))
    school = schools[0]
    if request.GET.get("school") or request.POST.get("school"):
        chosen = request.POST.get("school") or request.GET.get("school")
        school = next((s for s in schools if str(s.pk) == chosen), None)
        if school is None:
            raise PermissionDenied(_("You do not act for this school."))
    form = InviteForm()
    if request.method == "POST":
        form = InviteForm(request.POST)
        if form.is_valid():
            try:
                services.school_invite(actor=request.user, school=school,
                                       id_number=form.cleaned_data["id_number"],
                                       name=form.cleaned_data["name"])
            except ValidationError as error:
                form_error(form, error)
            else:
                messages.success(request, _(
                    "If a registered person with this name and ID number has an account, "
                    "they will find the invitation there."))
                return redirect(f"{request.path}?school={school.pk}")
    # every invitation sent: one still waiting reads the same whether or not it reached
    # anyone (the template names the person only once they answered)
    invitations = selectors.invitations_of_schools([school.pk]).order_by("-created_at")[:200]
    return render(request, "registry/school/invitations.html", {
        "schools": schools, "school": school, "form": form, "invitations": invitations,
        "pending": SchoolInvitation.Status.PENDING, "accepted": SchoolInvitation.Status.ACCEPTED,
    }, status=400 if form.errors else 200)


@login_required
@require_POST
def school_invitation_withdraw(request, pk: int):
    invitation = get_object_or_404(selectors.invitations_of_schools(
        schools_of(request.user).values_list("pk", flat=True)), pk=pk)
    try:
        services.invitation_withdraw(actor=request.user, invitation=invitation)
    except ValidationError as error:
        messages.error(request, " ".join(error_messages(error)))
    else:
        messages.success(request, _("The invitation is withdrawn."))
    return redirect(f"{reverse('registry:school-invitations')}?school={invitation.school_id}")
