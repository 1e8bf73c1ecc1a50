"""Published lists: public reads and exports; bureau administrators publish."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from registry import services
from registry.models import Publication
from registry.requests import bureau_for
from registry.views import EXPORT_TYPES, list_export


class PublicationSerializer(serializers.ModelSerializer):
    jurisdiction_code = serializers.CharField(source="jurisdiction.code", read_only=True)
    jurisdiction_name = serializers.CharField(source="jurisdiction.name", read_only=True)
    title = serializers.CharField(source="__str__", read_only=True)
    diff_counts = serializers.SerializerMethodField()

    class Meta:
        model = Publication
        fields = ["id", "title", "jurisdiction", "jurisdiction_code", "jurisdiction_name",
                  "year", "number", "published_on", "entry_count", "digest", "previous",
                  "diff_counts"]

    def get_diff_counts(self, obj) -> dict:
        if obj.previous_id is None:
            return {"added": obj.entry_count, "removed": 0, "changed": 0}
        return {k: len(obj.diff.get(k, [])) for k in ("added", "removed", "changed")}


class PublicationDetailSerializer(PublicationSerializer):
    class Meta(PublicationSerializer.Meta):
        fields = [*PublicationSerializer.Meta.fields, "diff"]


class PublishSerializer(serializers.Serializer):
    bureau = serializers.IntegerField()


class PublishPreviewSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    number = serializers.IntegerField()
    entries = serializers.IntegerField()
    diff = serializers.JSONField(help_text="added, removed, changed: lists of {key, name}; "
                                           "first: true when there is no earlier list")


class PublicationViewSet(viewsets.ReadOnlyModelViewSet):
    """Published lists of every jurisdiction (no login needed to read)."""

    permission_classes = [permissions.AllowAny]
    filterset_fields = ["jurisdiction", "year"]
    queryset = Publication.objects.select_related("jurisdiction").order_by("-published_at", "-pk")

    def get_serializer_class(self):
        if self.action == "retrieve":
            return PublicationDetailSerializer
        if self.action == "publish":
            return PublishSerializer
        return PublicationSerializer

    @extend_schema(request=PublishSerializer, responses=PublicationDetailSerializer)
    @action(detail=False, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def publish(self, request):
        """Publish the next numbered list of the bureau's jurisdiction."""
        data = PublishSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        bureau = bureau_for(request.user, data.validated_data["bureau"])
        publication = services.publication_publish(actor=request.user, bureau=bureau)
        return Response(PublicationDetailSerializer(publication).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(parameters=[OpenApiParameter("bureau", OpenApiTypes.INT, required=True)],
                   responses=PublishPreviewSerializer)
    @action(detail=False, methods=["get"], url_path="publish-preview",
            permission_classes=[permissions.IsAuthenticated])
    def publish_preview(self, request):
        """What publishing now would do (writes nothing): the list's number, how many
        entries, and the names added, removed and changed since the last list. Read it and
        confirm before ``publish``."""
        data = PublishSerializer(data=request.query_params)
        data.is_valid(raise_exception=True)
        bureau = bureau_for(request.user, data.validated_data["bureau"])
        preview = services.publication_preview(actor=request.user, bureau=bureau)
        return Response(PublishPreviewSerializer(preview).data)

    @extend_schema(responses={  # the canonical JSON is an object; the others are files
        (200, kind.split(";")[0]): OpenApiTypes.OBJECT if fmt == "json" else OpenApiTypes.BINARY
        for fmt, kind in EXPORT_TYPES.items()})
    @action(detail=True, methods=["get"], url_path=r"export/(?P<fmt>csv|json|xlsx)")
    def export(self, request, pk=None, fmt="json"):
        """The list as CSV, XLSX or canonical JSON (whose SHA-256 is ``digest``), streamed."""
        return list_export(request._request, pk=int(pk), fmt=fmt)
