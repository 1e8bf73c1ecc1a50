"""The public landing page and the provider's own pages: register an organization,
keep its offerings and people. Views parse input, check permission and call one
service; the forms only parse."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from registry import selectors, services
from registry.forms import personal_data_consent_attested_field
from registry.models import Jurisdiction, Organization, PersonalDataConsent, ServiceCategory
from registry.models.providers import Person, Weekday
from registry.requests import (
    BadRequest,
    bureaus_administered_by,
    form_error,
    request_address,
    role_groups,
    school_for,
)
from registry.roles import BUREAU_ROLES
from registry.views import school_refused


class OrganizationForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name of the organization"), max_length=200)
    uscc = forms.CharField(
        label=gettext_lazy("Unified social credit code"), max_length=18, min_length=18,
        help_text=gettext_lazy("18 characters, as printed on the business or registration "
                               "licence."))
    provider_kind = forms.ChoiceField(
        label=gettext_lazy("Kind of provider"), choices=Organization.ProviderKind.choices,
        help_text=gettext_lazy("Decides which documents you are asked for: a public venue "
                               "shows its public institution certificate, not a "
                               "school-running licence."))
    registration_kind = forms.ChoiceField(label=gettext_lazy("Kind of registration"),
                                          choices=Organization.RegistrationKind.choices)
    legal_representative = forms.CharField(label=gettext_lazy("Legal representative"),
                                           max_length=64)
    county = forms.ModelChoiceField(
        label=gettext_lazy("Registered county or district"),
        queryset=Jurisdiction.objects.filter(level=Jurisdiction.Level.COUNTY)
        .select_related("parent").order_by("code"))
    address = forms.CharField(label=gettext_lazy("Address"), max_length=255)
    contact_name = forms.CharField(label=gettext_lazy("Contact person"), max_length=64)
    contact_phone = forms.CharField(label=gettext_lazy("Contact phone"), max_length=32)
    contact_email = forms.EmailField(label=gettext_lazy("Contact email"), required=False)


class CategoryChoiceField(forms.ModelChoiceField):
    """A category, named in the reader's language (``display_label``: Sport · Swimming)."""

    def label_from_instance(self, obj):
        return obj.display_label


class OfferingForm(forms.Form):
    category = CategoryChoiceField(label=gettext_lazy("Category"),
                                   queryset=ServiceCategory.objects.filter(is_active=True))
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    description = forms.CharField(label=gettext_lazy("Description"), widget=forms.Textarea(
        attrs={"rows": 3}), max_length=5000)
    grade_min = forms.IntegerField(label=gettext_lazy("Lowest grade"), min_value=1, max_value=9)
    grade_max = forms.IntegerField(label=gettext_lazy("Highest grade"), min_value=1,
                                   max_value=9)
    fee_per_session = forms.DecimalField(label=gettext_lazy("Fee per session (CNY)"),
                                         min_value=Decimal("0"), max_digits=8,
                                         decimal_places=2)
    capacity = forms.IntegerField(label=gettext_lazy("Places per session"), min_value=1,
                                  max_value=1000)
    weekdays = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Weekdays"), coerce=int, choices=Weekday.choices,
        widget=forms.CheckboxSelectMultiple)

    def clean(self):
        cleaned = super().clean()
        # Beside the grade, as the services say it: left to the model, the database
        # constraint's name would come back above the form.
        low, high = cleaned.get("grade_min"), cleaned.get("grade_max")
        if low is not None and high is not None and low > high:
            self.add_error("grade_max", _("The highest grade must not be below the lowest."))
        return cleaned

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        data["weekdays"] = sum(set(data["weekdays"]))
        return data


class PersonForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Full name"), max_length=64)
    id_number = forms.CharField(label=gettext_lazy("Resident ID number"), max_length=18,
                                help_text=gettext_lazy("18 digits; shown to others only "
                                                       "masked."))
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=Person.Kind.choices)
    phone = forms.CharField(label=gettext_lazy("Phone"), max_length=32, required=False)


class StaffForm(PersonForm):
    """A staff member's details, and the organization's word that it holds their signed
    separate consent form (个人信息单独同意书)."""

    personal_data_consent_attested = personal_data_consent_attested_field()


@require_GET
def landing(request):
    """Visitors see the public entry points; signed-in users go to their workspace."""
    if request.user.is_authenticated:
        return redirect("workspace:index")
    return render(request, "registry/landing.html",
                  {"jurisdictions": selectors.publication_jurisdictions()[:12]})


