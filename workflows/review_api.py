"""API of the review cases: read a case; the provider answers, asks for 复核 and
evidences a rectification; bureau staff open one by hand or on a complaint. The bureau's
own steps are tasks (``/api/v1/tasks/{id}/act/``)."""

from django.http import FileResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from registry import services as registry_services
from registry.models import Organization, Person
from workflows import selectors
from workflows.models import ReviewCaseEvidence, ReviewCaseProcess
from workflows.services import review_cases, review_evidence, review_rectification


def _evidence_files():
    return serializers.ListField(
        child=serializers.FileField(), required=False, default=list,
        max_length=review_evidence.EVIDENCE_MAX_FILES,
        help_text="Evidence files (multipart; PDF, JPEG or PNG), checked like documents.")


class RespondSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=10000, allow_blank=True)
    evidence = serializers.CharField(max_length=10000, allow_blank=True, required=False,
                                     default="")
    evidence_files = _evidence_files()


class ReexaminationSerializer(serializers.Serializer):
    statement = serializers.CharField(max_length=10000, allow_blank=True)


class RectificationSerializer(serializers.Serializer):
    evidence = serializers.CharField(max_length=10000, allow_blank=True, required=False,
                                     default="")
    evidence_files = _evidence_files()


class EvidenceFileSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = ReviewCaseEvidence
        fields = ["id", "step", "original_name", "size", "sha256", "content_type",
                  "uploaded_at", "url"]
        read_only_fields = fields

    def get_url(self, obj) -> str:
        return reverse("review-case-evidence", args=[obj.case_id, obj.pk])


class ReviewCaseSerializer(serializers.ModelSerializer):
    provider_name = serializers.SerializerMethodField()
    evidence_files = serializers.SerializerMethodField()
    # Blank until the step that fills them: declared so that the schema admits "" (DRF drops
    # allow_blank from read-only model fields, and the schema then refused real answers).
    intended_action = serializers.ChoiceField(choices=ReviewCaseProcess.Action.choices,
                                              allow_blank=True, read_only=True)
    decision = serializers.ChoiceField(choices=ReviewCaseProcess.Action.choices,
                                       allow_blank=True, read_only=True)
    reexamination_outcome = serializers.ChoiceField(
        choices=ReviewCaseProcess.Reexamination.choices, allow_blank=True, read_only=True)

    class Meta:
        model = ReviewCaseProcess
        fields = ["id", "bureau", "organization", "person", "provider_name", "trigger",
                  "stage", "intended_action", "notice_reasons", "notice_sent_at",
                  "response_due", "response_text", "response_evidence", "responded_at",
                  "decision", "decision_reason", "decided_at", "rectification_requirements",
                  "rectification_due", "rectification_evidence", "rectification_submitted_at",
                  "rectification_accepted", "reexamination_due", "reexamination_statement",
                  "reexamination_requested_at", "reexamination_outcome",
                  "reexamination_reason", "evidence_files", "created"]
        read_only_fields = fields

    def get_provider_name(self, obj) -> str:
        return obj.subject.name

    @extend_schema_field(EvidenceFileSerializer(many=True))
    def get_evidence_files(self, obj):
        # prefetched for lists (get_queryset); the model orders them by case and pk
        return EvidenceFileSerializer(obj.evidence_files.all(), many=True).data


class OpenSerializer(serializers.Serializer):
    bureau = serializers.IntegerField()
    organization = serializers.IntegerField(required=False, allow_null=True)
    person = serializers.IntegerField(required=False, allow_null=True)
    trigger = serializers.ChoiceField(choices=[ReviewCaseProcess.Trigger.MANUAL,
                                               ReviewCaseProcess.Trigger.COMPLAINT])
    summary = serializers.CharField(max_length=10000, allow_blank=True)


class ReviewCaseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                        viewsets.GenericViewSet):
    """Review cases the caller may see: its own as a provider, its bureaus' as staff."""

    serializer_class = ReviewCaseSerializer
    filterset_fields = ["stage", "bureau"]
    queryset = ReviewCaseProcess.objects.none()  # for the schema; requests use get_queryset

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ReviewCaseProcess.objects.none()
        return (selectors.review_cases_for(self.request.user)
                .prefetch_related("evidence_files").order_by("-pk"))

    def _step(self, request, serializer_class, service):
        case = self.get_object()
        payload = serializer_class(data=request.data)
        payload.is_valid(raise_exception=True)
        service(actor=request.user, case=case, **payload.validated_data)
        return Response(ReviewCaseSerializer(ReviewCaseProcess.objects.get(pk=case.pk)).data)

    @extend_schema(request=RespondSerializer, responses=ReviewCaseSerializer)
    @action(detail=True, methods=["post"])
    def respond(self, request, pk=None):
        """The provider's answer to the notice (陈述申辩), by its due date; late: 400."""
        return self._step(request, RespondSerializer, review_cases.review_case_respond)

    @extend_schema(request=ReexaminationSerializer, responses=ReviewCaseSerializer)
    @action(detail=True, methods=["post"])
    def reexamination(self, request, pk=None):
        """Ask once for a re-examination (复核); a second request or a late one: 400."""
        return self._step(request, ReexaminationSerializer,
                          review_cases.review_case_reexamination_request)

    @extend_schema(request=RectificationSerializer, responses=ReviewCaseSerializer)
    @action(detail=True, methods=["post"])
    def rectification(self, request, pk=None):
        """Evidence of the rectification (整改), by its deadline."""
        return self._step(request, RectificationSerializer,
                          review_rectification.review_case_rectification_submit)

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY},
                   parameters=[OpenApiParameter("evidence_pk", int, OpenApiParameter.PATH,
                                                description="The evidence file's id.")])
    @action(detail=True, methods=["get"], url_path=r"evidence/(?P<evidence_pk>[0-9]+)",
            url_name="evidence")
    def evidence(self, request, pk=None, evidence_pk=None):
        """An evidence file of the case: the provider concerned and the case's bureau staff."""
        case = self.get_object()
        evidence = ReviewCaseEvidence.objects.filter(case=case, pk=evidence_pk).first()
        if evidence is None:
            raise exceptions.NotFound()
        file = review_evidence.review_case_evidence_open(actor=request.user, evidence=evidence,
                                                         via="api")
        return FileResponse(file, as_attachment=True, filename=evidence.original_name,
                            content_type=evidence.content_type)

    @extend_schema(request=OpenSerializer, responses={201: ReviewCaseSerializer})
    def create(self, request):
        """Open a case by hand or on a complaint (bureau clerks and administrators). A
        bureau the caller does not staff, or a provider outside its reach, is not found
        (404), as a number nobody holds is: nothing to tell apart."""
        payload = OpenSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        bureau = selectors.bureaus_opening_for(request.user).filter(pk=data["bureau"]).first()
        organization = (Organization.objects.filter(pk=data["organization"]).first()
                        if data.get("organization") else None)
        person = (Person.objects.filter(pk=data["person"]).first()
                  if data.get("person") else None)
        if bureau is None or (data.get("organization") and organization is None) or (
                data.get("person") and person is None):
            raise exceptions.NotFound()
        # a provider outside the bureau's reach reads as a number nobody holds (both, or
        # neither: the service's 400 says so)
        if (organization is None) != (person is None) and not (
                registry_services.provider_within_reach(bureau=bureau,
                                                        organization=organization,
                                                        person=person)):
            raise exceptions.NotFound()
        case = review_cases.review_case_open(actor=request.user, bureau=bureau,
                     trigger=data["trigger"], organization=organization, person=person,
                     details={"summary": data["summary"]})
        return Response(ReviewCaseSerializer(case).data, status=status.HTTP_201_CREATED)
