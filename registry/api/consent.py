"""Schools' invitations and people's consent, over the API.

A school invites (the answer never says whether the person exists); the person, in their
own account, accepts or declines, gives or withdraws consent to a bureau's query, and gives
or withdraws their separate consent to the registry holding their ID number."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from registry import selectors, services
from registry.models import (
    Bureau,
    Person,
    PersonalDataConsent,
    RecordQueryConsent,
    SchoolInvitation,
)
from registry.requests import (
    request_address,
    school_for,
    schools_of,
)


class InvitationSerializer(serializers.ModelSerializer):
    """An invitation as the school typed it (name, masked number); the person it reached
    only once they answered, or to the person themself: until then one that reached a
    registered person reads exactly as one that reached nobody."""

    school_name = serializers.CharField(source="school.name", read_only=True)
    person = serializers.SerializerMethodField()
    person_name = serializers.SerializerMethodField()
    status_name = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = SchoolInvitation
        fields = ["id", "school", "school_name", "invited_name", "masked_id_number", "person",
                  "person_name", "status", "status_name", "created_at", "answered_at",
                  "withdrawn_at"]

    def _shown(self, invitation) -> Person | None:
        request = self.context.get("request")
        person = invitation.person
        if person is None:
            return None
        if invitation.answered_by_person or (
                request is not None and person.user_id == request.user.pk):
            return person
        return None

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_person(self, invitation) -> int | None:
        person = self._shown(invitation)
        return person.pk if person else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_person_name(self, invitation) -> str | None:
        person = self._shown(invitation)
        return person.name if person else None


class InviteSerializer(serializers.Serializer):
    school = serializers.IntegerField(required=False, allow_null=True)
    id_number = serializers.CharField(max_length=32)
    name = serializers.CharField(max_length=64)


class InvitationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """A school's invitations, or the person's own; invite, accept, decline, withdraw."""

    serializer_class = InvitationSerializer
    queryset = SchoolInvitation.objects.none()  # for the schema; requests use get_queryset

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return SchoolInvitation.objects.none()
        user = self.request.user
        person = selectors.person_of_user(user)
        mine = selectors.invitations_for_person(person) if person else \
            SchoolInvitation.objects.none()
        schools = selectors.invitations_of_schools(schools_of(user).values_list("pk", flat=True))
        return (mine | schools).select_related("school", "person").order_by("-created_at",
                                                                            "-pk")

    @extend_schema(request=InviteSerializer, responses={202: None})
    def create(self, request):
        payload = InviteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        v = payload.validated_data
        school = school_for(request.user, v.get("school"))
        services.school_invite(actor=request.user, school=school,
                               id_number=v["id_number"], name=v["name"])
        # The same answer whether a person matched or not.
        return Response({"detail": _("If a registered person with this name and ID number "
                                     "has an account, they will find the invitation there.")},
                        status=status.HTTP_202_ACCEPTED)

    def _invitation(self, pk, *, own: bool = False):
        """One of the listed invitations; ``own``: only one that reached the person asking
        (only they answer it; one that reached nobody is nobody's to answer)."""
        if own:
            person = selectors.person_of_user(self.request.user)
            if person is None:
                raise Http404
            return get_object_or_404(selectors.invitations_for_person(person), pk=pk)
        return get_object_or_404(self.get_queryset(), pk=pk)

    @extend_schema(request=None, responses={200: InvitationSerializer})
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        invitation = services.invitation_answer(actor=request.user,
                                                invitation=self._invitation(pk, own=True),
                                                accept=True,
                                                address=request_address(request))
        return Response(self.get_serializer(invitation).data)

    @extend_schema(request=None, responses={200: InvitationSerializer})
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        invitation = services.invitation_answer(actor=request.user,
                                                invitation=self._invitation(pk, own=True),
                                                accept=False,
                                                address=request_address(request))
        return Response(self.get_serializer(invitation).data)

    @extend_schema(request=None, responses={200: InvitationSerializer})
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        invitation = services.invitation_withdraw(actor=request.user,
                                                  invitation=self._invitation(pk))
        return Response(self.get_serializer(invitation).data)


class ConsentSerializer(serializers.ModelSerializer):
    bureau_name = serializers.CharField(source="bureau.name", read_only=True)
    purpose_name = serializers.CharField(source="get_purpose_display", read_only=True)

    class Meta:
        model = RecordQueryConsent
        fields = ["id", "bureau", "bureau_name", "purpose", "purpose_name", "given_at",
                  "withdrawn_at"]
        read_only_fields = ["given_at", "withdrawn_at"]


class GiveConsentSerializer(serializers.Serializer):
    bureau = serializers.PrimaryKeyRelatedField(queryset=Bureau.objects.all())
    purpose = serializers.ChoiceField(choices=RecordQueryConsent.Purpose.choices,
                                      default=RecordQueryConsent.Purpose.VETTING)


class ConsentViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The signed-in person's own consents to bureaus' record queries."""

    serializer_class = ConsentSerializer
    queryset = RecordQueryConsent.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return RecordQueryConsent.objects.none()
        person = selectors.person_of_user(self.request.user)
        return selectors.consents_of(person) if person else RecordQueryConsent.objects.none()

    @extend_schema(request=GiveConsentSerializer, responses={201: ConsentSerializer})
    def create(self, request):
        payload = GiveConsentSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        person = selectors.person_of_user(request.user)
        if person is None:
            raise ValidationError(_("Only a registered person, signed in to their own account, "
                                    "may consent."))
        consent = services.consent_give(actor=request.user, person=person,
                                        bureau=payload.validated_data["bureau"],
                                        purpose=payload.validated_data["purpose"],
                                        address=request_address(request))
        return Response(ConsentSerializer(consent).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: ConsentSerializer})
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        consent = services.consent_withdraw(actor=request.user,
                                            consent=get_object_or_404(self.get_queryset(), pk=pk))
        return Response(ConsentSerializer(consent).data)


class DataConsentSerializer(serializers.ModelSerializer):
    kind_name = serializers.CharField(source="get_kind_display", read_only=True)
    organization_name = serializers.CharField(source="organization.name", read_only=True,
                                              default=None, allow_null=True)
    in_force = serializers.BooleanField(read_only=True)

    class Meta:
        model = PersonalDataConsent
        fields = ["id", "kind", "kind_name", "organization", "organization_name", "version",
                  "given_at", "withdrawn_at", "in_force"]
        read_only_fields = fields


class DataConsentWithdrawSerializer(serializers.Serializer):
    confirm = serializers.BooleanField(
        default=False, help_text="true: the person read what follows (GET on this address "
                                 "lists it) and withdraws their separate consent")


class DataConsentWithdrawalSerializer(serializers.Serializer):
    in_force = serializers.BooleanField()
    consequences = serializers.ListField(child=serializers.CharField())
    confirm_label = serializers.CharField()


def _own_person(user) -> Person:
    person = selectors.person_of_user(user)
    if person is None:
        raise PermissionDenied(_("This is for a registered person, in their own account."))
    return person


class DataConsentViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The signed-in person's own separate consent (单独同意) to the registry holding their
    ID number: the rows on record (their own and their organization's attestation), give it
    (again), and withdraw it after reading what follows. Never anyone else's: the person is
    the one signed in."""

    serializer_class = DataConsentSerializer
    queryset = PersonalDataConsent.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return PersonalDataConsent.objects.none()
        person = selectors.person_of_user(self.request.user)
        if person is None:
            return PersonalDataConsent.objects.none()
        return (PersonalDataConsent.objects.filter(person=person)
                .select_related("organization").order_by("-given_at", "-pk"))

    @extend_schema(request=None, responses={201: DataConsentSerializer})
    def create(self, request):
        consent = services.personal_data_consent_give(
            actor=request.user, person=_own_person(request.user),
            address=request_address(request))
        return Response(DataConsentSerializer(consent).data, status=status.HTTP_201_CREATED)

    @extend_schema(methods=["GET"], request=None,
                   responses={200: DataConsentWithdrawalSerializer})
    @extend_schema(methods=["POST"], request=DataConsentWithdrawSerializer,
                   responses={200: DataConsentSerializer(many=True)})
    @action(detail=False, methods=["get", "post"])
    def withdraw(self, request):
        """GET: what follows a withdrawal, and whether a consent is in force to withdraw;
        POST ``{"confirm": true}``: withdraw it."""
        person = _own_person(request.user)
        if request.method == "GET":
            return Response({
                "in_force": selectors.data_consent_in_force(person) is not None,
                "consequences": [str(p) for p in PersonalDataConsent.WITHDRAWAL_CONSEQUENCES],
                "confirm_label": str(PersonalDataConsent.WITHDRAW_CONFIRM_LABEL)})
        payload = DataConsentWithdrawSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        if not payload.validated_data["confirm"]:
            raise ValidationError({"confirm": PersonalDataConsent.WITHDRAW_CONFIRM_REQUIRED},
                                  code="confirm_required")
        rows = services.personal_data_consent_withdraw(actor=request.user, person=person,
                                                       address=request_address(request))
        return Response(DataConsentSerializer(rows, many=True).data)
