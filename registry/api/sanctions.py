"""Sanctions and review requests for bureau administrators."""

from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from registry import selectors, services
from registry.forms import BlacklistProposalForm, RecheckDecideForm, RecheckForm, SanctionForm
from registry.models import (
    Approval,
    BlacklistProposal,
    Organization,
    Person,
    RecheckRequest,
    ReviewRequest,
    SanctionEvidence,
)
from registry.requests import (
    api_form_data,
    bureau_for,
    bureaus_administered_by,
)


class SanctionSerializer(serializers.Serializer):
    bureau = serializers.IntegerField(help_text="A bureau the caller administers.")
    action = serializers.ChoiceField(choices=["suspend", "reinstate", "revoke"])
    organization = serializers.IntegerField(required=False)
    person = serializers.IntegerField(required=False)
    reason = serializers.CharField()


class SanctionView(APIView):
    """Suspend, reinstate or revoke a provider's approvals issued in the bureau's
    jurisdiction or below it (a blacklisting is proposed: ``blacklist-proposals``)."""

    @extend_schema(request=SanctionSerializer, responses={201: None})
    def post(self, request):
        data = api_form_data(request)
        bureau = bureau_for(request.user, data.get("bureau"))
        form = SanctionForm(data, ask_confirmation=False, bureau=bureau)
        if not form.is_valid():
            raise DRFValidationError(form.errors.get_json_data())
        data = form.cleaned_data
        organization = (get_object_or_404(Organization, pk=data["organization"])
                        if data.get("organization") else None)
        person = get_object_or_404(Person, pk=data["person"]) if data.get("person") else None
        result = services.provider_sanction(
            actor=request.user, bureau=bureau, action=data["action"], reason=data["reason"],
            years=data.get("years"), organization=organization, person=person,
        )
        # a reinstated approval another cause still holds stays suspended: held_by says
        # which (registry.models.ApprovalHold.Cause, or "blacklist")
        body = {"approvals": [
            {"id": a.pk, "status": a.status,
             **({"held_by": services.approval_held_by(a)}
                if a.status == Approval.Status.SUSPENDED else {})} for a in result]}
        return Response(body, status=status.HTTP_201_CREATED)


class ReviewRequestSerializer(serializers.ModelSerializer):
    provider_name = serializers.SerializerMethodField()

    class Meta:
        model = ReviewRequest
        fields = ["id", "bureau", "organization", "person", "provider_name", "trigger",
                  "details", "status", "created_at"]

    def get_provider_name(self, obj) -> str:
        return obj.organization.name if obj.organization_id else obj.person.name


class ReviewRequestCloseSerializer(serializers.Serializer):
    # blank passes here so that an empty reason gets the service's message, as on the page
    reason = serializers.CharField(
        max_length=4000, allow_blank=True,
        help_text="Why the bureau closes it (required, not blank); recorded in the audit trail.")


class ReviewRequestViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                           viewsets.GenericViewSet):
    """Review requests (复核任务) of the bureaus the caller administers."""

    serializer_class = ReviewRequestSerializer
    filterset_fields = ["status", "bureau"]

    def get_queryset(self):
        return selectors.review_requests_for_bureaus(
            bureaus_administered_by(self.request.user).values_list("pk", flat=True))

    @extend_schema(request=ReviewRequestCloseSerializer, responses=ReviewRequestSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """Close an open review request with a reason (recorded in the audit trail). Another
        bureau's request is not found (404); an empty reason or a request already closed is
        a 400 with the message."""
        # only the caller's bureaus' requests are in the queryset: another's is a 404
        review_request = self.get_object()
        data = ReviewRequestCloseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        closed = services.review_request_close(actor=request.user,
                                               review_request=review_request,
                                               reason=data.validated_data["reason"])
        return Response(ReviewRequestSerializer(closed).data)


# --- blacklist proposals (four eyes) and re-checks (复查) ----------------------------------

class EvidenceSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = SanctionEvidence
        fields = ["id", "filename", "content_type", "size", "uploaded_at", "url"]

    def get_url(self, obj) -> str:
        return reverse("registry:sanction-evidence", args=[obj.pk])


class BlacklistProposalSerializer(serializers.ModelSerializer):
    provider_name = serializers.SerializerMethodField()
    deciding_bureau = serializers.SerializerMethodField()
    evidence = EvidenceSerializer(many=True, read_only=True)
    recheck = serializers.SerializerMethodField()

    class Meta:
        model = BlacklistProposal
        fields = ["id", "kind", "status", "bureau", "deciding_bureau", "organization",
                  "person", "provider_name", "reason", "years", "evidence_references",
                  "evidence", "proposed_by", "proposed_at", "decided_by", "decided_at",
                  "decision_reason", "recheck"]

    def get_provider_name(self, obj) -> str:
        return obj.organization.name if obj.organization_id else str(obj.person)

    def get_deciding_bureau(self, obj) -> int:
        return obj.deciding_bureau_id  # annotated by the selector

    def get_recheck(self, obj) -> int | None:
        recheck = getattr(obj, "recheck", None)
        return recheck.pk if recheck else None


class BlacklistProposeSerializer(serializers.Serializer):
    """For the schema: the form (``registry.forms.BlacklistProposalForm``) reads it."""

    bureau = serializers.IntegerField(help_text="The bureau the caller administers and "
                                      "proposes for.")
    organization = serializers.IntegerField(required=False)
    person = serializers.IntegerField(required=False)
    reason = serializers.CharField()
    years = serializers.IntegerField(min_value=1, max_value=20)
    evidence_references = serializers.CharField(required=False, allow_blank=True)
    evidence = serializers.ListField(child=serializers.FileField(), required=False,
                                     help_text="PDF, JPEG or PNG files (multipart).")


class DecisionSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True, max_length=4000, required=False,
                                   help_text="Required to refuse; recorded in the audit trail.")


class BlacklistProposalViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                               viewsets.GenericViewSet):
    """Blacklist proposals: a county or city administrator proposes one for a provider
    within reach (with reasons and evidence); an administrator of the provincial bureau
    other than the proposer confirms or refuses it. Record hits (入职查询) wait here too,
    for an administrator of the case's bureau other than the clerk who recorded them.
    Others see none."""

    serializer_class = BlacklistProposalSerializer
    filterset_fields = ["status", "kind", "bureau"]
    parser_classes = [JSONParser, FormParser, MultiPartParser]
    queryset = BlacklistProposal.objects.none()  # for the schema; requests use get_queryset

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return BlacklistProposal.objects.none()
        return selectors.blacklist_proposals_for(self.request.user)

    @extend_schema(request={"multipart/form-data": BlacklistProposeSerializer,
                            "application/json": BlacklistProposeSerializer},
                   responses={201: BlacklistProposalSerializer})
    def create(self, request):
        """Propose a blacklisting; nobody is barred until it is confirmed. A provider
        outside the bureau's reach is not found (404), as a number nobody holds is."""
        data = api_form_data(request)
        bureau = bureau_for(request.user, data.get("bureau"))
        form = BlacklistProposalForm(data, request.FILES)
        if not form.is_valid():
            raise DRFValidationError(form.errors.get_json_data())
        subject = form.service_kwargs()  # an unknown number: a 404
        if not services.provider_within_reach(bureau=bureau, organization=subject["organization"],
                                              person=subject["person"]):
            raise NotFound()  # so is one outside the bureau's reach: nothing to tell apart
        proposal = services.blacklist_propose(actor=request.user, bureau=bureau, **subject)
        return Response(self.get_serializer(
            selectors.blacklist_proposals_for(request.user).get(pk=proposal.pk)).data,
            status=status.HTTP_201_CREATED)

    @extend_schema(request=DecisionSerializer, responses=BlacklistProposalSerializer)
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        """Confirm: the provider is blacklisted now. 403 for the proposer and for anyone
        but the deciding bureau's administrators; 400 once decided."""
        proposal = self.get_object()
        data = DecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.blacklist_confirm(actor=request.user, proposal=proposal,
                                   reason=data.validated_data.get("reason", ""))
        return Response(self.get_serializer(self.get_queryset().get(pk=proposal.pk)).data)

    @extend_schema(request=DecisionSerializer, responses=BlacklistProposalSerializer)
    @action(detail=True, methods=["post"])
    def refuse(self, request, pk=None):
        """Refuse, with a reason: nobody is barred."""
        proposal = self.get_object()
        data = DecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.blacklist_refuse(actor=request.user, proposal=proposal,
                                  reason=data.validated_data.get("reason", ""))
        return Response(self.get_serializer(self.get_queryset().get(pk=proposal.pk)).data)


