"""The provider's pages beyond registration: an individual registers themself,
an organization's administrator invites colleagues and the people of its roster, providers
edit what they registered (reviewed facts become change requests), and a clerk reviews
those. Views parse input, check permission and call one service."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from registry import selectors, services
from registry.forms import PermitPhotoForm, personal_data_consent_field
from registry.models import Offering, Organization, Person, PersonalDataConsent
from registry.portal import OfferingForm, PersonForm, _own_organization
from registry.requests import files_not_kept, form_error, request_address


def _form_page(request, form, *, title, intro="", submit, status=200, extra=None):
    return render(request, "registry/portal/form_page.html", {
        "form": form, "title": title, "intro": intro, "submit": submit, **(extra or {})},
        status=400 if form.errors else status)


# --- individuals on their own ----------------------------------------------------------

class IndividualForm(PersonForm):
    """The person's own details, and their separate consent to holding the ID number."""

    personal_data_consent = personal_data_consent_field()


@login_required
def individual_register(request):
    """A person who belongs to no organization registers themself (this account becomes
    theirs), with their separate consent (单独同意) to the registry holding their ID number:
    without it the form comes back (400) and nothing is saved."""
    own = selectors.person_of_user(request.user)
    if own is not None:
        return redirect("registry:portal-person", pk=own.pk)
    form = IndividualForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            person = services.individual_register(actor=request.user,
                                                  email=request.user.email,
                                                  address=request_address(request),
                                                  **form.cleaned_data)
        except ValidationError as error:
            form_error(form, error)
        else:
            messages.success(request, _("You are registered. Next: upload your documents, "
                                        "then apply for vetting at a bureau."))
            return redirect("registry:portal-person", pk=person.pk)
    return render(request, "registry/portal/individual_register.html", {
        "form": form, "consent_points": PersonalDataConsent.POINTS,
    }, status=400 if form.errors else 200)


class PersonEditForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Full name"), max_length=64)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=Person.Kind.choices)
    qualification = forms.CharField(
        label=gettext_lazy("Qualification"), max_length=200, required=False,
        help_text=gettext_lazy("Once approved, a change waits for the bureau's review."))
    phone = forms.CharField(label=gettext_lazy("Phone"), max_length=32, required=False)
    email = forms.EmailField(label=gettext_lazy("Email"), required=False)


def _own_person(request, pk: int) -> Person:
    person = get_object_or_404(Person.objects.select_related("organization"), pk=pk)
    if not (person.user_id == request.user.pk
            or request.user.has_perm("registry.act_for_person", person)
            or (person.organization_id and request.user.has_perm(
                "registry.act_for_organization", person.organization))):
        raise PermissionDenied(_("You do not act for this person."))
    return person


@login_required
def person_page(request, pk: int):
    """The person's own page: what is registered, the documents, the approvals, edits."""
    person = _own_person(request, pk)
    form = PersonEditForm(request.POST or None, initial={
        "name": person.name, "kind": person.kind, "qualification": person.qualification,
        "phone": person.phone, "email": person.email})
    if request.method == "POST" and form.is_valid():
        if _edit(request, person, form):
            return redirect("registry:portal-person", pk=person.pk)
    return render(request, "registry/portal/person.html", {
        "person": person, "form": form,
        "approvals": person.approvals.select_related("jurisdiction")
        .prefetch_related("categories").order_by("-pk")[:50],
        "change_requests": selectors.change_requests_for(request.user).filter(
            person=person)[:20],
    }, status=400 if form.errors else 200)


@login_required
def person_photo(request, pk: int):
    """The person's photo on their entry permits: the person consents (or withdraws) and
    uploads; their organization's administrator uploads on their behalf while the consent
    stands."""
    person = get_object_or_404(Person.objects.select_related("organization"), pk=pk)
    if not services.may_manage_photo(request.user, person):
        raise PermissionDenied(_("Only the person or their organization's administrator may "
                                 "manage the photo."))
    is_self = person.user_id == request.user.pk

    def photo_form(*args):
        form = PermitPhotoForm(*args)
        if not is_self:  # the consent is the person's own: the administrator relies on it
            del form.fields["consent"]
        return form

    form, status = photo_form(), 200
    if request.method == "POST":
        action = request.POST.get("action", "upload")
        try:
            if action in ("consent", "withdraw"):
                services.permit_photo_consent(actor=request.user, person=person,
                                              give=action == "consent")
                messages.success(request, _("Your consent is recorded.") if action == "consent"
                                 else _("Consent withdrawn: the photo is deleted and no "
                                        "longer shown."))
                return redirect("registry:portal-person-photo", pk=person.pk)
            form = photo_form(request.POST, request.FILES)
            if form.is_valid():
                services.permit_photo_upload(actor=request.user, person=person,
                                             file=form.cleaned_data["photo"],
                                             consent=form.cleaned_data.get("consent", False))
                messages.success(request, _("The photo is stored; it shows on the permits."))
                return redirect("registry:portal-person-photo", pk=person.pk)
            status = 400
        except ValidationError as error:
            form_error(form, error)
            status = 400
        files_not_kept(form)
    photo = getattr(person, "permit_photo", None)  # the reverse one-to-one, or none yet
    return render(request, "registry/portal/person_photo.html", {
        "person": person, "form": form, "photo": photo,
        "is_self": is_self}, status=status)


