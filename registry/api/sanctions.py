"""Sanctions and review requests for bureau administrators."""

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from registry import selectors, services
from registry.forms import SanctionForm
from registry.models import Organization, Person, ReviewRequest
from registry.requests import (
    api_call,
    api_form_data,
    api_invalid,
    bureau_for,
    bureaus_administered_by,
    error_messages,
)


class SanctionSerializer(serializers.Serializer):
    bureau = serializers.IntegerField()
    action = serializers.ChoiceField(choices=["suspend", "reinstate", "revoke", "blacklist"])
    organization = serializers.IntegerField(required=False)
    person = serializers.IntegerField(required=False)
    reason = serializers.CharField()
    years = serializers.IntegerField(required=False)


class SanctionView(APIView):
    """Suspend, reinstate, revoke or blacklist a provider in the bureau's jurisdiction."""

    @extend_schema(request=SanctionSerializer, responses={201: None})
    def post(self, request):
        data = api_form_data(request)
        bureau = api_call(bureau_for, request.user, data.get("bureau"))
        form = SanctionForm(data)
        if not form.is_valid():
            raise DRFValidationError(form.errors.get_json_data())
        data = form.cleaned_data
        organization = (get_object_or_404(Organization, pk=data["organization"])
                        if data.get("organization") else None)
        person = get_object_or_404(Person, pk=data["person"]) if data.get("person") else None
        try:
            result = services.provider_sanction(
                actor=request.user, bureau=bureau, action=data["action"], reason=data["reason"],
                years=data.get("years"), organization=organization, person=person,
            )
        except ValidationError as error:
            raise DRFValidationError({"detail": error_messages(error)}) from None
        if isinstance(result, list):
            body = {"approvals": [{"id": a.pk, "status": a.status} for a in result]}
        else:
            body = {"blacklisting": result.pk, "until": result.ends_on.isoformat()}
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
        try:
            closed = services.review_request_close(actor=request.user,
                                                   review_request=review_request,
                                                   reason=data.validated_data["reason"])
        except ValidationError as error:
            raise api_invalid(error) from None
        return Response(ReviewRequestSerializer(closed).data)
