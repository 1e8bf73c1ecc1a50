"""API of the after-approval work: the yearly record re-queries of a bureau."""

from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from registry import services
from registry.models import RecordRequery
from registry.roles import Role
from registry.selectors.core import objects_for_role

S = RecordRequery.Status
# What a list says of a re-query: waiting, late or done. Whether the query found a record is
# sensitive personal data (PIPL art. 28): "done" is said of both results, here as on the
# page; a record found is read where it is confirmed and re-checked (the record-hit queue).
LISTED = {S.OPEN: "open", S.OVERDUE: "overdue", S.DONE: "done", S.HIT: "done"}
LISTED_CHOICES = [("open", _("Waiting for the clerk")), ("overdue", _("Overdue")),
                  ("done", _("Recorded"))]


@extend_schema_field(serializers.ChoiceField(choices=LISTED_CHOICES))
class ListedStatusField(serializers.Field):
    def to_representation(self, value):
        return LISTED[value]


class RequerySerializer(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.name", read_only=True)
    status = ListedStatusField(read_only=True)

    class Meta:
        model = RecordRequery
        # no result: "done" whatever the query found (LISTED)
        fields = ["id", "bureau", "approval", "person", "person_name", "year", "opened_on",
                  "due_on", "status", "query_reference", "query_date", "done_at"]
        read_only_fields = fields


class RequeryRecordSerializer(serializers.Serializer):
    query_reference = serializers.CharField(max_length=64, allow_blank=True,
                                            help_text="The reference of the record query.")
    query_date = serializers.DateField(allow_null=True, help_text="When it was made.")
    result = serializers.ChoiceField(choices=["clear", "hit"])


class RequeryFilter(filters.FilterSet):
    """By the status a list says (LISTED): ``done`` finds both results; asking for the
    records found is a 400, as any choice not offered."""

    status = filters.ChoiceFilter(choices=LISTED_CHOICES, method="by_status")

    class Meta:
        model = RecordRequery
        fields = ["status", "bureau", "year"]

    def by_status(self, queryset, name, value):
        return queryset.filter(status__in=[s for s, said in LISTED.items() if said == value])


class RequeryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                     viewsets.GenericViewSet):
    """Yearly record re-queries (入职查询) of the bureaus where the caller is a clerk or an
    administrator; a clerk records each one."""

    serializer_class = RequerySerializer
    filterset_class = RequeryFilter
    queryset = RecordRequery.objects.none()  # for the schema; requests use get_queryset

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return RecordRequery.objects.none()
        user = self.request.user
        bureaus = (objects_for_role(user, Role.BUREAU_CLERK, "registry.bureau")
                   | objects_for_role(user, Role.BUREAU_ADMIN, "registry.bureau"))
        return (RecordRequery.objects.filter(bureau__in=bureaus.values("pk"))
                .select_related("person").order_by("due_on", "pk"))

    @extend_schema(request=RequeryRecordSerializer, responses=RequerySerializer)
    @action(detail=True, methods=["post"])
    def record(self, request, pk=None):
        """Record the re-query: reference, date and result. Without the person's consent to
        the yearly re-query, or for one already recorded, a 400 with the message; a
        bureau's administrator who is not its clerk, a 403."""
        requery = self.get_object()
        data = RequeryRecordSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        done = services.requery_record(actor=request.user, requery=requery,
                                       **data.validated_data)
        return Response(RequerySerializer(done).data)


__all__ = ["RequeryViewSet"]
