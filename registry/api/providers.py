"""``/api/v1/organizations/``, ``/offerings/``, ``/people/``, ``/change-requests/`` and
``/organization-invitations/``: what the provider's pages do, through the same services.

A provider lists and edits only what it acts for. ``PATCH`` answers the object as it now
is and, when a reviewed fact was changed while an approval is open, the change request
that waits for a clerk (``change_request``); the published facts stay until then."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from registry import selectors, services
from registry.api.fields import ScopedPrimaryKeyRelatedField
from registry.models import (
    ChangeRequest,
    Jurisdiction,
    Offering,
    Organization,
    PermitPhoto,
    Person,
    PersonalDataConsent,
    ProviderInvitation,
    ServiceCategory,
)
from registry.models.providers import Weekday
from registry.requests import request_address
from registry.roles import Role
from registry.services.changes import EDITABLE_FIELDS


def _base_url(request) -> str:
    return request.build_absolute_uri("/")


def _organizations(user):
    """The organizations ``user`` acts for: the only ones a write may name (another's
    reads as a number nobody holds, ``registry.api.fields``)."""
    return selectors.objects_for_role(user, Role.PROVIDER, "registry.organization")


# --- change requests ------------------------------------------------------------------------

class ChangeRequestSerializer(serializers.ModelSerializer):
    target_type = serializers.CharField(source="target_type.model", read_only=True)
    status_name = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = ChangeRequest
        fields = ["id", "target_type", "target_id", "organization", "person", "changes",
                  "previous", "status", "status_name", "requested_at", "reviewed_at",
                  "reason"]
        read_only_fields = fields


class ReviewSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000,
                                   help_text="Required to reject; the provider reads it.")


class ChangeRequestViewSet(viewsets.ReadOnlyModelViewSet):
    """Change requests of the providers the caller acts for, or, for a bureau clerk, of the
    providers the bureau approved. A clerk approves or rejects."""

    serializer_class = ChangeRequestSerializer
    queryset = ChangeRequest.objects.none()  # for the schema

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ChangeRequest.objects.none()
        return selectors.change_requests_for(self.request.user)

    def _review(self, request, approve: bool):
        payload = ReviewSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        change = services.change_request_review(actor=request.user,
                          change_request=self.get_object(), approve=approve,
                          reason=payload.validated_data.get("reason", ""))
        return Response(ChangeRequestSerializer(change).data)

    @extend_schema(request=ReviewSerializer, responses={200: ChangeRequestSerializer})
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """The new values take effect (checked again)."""
        return self._review(request, True)

    @extend_schema(request=ReviewSerializer, responses={200: ChangeRequestSerializer},
                   examples=[OpenApiExample("reject", value={"reason": "收费高于指导价"},
                                            request_only=True)])
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        """Nothing changes; the reason is recorded and shown to the provider."""
        return self._review(request, False)


def _edited(request, target, serializer_class, fields):
    payload = serializer_class(data=request.data, partial=True, context={"request": request})
    payload.is_valid(raise_exception=True)
    data = dict(payload.validated_data)
    if "weekday_list" in data:  # the offering's days, given as ISO weekday numbers
        data["weekdays"] = Weekday.mask(data.pop("weekday_list"))
    changes = {k: v for k, v in data.items() if k in fields}
    target, change = services.provider_edit(actor=request.user, target=target,
                              changes=changes)
    return Response({**serializer_class(target).data,
                     "change_request": ChangeRequestSerializer(change).data if change else None})


# --- organizations --------------------------------------------------------------------------

class OrganizationSerializer(serializers.ModelSerializer):
    county = serializers.SlugRelatedField(
        slug_field="code", queryset=Jurisdiction.objects.filter(level="county"),
        help_text="The code of the registered county or district, e.g. 360102.")

    class Meta:
        model = Organization
        fields = ["id", "name", "uscc", "provider_kind", "registration_kind",
                  "legal_representative", "county", "address", "contact_name",
                  "contact_phone", "contact_email", "created_at"]
        read_only_fields = ["id", "created_at"]
        # the service checks the code and answers a duplicate with how to join
        extra_kwargs = {"uscc": {"validators": []}}


ORGANIZATION_EXAMPLE = OpenApiExample("a public venue", request_only=True, value={
    "name": "南昌市青少年宫", "uscc": "12360102000007771C", "provider_kind": "public_venue",
    "registration_kind": "public_institution", "legal_representative": "赵六",
    "county": "360102", "address": "南昌市东湖区八一大道1号", "contact_name": "钱七",
    "contact_phone": "0791-86000000"})


class InvitationCreateSerializer(serializers.Serializer):
    email = serializers.EmailField()
    person = serializers.IntegerField(required=False, allow_null=True,
                                      help_text="A person of the roster, to claim their "
                                                "record; empty: a colleague.")


class ProviderInvitationSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProviderInvitation
        fields = ["id", "organization", "person", "email", "created_at", "expires_at",
                  "accepted_at"]
        read_only_fields = fields


class OrganizationViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin,
                          viewsets.ReadOnlyModelViewSet):
    """The organizations the caller acts for. ``POST`` registers one (the caller becomes
    its administrator); ``PATCH`` edits it."""

    serializer_class = OrganizationSerializer
    queryset = Organization.objects.none()
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Organization.objects.none()
        return (selectors.objects_for_role(self.request.user, Role.PROVIDER,
                                           "registry.organization")
                .select_related("county").order_by("name", "pk"))

    @extend_schema(examples=[ORGANIZATION_EXAMPLE])
    def create(self, request):
        payload = OrganizationSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        organization = services.organization_register(actor=request.user,
                                **payload.validated_data)
        return Response(OrganizationSerializer(organization).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: OrganizationSerializer},
                   examples=[OpenApiExample("a new address", request_only=True,
                                            value={"address": "南昌市东湖区新址2号"})])
    def partial_update(self, request, pk=None):
        return _edited(request, self.get_object(), OrganizationSerializer,
                       set(EDITABLE_FIELDS[Organization]))

    @extend_schema(request=InvitationCreateSerializer,
                   responses={201: ProviderInvitationSerializer},
                   examples=[OpenApiExample("a colleague", request_only=True,
                                            value={"email": "colleague@example.cn"})])
    @action(detail=True, methods=["post"])
    def invitations(self, request, pk=None):
        """The administrator invites a colleague, or a person of the roster to claim their
        record; the worker emails the link."""
        organization = self.get_object()
        payload = InvitationCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        person_id = payload.validated_data.get("person")
        person = (get_object_or_404(organization.people.all(), pk=person_id)
                  if person_id else None)
        invitation = services.provider_invitation_create(actor=request.user,
                              organization=organization,
                              email=payload.validated_data["email"], person=person,
                              base_url=_base_url(request))
        return Response(ProviderInvitationSerializer(invitation).data,
                        status=status.HTTP_201_CREATED)


class AcceptSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=500, help_text="The token at the end of the "
                                                            "emailed link.")


class ProviderInvitationViewSet(viewsets.GenericViewSet):
    """Accept an organization's invitation, signed in with the address invited."""

    serializer_class = AcceptSerializer
    queryset = ProviderInvitation.objects.none()

    @extend_schema(request=AcceptSerializer, responses={200: ProviderInvitationSerializer})
    @action(detail=False, methods=["post"])
    def accept(self, request):
        payload = AcceptSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        invitation = services.provider_invitation_accept(actor=request.user,
                              token=payload.validated_data["token"])
        return Response(ProviderInvitationSerializer(invitation).data)


