"""Terms, engagements, evaluations and incidents for schools; bureaus read theirs."""

from django import forms
from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.http import QueryDict
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from registry import selectors, services
from registry.api.contracts import ContractActionsMixin, TermPlanActionsMixin
from registry.forms import EngagementForm, IncidentForm, TermForm
from registry.models import (
    EVALUATION_RUBRIC,
    RUBRIC_TOP_SCORE,
    Engagement,
    Evaluation,
    SchoolTerm,
)
from registry.requests import (
    api_form_data,
    bureaus_administered_by,
    engagement_args,
    form_data,
    school_for,
    schools_of,
)


def _form(form_class, data):
    """``form_class`` bound to ``data`` (from ``api_form_data``), valid, or a 400."""
    form = form_class(data)
    if not form.is_valid():
        raise DRFValidationError(form.errors.get_json_data())
    return form


class TermSerializer(serializers.ModelSerializer):
    class Meta:
        model = SchoolTerm
        fields = ["id", "school", "name", "starts_on", "ends_on", "project_count"]


_SATISFACTION_HELP = ("Read only: the overall score 1–5, as given before the rubric, or the "
                      "rubric's satisfaction rounded to a score. Ratings are given on the "
                      "rubric (scores).")


class EvaluationSerializer(serializers.ModelSerializer):
    """A rating: the score of each rubric item (empty: one overall score, before the
    rubric) and the satisfaction in percent."""

    scores = serializers.DictField(child=serializers.IntegerField(), read_only=True)

    class Meta:
        model = Evaluation
        fields = ["id", "scores", "percent", "satisfaction", "comments", "created_at"]
        read_only_fields = fields
        extra_kwargs = {"satisfaction": {"help_text": _SATISFACTION_HELP}}


class RubricRatingSerializer(serializers.Serializer):
    scores = serializers.DictField(
        child=serializers.JSONField(),
        help_text="A score 1–5 for every item of the rubric (GET /api/v1/evaluation-rubric/), "
                  "by its key.")
    comments = serializers.CharField(max_length=4000, required=False, allow_blank=True,
                                     default="")


class RubricItemSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    weight = serializers.IntegerField()


class RubricSerializer(serializers.Serializer):
    items = RubricItemSerializer(many=True)
    top_score = serializers.IntegerField()
    threshold_percent = serializers.IntegerField()


class RubricView(APIView):
    """The rubric a school rates each engagement on at the end of its term: its items
    (key, label in the reader's language, weight), the top score, and the satisfaction
    under which the bureau opens a review."""

    @extend_schema(responses=RubricSerializer)
    def get(self, request):
        return Response(RubricSerializer({
            "items": [{"key": i.key, "label": str(i.label), "weight": i.weight}
                      for i in EVALUATION_RUBRIC],
            "top_score": RUBRIC_TOP_SCORE,
            "threshold_percent": round(float(settings.REGISTRY_SATISFACTION_THRESHOLD) * 100),
        }).data)


class EngagementSerializer(serializers.ModelSerializer):
    school_name = serializers.CharField(source="school.name", read_only=True)
    term_name = serializers.CharField(source="term.name", read_only=True)
    provider_name = serializers.SerializerMethodField()
    satisfaction = serializers.SerializerMethodField(help_text=_SATISFACTION_HELP)
    evaluation = serializers.SerializerMethodField()
    roster = serializers.SerializerMethodField(
        help_text="On create: a list of person numbers or resident ID numbers.")

    class Meta:
        model = Engagement
        fields = ["id", "school", "school_name", "term", "term_name", "organization", "offering",
                  "person", "provider_name", "approval", "starts_on", "ends_on",
                  "fee_per_session", "sessions", "free_places_used", "satisfaction", "evaluation",
                  "category", "places", "need", "grade_min", "grade_max", "status",
                  "status_changed_at", "roster",
                  "created_at"]
        read_only_fields = ["free_places_used", "status", "status_changed_at"]
        extra_kwargs = {
            "category": {"help_text": "For an individual (person): the category taught, by "
                                      "number; required unless the need filled names it. "
                                      "It must be one the person's approval covers (or a "
                                      "sub-item of one)."},
            "grade_max": {"help_text": "The highest grade taught (1–9), with grade_min. For an "
                                       "individual: required unless the need filled names "
                                       "them, and within the grades the person's approval "
                                       "covers; otherwise a 400 naming both."},
        }

    def get_provider_name(self, obj) -> str:
        return obj.organization.name if obj.organization_id else obj.person.name

    def get_roster(self, obj) -> list[int]:
        # on the roster: accepted and not taken off (proposals are at .../roster/)
        return [m.person_id for m in obj.roster.all()
                if m.removed_at is None and m.accepted_at is not None]

    def get_satisfaction(self, obj) -> int | None:
        try:
            return obj.evaluation.satisfaction
        except ObjectDoesNotExist:
            return None

    @extend_schema_field(EvaluationSerializer(allow_null=True))
    def get_evaluation(self, obj):
        try:
            return EvaluationSerializer(obj.evaluation).data
        except ObjectDoesNotExist:
            return None