def _edit(request, target, form) -> bool:
    """Call the edit service; say what applied and what waits for review."""
    try:
        _target, change_request = services.provider_edit(actor=request.user, target=target,
                                                         changes=_changes(form))
    except ValidationError as error:
        form_error(form, error)
        return False
    if change_request is not None:
        messages.info(request, _("Saved. The change of %(fields)s waits for the bureau's "
                                 "review; until it is approved the published facts stay.")
                      % {"fields": ", ".join(str(_label(target, f))
                                             for f in change_request.changes)})
    else:
        messages.success(request, _("Saved."))
    return True


def _label(target, field: str):
    return type(target)._meta.get_field(field).verbose_name


def _changes(form) -> dict:
    data = dict(form.cleaned_data)
    if "weekdays" in data:
        data["weekdays"] = sum(set(data["weekdays"]))
    return data


# --- editing organizations and offerings ------------------------------------------------

class OrganizationEditForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name of the organization"), max_length=200)
    uscc = forms.CharField(label=gettext_lazy("Unified social credit code"), max_length=18,
                           min_length=18)
    provider_kind = forms.ChoiceField(label=gettext_lazy("Kind of provider"),
                                      choices=Organization.ProviderKind.choices)
    registration_kind = forms.ChoiceField(label=gettext_lazy("Kind of registration"),
                                          choices=Organization.RegistrationKind.choices)
    legal_representative = forms.CharField(label=gettext_lazy("Legal representative"),
                                           max_length=64)
    address = forms.CharField(label=gettext_lazy("Address"), max_length=255)
    contact_name = forms.CharField(label=gettext_lazy("Contact person"), max_length=64)
    contact_phone = forms.CharField(label=gettext_lazy("Contact phone"), max_length=32)
    contact_email = forms.EmailField(label=gettext_lazy("Contact email"), required=False)


@login_required
def organization_edit(request, pk: int):
    organization = _own_organization(request, pk)
    form = OrganizationEditForm(request.POST or None, initial={
        f: getattr(organization, f) for f in OrganizationEditForm.base_fields})
    if request.method == "POST" and form.is_valid() and _edit(request, organization, form):
        return redirect("registry:portal-organization", pk=organization.pk)
    return _form_page(request, form, title=_("Edit %(name)s") % {"name": organization.name},
                      submit=_("Save"), intro=_(
                          "A change of the name, the code, the legal representative, the "
                          "address or the kind, once approved, waits for the bureau's review; "
                          "the rest applies at once."))


class OfferingEditForm(OfferingForm):
    """The registration form, with the description optional and the offering's switch."""

    description = forms.CharField(label=gettext_lazy("Description"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)
    is_active = forms.BooleanField(label=gettext_lazy("Offered"), required=False)


@login_required
def offering_edit(request, pk: int):
    offering = get_object_or_404(Offering.objects.select_related("organization", "category"),
                                 pk=pk)
    _own_organization(request, offering.organization_id)
    initial = {f: getattr(offering, f) for f in OfferingEditForm.base_fields}
    initial["weekdays"] = offering.weekday_list and [
        1 << (d - 1) for d in offering.weekday_list]
    form = OfferingEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid() and _edit(request, offering, form):
        return redirect("registry:portal-organization", pk=offering.organization_id)
    return _form_page(request, form, title=_("Edit %(title)s") % {"title": offering.title},
                      submit=_("Save"), intro=_(
                          "Once approved, a change of the title, the category or the fee "
                          "waits for the bureau's review; the rest applies at once."))


# --- invitations -----------------------------------------------------------------------

class InvitationForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("Email address"), max_length=150)
    person = forms.ModelChoiceField(
        label=gettext_lazy("Person of the staff roster"), required=False,
        queryset=Person.objects.none(),
        help_text=gettext_lazy("Leave empty to invite a colleague to act for the "
                               "organization; choose a person to invite them to claim their "
                               "own record."))

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = organization.people.filter(user__isnull=True)


