"""School search over the API: the same forms and selectors as the web page."""

from decimal import Decimal

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from registry import selectors
from registry.forms import PersonSearchForm, ProviderSearchForm, parse_only
from registry.requests import paginate, school_for

# The result serializers below declare their fields (the API schema, and DRF's generic
# representation) and also write each result directly in ``to_representation``: DRF's
# field-by-field path cost more Python than the page's queries (about 1.5 ms for a page
# of 20 organizations). tests/registry/test_search.py holds the two to the same output.
_CENTS = Decimal("0.01")


def _money(value: Decimal | None) -> str | None:
    """What ``DecimalField(decimal_places=2)`` gives: a string with two places, or None."""
    return None if value is None else f"{value.quantize(_CENTS):f}"


class OfferingResultSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    description = serializers.CharField()
    category = serializers.CharField(source="category.code")
    category_name = serializers.CharField(source="category.name")
    grade_min = serializers.IntegerField()
    grade_max = serializers.IntegerField()
    fee_per_session = serializers.DecimalField(max_digits=8, decimal_places=2)
    fee_reference = serializers.DecimalField(
        max_digits=8, decimal_places=2, allow_null=True,
        help_text="The local reference fee in force for the category (e.g. 青少年宫).")
    fee_cap = serializers.DecimalField(max_digits=8, decimal_places=2, allow_null=True,
                                       help_text="The cap in force for the category.")
    free_places_per_term = serializers.IntegerField(
        help_text="Places given free each term to students in hardship (免费名额).")
    weekdays = serializers.ListField(child=serializers.IntegerField(), source="weekday_list")

    def to_representation(self, offering):
        return {"id": offering.id, "title": offering.title, "description": offering.description,
                "category": offering.category.code, "category_name": offering.category.name,
                "grade_min": offering.grade_min, "grade_max": offering.grade_max,
                "fee_per_session": _money(offering.fee_per_session),
                "fee_reference": _money(offering.fee_reference),
                "fee_cap": _money(offering.fee_cap),
                "free_places_per_term": offering.free_places_per_term,
                "weekdays": offering.weekday_list}


class ApprovalResultSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    jurisdiction = serializers.CharField(source="jurisdiction.name")
    valid_until = serializers.DateField()
    categories = serializers.SerializerMethodField()
    expert_score = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    grade_min = serializers.IntegerField(
        allow_null=True, help_text="The lowest grade an individual's approval covers (年级段); "
        "null: every grade (an organization's grades are its offerings').")
    grade_max = serializers.IntegerField(allow_null=True,
                                         help_text="The highest grade it covers; null: every "
                                                   "grade.")

    def get_categories(self, obj) -> list[str]:
        return [c.code for c in obj.category_list]

    def to_representation(self, approval):
        return {"id": approval.id, "jurisdiction": approval.jurisdiction.name,
                "valid_until": approval.valid_until.isoformat(),
                "categories": self.get_categories(approval),
                "expert_score": _money(approval.expert_score),
                "grade_min": approval.grade_min, "grade_max": approval.grade_max}


# One instance each for every result of every request: their ``to_representation`` keeps
# no state, and building a serializer per result (its fields) cost about 0.5 ms a page.
_APPROVAL_RESULT, _OFFERING_RESULT = ApprovalResultSerializer(), OfferingResultSerializer()


def _provider_result(provider, **facts) -> dict:
    """What an organization's and a person's results share, around their own ``facts``."""
    approval = _APPROVAL_RESULT
    return {"id": provider.id, "name": provider.name, **facts,
            "relevance": provider.relevance, "expert_score": _money(provider.expert_score),
            "approvals": [approval.to_representation(a) for a in provider.valid_approvals]}


class _ProviderResultSerializer(serializers.Serializer):
    """The fields an organization's and a person's results share (:func:`_provider_result`)."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    relevance = serializers.IntegerField()
    expert_score = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    approvals = ApprovalResultSerializer(many=True, source="valid_approvals")


class OrganizationResultSerializer(_ProviderResultSerializer):
    uscc = serializers.CharField()
    county = serializers.CharField(source="county.name")
    offerings = OfferingResultSerializer(many=True, source="active_offerings")

    def to_representation(self, organization):
        offering = _OFFERING_RESULT
        return {**_provider_result(organization, uscc=organization.uscc,
                                   county=organization.county.name),
                "offerings": [offering.to_representation(o)
                              for o in organization.active_offerings]}


class PersonResultSerializer(_ProviderResultSerializer):
    """Name and kind only: never the ID number."""

    kind = serializers.CharField()
    kind_name = serializers.CharField(source="get_kind_display")

    def to_representation(self, person):
        return _provider_result(person, kind=person.kind,
                                kind_name=str(person.get_kind_display()))


def _search(request, form_class, selector, result):
    """A page of ``selector``'s results, each as ``result`` (a serializer's instance, one
    for every request, as above: ``serializer_class(page, many=True)`` cost 0.07 ms more
    making a list serializer and its child than writing the results)."""
    form = form_class(request.query_params)
    if not form.is_valid():
        raise DRFValidationError(form.errors.get_json_data())
    school = school_for(request.user, request.query_params.get("school"))
    page = paginate(selector(school=school, **form.search_kwargs()),
                    form.cleaned_data.get("page"))
    return Response({
        "school": school.pk,
        "count": page.paginator.count,
        "page": page.number,
        "num_pages": page.paginator.num_pages,
        "results": [result.to_representation(item) for item in page.object_list],
    })


def _page_of(serializer_class, name):
    """The documented shape of a page of results (what ``_search`` answers)."""
    return inline_serializer(name, fields={
        "school": serializers.IntegerField(), "count": serializers.IntegerField(),
        "page": serializers.IntegerField(), "num_pages": serializers.IntegerField(),
        "results": serializer_class(many=True)})


_COMMON = [OpenApiParameter("school", int, description="the school (if you act for several)"),
           OpenApiParameter("keyword", str), OpenApiParameter("category", str),
           OpenApiParameter("page", int)]


# the API parses a search and renders no form: its fields need no copy per request
_PROVIDER_SEARCH, _PERSON_SEARCH = parse_only(ProviderSearchForm), parse_only(PersonSearchForm)
_ORGANIZATION_RESULT, _PERSON_RESULT = OrganizationResultSerializer(), PersonResultSerializer()


class OrganizationSearchView(APIView):
    """Approved organizations available to the caller's school, valid now."""

    @extend_schema(parameters=[*_COMMON, OpenApiParameter("county", str),
                               OpenApiParameter("weekday", int), OpenApiParameter("max_fee", str),
                               OpenApiParameter("grade", int)],
                   responses=_page_of(OrganizationResultSerializer, "OrganizationResultPage"))
    def get(self, request):
        return _search(request, _PROVIDER_SEARCH, selectors.approved_organizations_search,
                       _ORGANIZATION_RESULT)


class PersonSearchView(APIView):
    """Approved individuals available to the caller's school, valid now."""

    @extend_schema(parameters=[*_COMMON, OpenApiParameter("kind", str),
                               OpenApiParameter("grade", int, description=(
                                   "only people whose approval covers this grade (1–9)"))],
                   responses=_page_of(PersonResultSerializer, "PersonResultPage"))
    def get(self, request):
        return _search(request, _PERSON_SEARCH, selectors.approved_people_search,
                       _PERSON_RESULT)