class FreePlacesSerializer(serializers.Serializer):
    used = serializers.IntegerField(min_value=0, help_text="Free places used (免费名额).")


class TermViewSet(TermPlanActionsMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                  mixins.CreateModelMixin, viewsets.GenericViewSet):
    """The terms of the schools the caller acts for."""

    serializer_class = TermSerializer

    def get_queryset(self):
        schools = schools_of(self.request.user).values_list("pk", flat=True)
        return selectors.terms_for_schools(schools)

    @extend_schema(request=TermSerializer, responses=TermSerializer)
    def create(self, request, *args, **kwargs):
        data = api_form_data(request)
        school = school_for(request.user, data.get("school"))
        form = _form(TermForm, data)
        term = services.school_term_create(actor=request.user, school=school,
                                           **form.cleaned_data)
        return Response(TermSerializer(term).data, status=status.HTTP_201_CREATED)


@extend_schema_field(OpenApiTypes.INT)
class _IdFilter(filters.NumberFilter):
    field_class = forms.IntegerField


class EngagementFilter(filters.FilterSet):
    """By number, not as a choice among every row: another school's term (or school) and a
    number nobody holds both find nothing, where a choice said 400 to the one only."""

    school = _IdFilter(field_name="school_id")
    term = _IdFilter(field_name="term_id")

    class Meta:
        model = Engagement
        fields = ["school", "term"]


class EngagementViewSet(ContractActionsMixin, mixins.ListModelMixin,
                        mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                        viewsets.GenericViewSet):
    """A school sees and records its engagements; a provider sees its own; a bureau
    administrator sees every engagement in the bureau's jurisdiction."""

    serializer_class = EngagementSerializer
    filterset_class = EngagementFilter

    def get_queryset(self):
        user = self.request.user
        jurisdictions = list(bureaus_administered_by(user).values_list("jurisdiction_id",
                                                                       flat=True))
        return selectors.engagements_visible_to(
            user, school_ids=schools_of(user).values_list("pk", flat=True),
            jurisdiction_ids=jurisdictions)

    @extend_schema(request=EngagementSerializer, responses=EngagementSerializer)
    def create(self, request, *args, **kwargs):
        body, roster = request.data, None
        if isinstance(body, dict) and not isinstance(body, QueryDict):
            # the roster is a list here: the service reads it as it is
            body, roster = {k: v for k, v in body.items() if k != "roster"}, body.get("roster")
        data = form_data(body)
        school = school_for(request.user, data.get("school"))
        form = _form(EngagementForm, data)
        engagement = services.engagement_create(actor=request.user, school=school,
                                                **engagement_args(school, form, roster=roster))
        return Response(EngagementSerializer(engagement).data, status=status.HTTP_201_CREATED)

    def _own(self, pk):
        engagement = self.get_object()
        if not schools_of(self.request.user).filter(pk=engagement.school_id).exists():
            raise PermissionDenied
        return engagement

    @extend_schema(request=RubricRatingSerializer, responses={201: EvaluationSerializer})
    @action(detail=True, methods=["post"])
    def evaluate(self, request, pk=None):
        """Rate the engagement once it has ended (at the latest at its term's end): a
        score 1–5 for every item of the rubric (``scores``: {key: score}) and comments;
        the satisfaction is computed. The one overall score 1–5 of before the rubric
        (``satisfaction``) is no longer taken; it stays readable on ratings given with it."""
        engagement = self._own(pk)
        payload = RubricRatingSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        evaluation = services.engagement_evaluate(
            actor=request.user, engagement=engagement, **payload.validated_data)
        return Response(EvaluationSerializer(evaluation).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=FreePlacesSerializer, responses=EngagementSerializer)
    @action(detail=True, methods=["post"], url_path="free-places")
    def free_places(self, request, pk=None):
        """Record how many free places (免费名额) for students in hardship were used."""
        engagement = self._own(pk)
        data = FreePlacesSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        engagement = services.engagement_free_places_record(
            actor=request.user, engagement=engagement, used=data.validated_data["used"])
        return Response(EngagementSerializer(engagement).data)

    @extend_schema(request=None, responses={201: None})
    @action(detail=True, methods=["post"])
    def incidents(self, request, pk=None):
        """Report an incident (safety, conduct, fees, new_lessons)."""
        engagement = self._own(pk)
        form = _form(IncidentForm, api_form_data(request))
        incident = services.incident_report(actor=request.user, engagement=engagement,
                                            **form.cleaned_data)
        return Response({"id": incident.pk, "kind": incident.kind},
                        status=status.HTTP_201_CREATED)