@login_required
def organization_invite(request, pk: int):
    """The organization's administrator invites a colleague or a person of the roster."""
    organization = _own_organization(request, pk)
    if organization.administrator_id != request.user.pk:
        raise PermissionDenied(_("Only the organization's administrator may do this."))
    form = InvitationForm(request.POST or None, organization=organization)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = services.provider_invitation_create(
                actor=request.user, organization=organization,
                email=form.cleaned_data["email"], person=form.cleaned_data["person"],
                base_url=request.build_absolute_uri("/"))
        except ValidationError as error:
            form_error(form, error)
        else:
            messages.success(request, _("Invitation sent to %(email)s.")
                             % {"email": invitation.email})
            return redirect("registry:portal-organization", pk=organization.pk)
    return _form_page(request, form, title=_("Invite to %(name)s") % {"name": organization.name},
                      submit=_("Send the invitation"), status=201 if request.method == "POST"
                      else 200)


def invitation_accept(request, token: str):
    """The invitee opens the emailed link: GET shows what is offered, POST accepts. Someone
    not signed in is offered to sign in or to sign up (with the address invited), either way
    coming back here to accept; someone signed in to another account is told so (the address
    masked) and offered to sign out and in with the right one."""
    try:
        invitation = services.invitation_from_token(token)
    except ValidationError as error:
        return render(request, "registry/portal/invitation.html",
                      {"errors": error.messages}, status=400)
    spent = services.invitation_spent(invitation)
    if spent is not None and request.method == "GET":  # said before signing in or up
        return render(request, "registry/portal/invitation.html",
                      {"errors": spent.messages, "invitation": invitation}, status=400)
    if not request.user.is_authenticated:
        if request.method == "POST":
            return redirect_to_login(request.path)
        return render(request, "registry/portal/invitation.html",
                      {"invitation": invitation, "next": request.path})
    if spent is None and not invitation.is_for(request.user):
        # said at once, with a way to the right account, rather than an Accept that fails
        return render(request, "registry/portal/invitation.html",
                      {"invitation": invitation, "other_account": True, "next": request.path},
                      status=403 if request.method == "POST" else 200)
    if request.method == "POST":
        try:
            invitation = services.provider_invitation_accept(actor=request.user, token=token)
        except ValidationError as error:
            return render(request, "registry/portal/invitation.html",
                          {"errors": error.messages, "invitation": invitation}, status=400)
        if invitation.person_id:
            messages.success(request, _("Your record is now yours: see it and give your "
                                        "consent here."))
            return redirect("registry:portal-person", pk=invitation.person_id)
        messages.success(request, _("You now act for %(name)s.")
                         % {"name": invitation.organization.name})
        return redirect("registry:portal-organization", pk=invitation.organization_id)
    return render(request, "registry/portal/invitation.html", {"invitation": invitation})


@login_required
@require_POST
def roster_remove(request, pk: int):
    person = get_object_or_404(Person.objects.select_related("organization"), pk=pk)
    if person.organization is None:
        raise Http404
    services.roster_remove(actor=request.user, person=person)
    messages.success(request, _("%(name)s is no longer on the staff roster.")
                     % {"name": person.name})
    return redirect("registry:portal-organization", pk=person.organization_id)


# --- the clerk's review ----------------------------------------------------------------

@login_required
def change_requests(request):
    """The change requests the user may see; a clerk approves or rejects them here."""
    if request.method == "POST":
        change_request = get_object_or_404(selectors.change_requests_for(request.user),
                                           pk=_int(request.POST.get("pk", "")))
        try:
            services.change_request_review(
                actor=request.user, change_request=change_request,
                approve=request.POST.get("decision") == "approve",
                reason=request.POST.get("reason", ""))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Change request #%(pk)s reviewed.")
                             % {"pk": change_request.pk})
        return redirect("registry:change-requests")
    rows = list(selectors.change_requests_for(request.user)[:200])
    reviewable = selectors.reviewable_change_request_ids(request.user, rows)
    return render(request, "registry/portal/change_requests.html", {
        "change_requests": [(cr, cr.pk in reviewable) for cr in rows]})


def _int(value: str) -> int:
    return int(value) if value.isdigit() and len(value) < 19 else 0
