"""API of the yearly review of the whole list (留库审查)."""

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from registry.models import Bureau
from workflows import selectors
from workflows.models import ListReview
from workflows.services import list_review


class ListReviewSerializer(serializers.ModelSerializer):
    progress = serializers.SerializerMethodField()

    class Meta:
        model = ListReview
        fields = ["id", "bureau", "year", "started_on", "due_on", "opened", "publication",
                  "progress"]
        read_only_fields = fields

    def get_progress(self, obj) -> dict:
        return list_review.list_review_progress(obj)


class StartSerializer(serializers.Serializer):
    bureau = serializers.IntegerField()


class ListReviewViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                        viewsets.GenericViewSet):
    """Yearly list reviews of the bureaus the caller administers, with their progress
    (done / open / overdue annual reviews)."""

    serializer_class = ListReviewSerializer
    queryset = ListReview.objects.none()  # for the schema; requests use get_queryset

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ListReview.objects.none()
        return ListReview.objects.filter(bureau_id__in=self._administered()).order_by(
            "-year", "-pk")

    def _administered(self) -> list[int]:
        return selectors._bureau_ids(self.request.user, ["registry.administer_bureau"])

    @extend_schema(request=StartSerializer, responses={201: ListReviewSerializer})
    def create(self, request):
        """Start this year's review: an annual review for every approval in force."""
        payload = StartSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        # a bureau the caller does not administer is not found, as a number nobody holds
        bureau = Bureau.objects.filter(pk=payload.validated_data["bureau"],
                                       pk__in=self._administered()).first()
        if bureau is None:
            raise exceptions.NotFound()
        review = list_review.list_review_start(actor=request.user, bureau=bureau)
        return Response(ListReviewSerializer(review).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=ListReviewSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        """Publish the next list version once every annual review is decided (else 400)."""
        review = self.get_object()
        list_review.list_review_publish(actor=request.user, review=review)
        return Response(ListReviewSerializer(ListReview.objects.get(pk=review.pk)).data)
