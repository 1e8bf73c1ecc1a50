"""The policy screening rules, read-only: academic-subject signals, the categories
allowed in a jurisdiction and the fee references in force there (public data)."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, serializers
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from registry import selectors
from registry.models import AcademicSignal, Jurisdiction


class AcademicSignalSerializer(serializers.ModelSerializer):
    class Meta:
        model = AcademicSignal
        fields = ["id", "word", "explanation", "explanation_en"]


class AllowedCategorySerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    name_en = serializers.CharField()
    parent = serializers.CharField(source="parent.code", allow_null=True, default=None)


class AllowedCategoriesSerializer(serializers.Serializer):
    jurisdiction = serializers.CharField()
    list_kept_by = serializers.CharField(allow_null=True)
    categories = AllowedCategorySerializer(many=True)


class FeeReferenceSerializer(serializers.Serializer):
    category_code = serializers.CharField()
    category_name = serializers.CharField()
    reference_fee = serializers.DecimalField(max_digits=8, decimal_places=2)
    cap = serializers.DecimalField(max_digits=8, decimal_places=2)
    effective_from = serializers.DateField()
    jurisdiction = serializers.CharField(help_text="Where the reference is set (it may be "
                                                   "inherited from the city or province).")
    category = serializers.CharField(help_text="The category the reference is set for "
                                               "(the parent for a sub-item without one).")
    source = serializers.CharField()


def _jurisdiction(request) -> Jurisdiction:
    code = (request.query_params.get("jurisdiction") or "").strip()
    # a division code is ASCII letters and digits: anything else (a NUL, which PostgreSQL
    # cannot even compare) is asked for again
    if not code or not code.isascii() or not code.isalnum():
        raise DRFValidationError({"jurisdiction": [_("Give a jurisdiction by its division "
                                                     "code, e.g. 360102.")]})
    jurisdiction = (Jurisdiction.objects.select_related("parent__parent")
                    .filter(code=code[:12]).first())
    if jurisdiction is None:
        raise DRFValidationError({"jurisdiction": [_("No jurisdiction has the code "
                                                     "%(code)s.") % {"code": code[:12]}]})
    return jurisdiction


_JURISDICTION = OpenApiParameter("jurisdiction", str, required=True,
                                 description="division code, e.g. 360102")


class AcademicSignalView(APIView):
    """Words that flag an offering as possible subject tutoring, with why."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(responses=AcademicSignalSerializer(many=True))
    def get(self, request):
        return Response(AcademicSignalSerializer(selectors.academic_signals(), many=True).data)


class AllowedCategoriesView(APIView):
    """The non-academic categories allowed in a jurisdiction (its own list, or inherited)."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(parameters=[_JURISDICTION], responses=AllowedCategoriesSerializer)
    def get(self, request):
        jurisdiction = _jurisdiction(request)
        source = selectors.allowed_categories_source(jurisdiction=jurisdiction)
        categories = selectors.allowed_categories_for(jurisdiction=jurisdiction)
        return Response(AllowedCategoriesSerializer({
            "jurisdiction": jurisdiction.code,
            "list_kept_by": source.code if source else None,
            "categories": list(categories),
        }).data)


class FeeReferencesView(APIView):
    """The fee reference and cap in force today per category in a jurisdiction."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(parameters=[_JURISDICTION], responses=FeeReferenceSerializer(many=True))
    def get(self, request):
        rows = selectors.fee_references_in_force(jurisdiction=_jurisdiction(request))
        return Response(FeeReferenceSerializer(rows, many=True).data)