class RecheckSerializer(serializers.ModelSerializer):
    evidence = EvidenceSerializer(many=True, read_only=True)
    person = serializers.SerializerMethodField()
    reason = serializers.CharField(source="proposal.reason", read_only=True)
    bureau = serializers.IntegerField(source="proposal.bureau_id", read_only=True)

    class Meta:
        model = RecheckRequest
        fields = ["id", "proposal", "bureau", "person", "reason", "statement", "evidence",
                  "status", "requested_at", "decided_at", "decision_reason"]

    def get_person(self, obj) -> str:
        return str(obj.proposal.person)


class MySanctionSerializer(serializers.ModelSerializer):
    """What the person sees of a record hit about them, with its reason."""

    bureau_name = serializers.CharField(source="bureau.name", read_only=True)
    barred = serializers.SerializerMethodField()
    recheck = serializers.SerializerMethodField()

    class Meta:
        model = BlacklistProposal
        fields = ["id", "status", "bureau", "bureau_name", "reason", "proposed_at",
                  "decided_at", "decision_reason", "barred", "recheck"]

    def get_barred(self, obj) -> bool:
        entry = getattr(obj, "blacklisting", None)
        return bool(entry and entry.lifted_at is None)

    def get_recheck(self, obj) -> dict | None:
        recheck = getattr(obj, "recheck", None)
        if recheck is None:
            return None
        return {"id": recheck.pk, "status": recheck.status,
                "requested_at": recheck.requested_at, "decided_at": recheck.decided_at,
                "decision_reason": recheck.decision_reason}


class RecheckRequestSerializer(serializers.Serializer):
    statement = serializers.CharField(help_text="Why the record should be checked again.")
    evidence = serializers.ListField(child=serializers.FileField(), required=False,
                                     help_text="PDF, JPEG or PNG files (multipart).")


class MySanctionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                        viewsets.GenericViewSet):
    """Record hits about the caller (their own person record): the reason, the state, and
    a re-check (复查) they may ask for once."""

    serializer_class = MySanctionSerializer
    parser_classes = [JSONParser, FormParser, MultiPartParser]
    queryset = BlacklistProposal.objects.none()  # for the schema; requests use get_queryset

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return BlacklistProposal.objects.none()
        return selectors.sanctions_of_person(self.request.user)

    @extend_schema(request={"multipart/form-data": RecheckRequestSerializer,
                            "application/json": RecheckRequestSerializer},
                   responses={201: RecheckSerializer})
    @action(detail=True, methods=["post"])
    def recheck(self, request, pk=None):
        """Ask for a re-check, with a statement and evidence files; once (a second
        request is a 400)."""
        proposal = self.get_object()
        form = RecheckForm(api_form_data(request), request.FILES)
        if not form.is_valid():
            raise DRFValidationError(form.errors.get_json_data())
        recheck = services.recheck_request(actor=request.user, proposal=proposal,
                                           statement=form.cleaned_data["statement"],
                                           evidence_files=request.FILES.getlist("evidence"))
        return Response(RecheckSerializer(recheck).data, status=status.HTTP_201_CREATED)


class RecheckDecideSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=["upheld", "lifted"])
    reason = serializers.CharField(allow_blank=True, max_length=4000)


class RecheckViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                     viewsets.GenericViewSet):
    """Re-check requests (复查) of the bureaus where the caller is a clerk or an
    administrator: the queue to decide from."""

    serializer_class = RecheckSerializer
    filterset_fields = ["status"]
    queryset = RecheckRequest.objects.none()  # for the schema; requests use get_queryset

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return RecheckRequest.objects.none()
        return selectors.rechecks_for(self.request.user)

    @extend_schema(request=RecheckDecideSerializer, responses=RecheckSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        """Uphold or lift, with a reason. Lifting drops the pending bar or ends the
        blacklisting. 403 for the clerk who recorded the hit and the administrator who
        confirmed it."""
        recheck = self.get_object()
        form = RecheckDecideForm(api_form_data(request))
        if not form.is_valid():
            raise DRFValidationError(form.errors.get_json_data())
        decided = services.recheck_decide(actor=request.user, recheck=recheck,
                                          **form.cleaned_data)
        return Response(RecheckSerializer(decided).data)
