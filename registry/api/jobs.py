"""Long operations in the worker (``BackgroundJob``): start one, follow its progress,
fetch its result. A job is seen by the user who started it and by its bureau's staff."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from registry import selectors, services
from registry.job_views import job_file_response, job_payload
from registry.models import BackgroundJob, Bureau


class JobSerializer(serializers.ModelSerializer):
    kind_name = serializers.CharField(source="get_kind_display", read_only=True)
    state_name = serializers.CharField(source="get_state_display", read_only=True)
    percent = serializers.IntegerField(read_only=True, allow_null=True,
                                       help_text="0–100; null while the total is not known")
    message = serializers.SerializerMethodField(help_text="How far it is, or why it failed, "
                                                          "in the user's language")
    result_url = serializers.CharField(read_only=True, help_text="The result's address once "
                                                                  "done (the list, the file)")

    class Meta:
        model = BackgroundJob
        fields = ["id", "kind", "kind_name", "bureau", "owner", "state", "state_name", "done",
                  "total", "percent", "message", "result_url", "result_label", "error",
                  "created_at", "finished_at"]
        read_only_fields = fields

    def get_message(self, obj) -> str:
        return str(job_payload(obj)["message"])


class JobStartSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=BackgroundJob.Kind.choices)
    bureau = serializers.IntegerField()
    publication = serializers.IntegerField(required=False,
                                           help_text="The list to export (kind=export)")
    format = serializers.ChoiceField(choices=["csv", "xlsx"], required=False,
                                     help_text="The export's format (kind=export)")


class JobViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Background jobs: publishing a list, exporting a large list, starting the yearly
    review of the list. ``POST`` starts one (202) and the worker runs it; poll the job until
    ``state`` is ``done`` (``result_url`` links the result) or ``failed`` (``error`` says
    why)."""

    serializer_class = JobSerializer
    queryset = BackgroundJob.objects.none()  # for the schema; requests use get_queryset

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return BackgroundJob.objects.none()
        return selectors.jobs_visible_to(self.request.user)

    @extend_schema(request=JobStartSerializer, responses={202: JobSerializer})
    def create(self, request):
        """Start a job; the answer is the queued job."""
        payload = JobStartSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        # a bureau the caller does not staff is not found, as a number nobody holds
        bureau = Bureau.objects.filter(pk=data["bureau"],
                                       pk__in=selectors.staffed_bureau_ids(request.user)).first()
        if bureau is None:
            raise exceptions.NotFound()
        params = ({"publication": data.get("publication"), "format": data.get("format")}
                  if data["kind"] == BackgroundJob.Kind.EXPORT else {})
        job = services.job_start(actor=request.user, kind=data["kind"], bureau=bureau,
                                 params=params)
        return Response(JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        """The file of a done export job (404 for any other job)."""
        return job_file_response(self.get_object())