# --- offerings ----------------------------------------------------------------------------------

class OfferingSerializer(serializers.ModelSerializer):
    organization = ScopedPrimaryKeyRelatedField(
        model=Organization, scope=_organizations,
        label=Offering._meta.get_field("organization").verbose_name)
    category = serializers.SlugRelatedField(
        slug_field="code", queryset=ServiceCategory.objects.filter(is_active=True))
    weekdays = serializers.ListField(
        source="weekday_list", child=serializers.IntegerField(min_value=1, max_value=7),
        min_length=1, help_text="ISO weekdays, 1 = Monday … 7 = Sunday.")

    class Meta:
        model = Offering
        fields = ["id", "organization", "category", "title", "description", "grade_min",
                  "grade_max", "fee_per_session", "capacity", "free_places_per_term",
                  "weekdays", "is_active"]
        read_only_fields = ["id"]


class OfferingViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin,
                      viewsets.ReadOnlyModelViewSet):
    """The offerings of the organizations the caller acts for."""

    serializer_class = OfferingSerializer
    queryset = Offering.objects.none()
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Offering.objects.none()
        organizations = selectors.objects_for_role(self.request.user, Role.PROVIDER,
                                                   "registry.organization")
        return (Offering.objects.filter(organization__in=organizations)
                .select_related("category").order_by("organization_id", "pk"))

    @extend_schema(examples=[OpenApiExample("an offering", request_only=True, value={
        "organization": 1, "category": "science", "title": "少儿天文观测",
        "description": "望远镜的使用与星空观察", "grade_min": 3, "grade_max": 6,
        "fee_per_session": "0.00", "capacity": 30, "weekdays": [2, 4]})])
    def create(self, request):
        payload = OfferingSerializer(data=request.data, context={"request": request})
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        organization = data.pop("organization")
        if not request.user.has_perm("registry.act_for_organization", organization):
            raise PermissionDenied(_("You do not act for this organization."))
        data["weekdays"] = Weekday.mask(data.pop("weekday_list"))
        data.pop("is_active", None)
        offering = services.offering_create(actor=request.user,
                            organization=organization, **data)
        return Response(OfferingSerializer(offering).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: OfferingSerializer})
    def partial_update(self, request, pk=None):
        return _edited(request, self.get_object(), OfferingSerializer,
                       set(EDITABLE_FIELDS[Offering]))