@login_required
def organization_register(request):
    """Anyone signed in may register an organization and so become its provider user."""
    form = OrganizationForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                organization = services.organization_register(actor=request.user,
                                                              **form.cleaned_data)
            except ValidationError as error:
                form_error(form, error)
            else:
                messages.success(request, _("%(name)s is registered. Next: add its offerings "
                                            "and upload its documents.")
                                 % {"name": organization.name})
                return redirect("registry:portal-organization", pk=organization.pk)
    status = 400 if form.errors else 200
    return render(request, "registry/portal/register.html", {"form": form}, status=status)


def _own_organization(request, pk: int) -> Organization:
    organization = get_object_or_404(Organization.objects.select_related("county"), pk=pk)
    if not request.user.has_perm("registry.act_for_organization", organization):
        raise PermissionDenied(_("You do not act for this organization."))
    return organization


@login_required
def organization_page(request, pk: int):
    """The provider's organization: its offerings and people, with forms to add them."""
    organization = _own_organization(request, pk)
    offering_form = OfferingForm(prefix="offering")
    person_form = StaffForm(prefix="person")
    status = 200
    if request.method == "POST":
        if "offering-title" in request.POST:
            offering_form = OfferingForm(request.POST, prefix="offering")
            form, create = offering_form, _create_offering
        else:
            person_form = StaffForm(request.POST, prefix="person")
            form, create = person_form, _create_person
        if form.is_valid():
            try:
                message = create(request, organization, form)
            except ValidationError as error:
                form_error(form, error)
            else:
                messages.success(request, message)
                return redirect("registry:portal-organization", pk=organization.pk)
        status = 400
    context = {
        "organization": organization, "offering_form": offering_form,
        "person_form": person_form, "consent_points": PersonalDataConsent.POINTS,
        "offerings": organization.offerings.select_related("category__parent").order_by("pk"),
        "people": organization.people.order_by("name", "pk"),
        "approvals": organization.approvals.select_related("jurisdiction")
        .prefetch_related("categories").order_by("-pk")[:50],
        "blacklistings": selectors.sanctions_of_organization(organization)[:20],
        "suspensions": selectors.with_renewals_due(
            selectors.suspensions_of(organization.approvals.all())[:50]),
        "is_administrator": organization.administrator_id == request.user.pk,
        "change_requests": selectors.change_requests_for(request.user)
        .filter(organization=organization)[:20],
    }
    return render(request, "registry/portal/organization.html", context, status=status)


def _create_offering(request, organization, form) -> str:
    offering = services.offering_create(actor=request.user, organization=organization,
                                        **form.service_kwargs())
    return _("Offering %(title)s added.") % {"title": offering.title}


def _create_person(request, organization, form) -> str:
    person = services.staff_register(actor=request.user, organization=organization,
                                     address=request_address(request), **form.cleaned_data)
    return _("%(name)s added to the staff.") % {"name": person.name}


@login_required
@require_GET
def provider_profile(request, pk: int):
    """What a school sees of an approved organization: its approvals in force and its
    offerings. Nothing personal; bureau staff may look at any organization.

    Which approvals count and whether an offering may be engaged depend on the school's
    area: the school is the one the address names (``?school=``), or the user's only one;
    one who acts for several is asked which (``school_refused``), as on the search."""
    is_bureau = not role_groups(request.user).isdisjoint(BUREAU_ROLES)  # (the menu's query)
    chosen = request.GET.get("school")
    school = None
    if not is_bureau or chosen is not None:
        try:
            school = school_for(request.user, chosen)
        except BadRequest as error:
            return school_refused(request, error)
        except PermissionDenied:
            if chosen is None and not is_bureau:
                message = _("Only schools may look at approved providers.")
                raise PermissionDenied(message) from None
            raise
    organization = get_object_or_404(Organization.objects.select_related("county"), pk=pk)
    approvals = list(selectors.approvals_valid_now().filter(organization=organization)
                     .prefetch_related("categories"))
    if not is_bureau and not approvals:
        # a school following an older link (an engagement, a list) to a provider suspended,
        # revoked or lapsed since: the same answer as for a number never approved
        return render(request, "registry/error.html", {"errors": [_(
            "No provider under this number is approved now: its approval may have been "
            "suspended or revoked, or may have ended.")]}, status=404)
    offerings = list(organization.offerings.filter(is_active=True).select_related("category")
                     .order_by("pk"))
    in_force_somewhere = bool(approvals)
    approvals = selectors.provider_page_for_school(
        approvals=approvals, offerings=offerings, school=school)  # None: bureau staff
    return render(request, "registry/portal/profile.html", {
        "organization": organization, "approvals": approvals, "school": school,
        # approved elsewhere only: the school is told it is outside the approvals' area
        "elsewhere_only": in_force_somewhere and not approvals,
        "administered": bureaus_administered_by(request.user).select_related("jurisdiction"),
        "bureau_staff": is_bureau, "offerings": offerings,
    })