# --- people -------------------------------------------------------------------------------------

class PersonApprovalSerializer(serializers.Serializer):
    """What one of the person's approvals covers: where, until when, which categories and
    which grades (年级段; null: every grade, an approval made before grades were named)."""

    id = serializers.IntegerField()
    jurisdiction = serializers.CharField(source="jurisdiction.name")
    status = serializers.CharField()
    valid_until = serializers.DateField(allow_null=True)
    categories = serializers.SerializerMethodField()
    grade_min = serializers.IntegerField(allow_null=True)
    grade_max = serializers.IntegerField(allow_null=True)

    def get_categories(self, approval) -> list[str]:
        return [c.code for c in approval.categories.all()]


class PersonSerializer(serializers.ModelSerializer):
    id_number = serializers.CharField(write_only=True, max_length=32,
                                      help_text="18 characters; never shown back (only "
                                                "masked_id).")
    masked_id = serializers.CharField(read_only=True)
    approvals = PersonApprovalSerializer(many=True, read_only=True)
    organization = ScopedPrimaryKeyRelatedField(
        model=Organization, scope=_organizations, required=False, allow_null=True,
        label=Person._meta.get_field("organization").verbose_name)
    personal_data_consent = serializers.BooleanField(
        write_only=True, required=False,
        help_text="Registering oneself (no organization): true for the person's separate "
                  "consent (单独同意) to the registry holding their ID number and phone, "
                  "text version " + PersonalDataConsent.VERSION + "; without it nothing is "
                  "saved. Not asked when an organization adds its staff.")
    personal_data_consent_attested = serializers.BooleanField(
        write_only=True, required=False,
        help_text="Required, true, with an organization (adding a staff member): the "
                  "organization attests that it holds the person's signed separate consent "
                  "form (个人信息单独同意书) to the registry holding their ID number and phone, "
                  "text version " + PersonalDataConsent.VERSION + "; recorded with who, when "
                  "and from where. Without it a 400 and nothing is saved.")

    class Meta:
        model = Person
        fields = ["id", "name", "id_number", "masked_id", "kind", "qualification",
                  "organization", "phone", "email", "approvals", "personal_data_consent",
                  "personal_data_consent_attested"]
        read_only_fields = ["id", "masked_id", "approvals"]


class PermitPhotoSerializer(serializers.Serializer):
    consented = serializers.BooleanField(read_only=True)
    consent_given_at = serializers.DateTimeField(read_only=True, allow_null=True)
    shown = serializers.BooleanField(read_only=True, help_text="Shown at the gate: a photo is "
                                     "stored and the person's consent stands.")
    uploaded_at = serializers.DateTimeField(read_only=True, allow_null=True)
    sha256 = serializers.CharField(read_only=True)
    size = serializers.IntegerField(read_only=True)


class PermitPhotoUploadSerializer(serializers.Serializer):
    photo = serializers.FileField()
    consent = serializers.BooleanField(required=False, default=False)


class PermitPhotoConsentSerializer(serializers.Serializer):
    give = serializers.BooleanField()


class PersonViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin,
                    viewsets.ReadOnlyModelViewSet):
    """The caller's own person record and the people of the organizations they act for.
    ``POST`` with an ``organization`` adds to its staff roster; without one the caller
    registers themself as an individual."""

    serializer_class = PersonSerializer
    queryset = Person.objects.none()
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Person.objects.none()
        user = self.request.user
        organizations = selectors.objects_for_role(user, Role.PROVIDER,
                                                   "registry.organization")
        # One subquery, the UNION of the caller's own record and their organizations' staff:
        # ``user = … OR organization IN (…)`` made PostgreSQL test both for every person (a
        # sequential scan of the 1M people: 105-290 ms a call); the union finds each part
        # by its index.
        own = Person.objects.filter(user=user).order_by().values("pk")
        staff = Person.objects.filter(organization__in=organizations).order_by().values("pk")
        return (Person.objects.filter(pk__in=own.union(staff))
                .prefetch_related("approvals__jurisdiction", "approvals__categories")
                .order_by("name", "pk"))

    @extend_schema(examples=[OpenApiExample("a volunteer on their own", request_only=True,
                                            value={"name": "周九",
                                                   "id_number": "360102196005014274",
                                                   "kind": "volunteer",
                                                   "personal_data_consent": True}),
                             OpenApiExample("a staff member of the caller's organization",
                                            request_only=True,
                                            value={"organization": 1, "name": "钱七",
                                                   "id_number": "360102196005014274",
                                                   "kind": "professional",
                                                   "personal_data_consent_attested": True})])
    def create(self, request):
        payload = PersonSerializer(data=request.data, context={"request": request})
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        organization = data.pop("organization", None)
        consent = data.pop("personal_data_consent", False)
        attested = data.pop("personal_data_consent_attested", False)
        if organization is not None:
            if not request.user.has_perm("registry.act_for_organization", organization):
                raise PermissionDenied(_("You do not act for this organization."))
            person = services.staff_register(
                actor=request.user, organization=organization,
                personal_data_consent_attested=attested, address=request_address(request),
                **data)
        else:
            data.setdefault("email", request.user.email)
            person = services.individual_register(
                actor=request.user, personal_data_consent=consent,
                address=request_address(request), **data)
        return Response(PersonSerializer(person).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: PersonSerializer},
                   examples=[OpenApiExample(
                       "a new qualification (reviewed once approved)", request_only=True,
                       value={"qualification": "国家二级游泳教练"})])
    def partial_update(self, request, pk=None):
        """Edit a person. Once an approval is open, a change of name, kind or
        qualification (facts the approval rests on) waits in a change request for the
        bureau's clerk (``change_request`` in the answer); the rest applies at once."""
        return _edited(request, self.get_object(), PersonSerializer,
                       set(EDITABLE_FIELDS[Person]))



    @extend_schema(methods=["get"], responses=PermitPhotoSerializer)
    @extend_schema(methods=["post"], request={"multipart/form-data": PermitPhotoUploadSerializer},
                   responses={201: PermitPhotoSerializer})
    @action(detail=True, methods=["get", "post"], url_path="permit-photo",
            parser_classes=[MultiPartParser, FormParser])
    def permit_photo(self, request, pk=None):
        """The person's photo on their entry permits: whether they consent, whether one is
        stored. ``POST`` (multipart ``photo``, JPEG or PNG; ``consent`` when the person
        uploads their own): the person, or their organization's administrator while the
        person's consent stands. The image is re-encoded without EXIF."""
        person = self.get_object()
        if not services.may_manage_photo(request.user, person):
            raise PermissionDenied(_("Only the person or their organization's administrator "
                                     "may manage the photo."))
        if request.method == "GET":
            photo = getattr(person, "permit_photo", None)
            return Response(PermitPhotoSerializer(photo or PermitPhoto(person=person)).data)
        data = PermitPhotoUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        photo = services.permit_photo_upload(actor=request.user, person=person,
                                             file=data.validated_data["photo"],
                                             consent=data.validated_data.get("consent", False))
        return Response(PermitPhotoSerializer(photo).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=PermitPhotoConsentSerializer, responses=PermitPhotoSerializer)
    @action(detail=True, methods=["post"], url_path="permit-photo/consent")
    def permit_photo_consent(self, request, pk=None):
        """The person, in their own account, gives (``give: true``) or withdraws their
        consent to show their photo; withdrawing deletes the stored photo."""
        person = self.get_object()
        data = PermitPhotoConsentSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        photo = services.permit_photo_consent(actor=request.user, person=person,
                                              give=data.validated_data["give"])
        return Response(PermitPhotoSerializer(photo).data)
