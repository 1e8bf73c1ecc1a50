"""The engagement as a contract through the API: roster, status, entry permits, lessons,
settlement; the term plan; and the public permit check and parents' page."""

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import permissions, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from registry import selectors, services
from registry.models import (
    Engagement,
    Lesson,
    RosterMember,
    School,
    TermNeed,
    TermSlot,
)
from registry.reference import category_by_code
from registry.requests import bureau_for, person_by_reference


class RosterMemberSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    person = serializers.IntegerField(source="person_id")
    name = serializers.CharField(source="person.name")
    approval = serializers.IntegerField(source="approval_id")
    approval_valid_until = serializers.DateField(source="approval.valid_until")
    state = serializers.SerializerMethodField(
        help_text="accepted: on the roster; proposed: the provider's, waiting for the "
                  "school; removed: taken off (the permit is revoked).")
    added_at = serializers.DateTimeField()
    accepted_at = serializers.DateTimeField(allow_null=True)
    removed_at = serializers.DateTimeField(allow_null=True)

    def get_state(self, obj) -> str:
        if obj.removed_at is not None:
            return "removed"
        return "proposed" if obj.accepted_at is None else "accepted"


class RosterAddSerializer(serializers.Serializer):
    person = serializers.CharField(max_length=18,
                                   help_text="Person number, or resident ID number.")


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class BureauActionSerializer(serializers.Serializer):
    bureau = serializers.IntegerField()
    reason = serializers.CharField(max_length=2000)


PERMIT_STANDINGS = [selectors.PermitStatus.VALID, selectors.PermitStatus.SUSPENDED,
                    selectors.PermitStatus.REVOKED, selectors.PermitStatus.EXPIRED,
                    selectors.PermitStatus.NOT_YET_VALID]


class PermitSerializer(serializers.Serializer):
    roster_member = serializers.IntegerField(source="member.pk")
    masked_name = serializers.CharField()
    provider = serializers.CharField()
    school = serializers.CharField()
    term = serializers.CharField()
    starts_on = serializers.CharField()
    ends_on = serializers.CharField()
    token = serializers.CharField()
    url = serializers.CharField()
    standing = serializers.ChoiceField(
        source="status", choices=PERMIT_STANDINGS,
        help_text="What the gate's check of this permit answers today.")
    reason = serializers.CharField(
        help_text="Why the permit lets nobody in today, in the request's language; empty "
                  "when valid.")
    lapsed = serializers.BooleanField(
        help_text="Whether the person's own individual approval is suspended, revoked or "
                  "expired (their permit is left out of the printed permits).")


class PermitCheckSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["valid", "suspended", "revoked", "expired",
                                              "not_yet_valid", "invalid"])
    masked_name = serializers.CharField(required=False)
    provider = serializers.CharField(required=False)
    school = serializers.CharField(required=False)
    term = serializers.CharField(required=False)
    starts_on = serializers.CharField(required=False)
    ends_on = serializers.CharField(required=False)
    photo_url = serializers.CharField(
        required=False,
        help_text="The person's photo: present only if they consented to show it and the "
                  "permit is valid or suspended.")


class LessonSerializer(serializers.ModelSerializer):
    teacher = serializers.IntegerField(source="teacher.person_id")
    teacher_name = serializers.CharField(source="teacher.person.name", read_only=True)

    class Meta:
        model = Lesson
        fields = ["id", "taught_on", "period", "teacher", "teacher_name", "pupils_present",
                  "status", "dispute_reason"]
        read_only_fields = ["status", "dispute_reason"]


class LessonDecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["confirm", "dispute"])
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class SettlementSerializer(serializers.Serializer):
    engagement = serializers.IntegerField(source="engagement.pk")
    fee_per_session = serializers.DecimalField(source="engagement.fee_per_session",
                                               max_digits=8, decimal_places=2)
    confirmed = serializers.IntegerField()
    disputed = serializers.IntegerField()
    recorded = serializers.IntegerField()
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    free_places_used = serializers.IntegerField(source="engagement.free_places_used")


class SlotSerializer(serializers.ModelSerializer):
    class Meta:
        model = TermSlot
        fields = ["id", "weekday", "period"]


class NeedSerializer(serializers.ModelSerializer):
    category = serializers.SlugRelatedField(slug_field="code", read_only=True)
    engagements = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = TermNeed
        fields = ["id", "category", "grade_min", "grade_max", "slots", "places",
                  "budget_per_session", "engagements"]


class NeedWriteSerializer(serializers.Serializer):
    category = serializers.CharField(max_length=40, help_text="Category code.")
    grade_min = serializers.IntegerField(min_value=1, max_value=9)
    grade_max = serializers.IntegerField(min_value=1, max_value=9)
    places = serializers.IntegerField(min_value=1, max_value=10000)
    budget_per_session = serializers.DecimalField(max_digits=8, decimal_places=2,
                                                  min_value=0)
    slots = serializers.ListField(child=serializers.IntegerField(), required=False,
                                  max_length=21)


def _valid(serializer_class, data):
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class ContractActionsMixin:
    """Actions of an engagement as a contract, for the school's or the provider's users
    (and the bureau's, for suspend/restore/terminate)."""

    def _either(self) -> Engagement:
        engagement = self.get_object()
        user = self.request.user
        if not (user.has_perm("registry.act_for_school", engagement.school)
                or services.may_act_for_provider(user, engagement)):
            raise PermissionDenied
        return engagement

    @extend_schema(methods=["get"], responses=RosterMemberSerializer(many=True))
    @extend_schema(methods=["post"], request=RosterAddSerializer,
                   responses={201: RosterMemberSerializer})
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def roster(self, request, pk=None):
        """The roster and the provider's proposals waiting for the school. ``POST``: the
        school puts a person (number or resident ID number) on it at once; the provider
        proposes one of its own people, whom the school accepts. Closed once the
        engagement is suspended, ended or terminated."""
        engagement = self._either()
        if request.method == "GET":
            return Response(RosterMemberSerializer(
                selectors.roster_of(engagement, proposals=True), many=True).data)
        data = _valid(RosterAddSerializer, request.data)
        person = person_by_reference(reference=data["person"])
        member = services.engagement_roster_add(actor=request.user,
                       engagement=engagement, person=person)
        return Response(RosterMemberSerializer(member).data, status=status.HTTP_201_CREATED)

    def _member(self, engagement, member_id) -> RosterMember:
        return get_object_or_404(RosterMember.objects.select_related("person", "approval"),
                                 pk=member_id, engagement=engagement)

    @extend_schema(request=None, responses=RosterMemberSerializer)
    @action(detail=True, methods=["post"],
            url_path=r"roster/(?P<member_id>\d+)/accept")
    def roster_accept(self, request, pk=None, member_id=None):
        """The school accepts the provider's proposal: the person is on the roster."""
        engagement = self._either()
        member = services.engagement_roster_accept(
            actor=request.user, member=self._member(engagement, member_id))
        return Response(RosterMemberSerializer(member).data)

    @extend_schema(request=ReasonSerializer, responses=RosterMemberSerializer)
    @action(detail=True, methods=["post"],
            url_path=r"roster/(?P<member_id>\d+)/remove")
    def roster_remove(self, request, pk=None, member_id=None):
        """Either side takes a person off (or declines / withdraws a proposal); the
        permit dies at once. Once signed: a reason, and the other side is told."""
        engagement = self._either()
        data = _valid(ReasonSerializer, request.data)
        member = services.engagement_roster_remove(
            actor=request.user, member=self._member(engagement, member_id),
            reason=data.get("reason", ""))
        return Response(RosterMemberSerializer(member).data)

    @extend_schema(request=None, responses={200: None})
    @action(detail=True, methods=["post"])
    def activate(self, request, pk=None):
        """The school lets the roster in (signed → active)."""
        engagement = self._either()
        engagement = services.engagement_activate(actor=request.user,
                           engagement=engagement)
        return Response({"id": engagement.pk, "status": engagement.status})

    @extend_schema(request=ReasonSerializer, responses={200: None})
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        """The school ends the engagement."""
        engagement = self._either()
        data = _valid(ReasonSerializer, request.data)
        engagement = services.engagement_end(actor=request.user, engagement=engagement,
                           reason=data.get("reason", ""))
        return Response({"id": engagement.pk, "status": engagement.status})

    @extend_schema(request=ReasonSerializer, responses={200: None})
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        """The school withdraws its draft engagement, with a reason (it is terminated)."""
        engagement = self._either()
        data = _valid(ReasonSerializer, request.data)
        engagement = services.engagement_withdraw(
            actor=request.user, engagement=engagement, reason=data.get("reason", ""))
        return Response({"id": engagement.pk, "status": engagement.status})

    def _bureau_move(self, request, service):
        engagement = self.get_object()
        data = _valid(BureauActionSerializer, request.data)
        bureau = bureau_for(request.user, data["bureau"])
        engagement = service(actor=request.user, bureau=bureau, engagement=engagement,
                           reason=data["reason"])
        return Response({"id": engagement.pk, "status": engagement.status})

    @extend_schema(request=BureauActionSerializer, responses={200: None})
    @action(detail=True, methods=["post"])
    def suspend(self, request, pk=None):
        """A bureau administrator suspends the engagement (a sanction)."""
        return self._bureau_move(request, services.engagement_suspend)

    @extend_schema(request=BureauActionSerializer, responses={200: None})
    @action(detail=True, methods=["post"])
    def restore(self, request, pk=None):
        """A bureau administrator lifts the suspension."""
        return self._bureau_move(request, services.engagement_restore)

    @extend_schema(request=BureauActionSerializer, responses={200: None})
    @action(detail=True, methods=["post"])
    def terminate(self, request, pk=None):
        """A bureau administrator terminates the engagement."""
        return self._bureau_move(request, services.engagement_terminate)

    @extend_schema(responses=PermitSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def permits(self, request, pk=None):
        """The roster's entry permits (tokens and verification addresses), while active."""
        engagement = self._either()
        base = request.build_absolute_uri("/")[:-1]
        return Response(PermitSerializer(selectors.permits_of(engagement, base_url=base),
                                         many=True).data)

    @extend_schema(methods=["get"], responses=LessonSerializer(many=True))
    @extend_schema(methods=["post"], request=LessonSerializer,
                   responses={201: LessonSerializer})
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def lessons(self, request, pk=None):
        """The lessons; the provider records one (teacher: a person on the roster)."""
        engagement = self._either()
        if request.method == "GET":
            return Response(LessonSerializer(selectors.lessons_of(engagement)[:1000],
                                             many=True).data)
        data = _valid(LessonSerializer, request.data)
        teacher = selectors.lesson_teachers(
            engagement, provider=services.may_act_for_provider(request.user, engagement),
        ).filter(pk=data["teacher"]["person_id"]).first()
        if teacher is None:  # unknown, or another's: one answer
            raise ValidationError({"teacher": _("No one with this number is on the "
                                                "engagement's roster.")})
        lesson = services.lesson_record(actor=request.user, engagement=engagement,
                       taught_on=data["taught_on"], period=data["period"], teacher=teacher,
                       pupils_present=data["pupils_present"])
        return Response(LessonSerializer(lesson).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=LessonDecisionSerializer, responses=LessonSerializer)
    @action(detail=True, methods=["post"], url_path=r"lessons/(?P<lesson_id>\d+)/decide")
    def lesson_decide(self, request, pk=None, lesson_id=None):
        """The school confirms or disputes a lesson."""
        engagement = self._either()
        lesson = get_object_or_404(Lesson, pk=lesson_id, engagement=engagement)
        data = _valid(LessonDecisionSerializer, request.data)
        lesson = services.lesson_decide(actor=request.user, lesson=lesson,
                       confirm=data["decision"] == "confirm", reason=data.get("reason", ""))
        return Response(LessonSerializer(lesson).data)

    @extend_schema(responses=SettlementSerializer)
    @action(detail=True, methods=["get"])
    def settlement(self, request, pk=None):
        """The settlement: confirmed lessons × the agreed fee (据实结算)."""
        engagement = self._either()
        return Response(SettlementSerializer(selectors.settlement_of(engagement)).data)


class TermPlanActionsMixin:
    """The term plan (一校一案) of a school's term: slots and needs."""

    @extend_schema(methods=["get"], responses=SlotSerializer(many=True))
    @extend_schema(methods=["post"], request=SlotSerializer, responses={201: SlotSerializer})
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def slots(self, request, pk=None):
        term = self.get_object()
        if request.method == "GET":
            return Response(SlotSerializer(TermSlot.objects.filter(term=term), many=True).data)
        data = _valid(SlotSerializer, request.data)
        slot = services.term_slot_add(actor=request.user, term=term, **data)
        return Response(SlotSerializer(slot).data, status=status.HTTP_201_CREATED)

    @extend_schema(methods=["get"], responses=NeedSerializer(many=True))
    @extend_schema(methods=["post"], request=NeedWriteSerializer,
                   responses={201: NeedSerializer})
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def needs(self, request, pk=None):
        term = self.get_object()
        if request.method == "GET":
            return Response(NeedSerializer(selectors.term_plan(term)["needs"], many=True).data)
        data = _valid(NeedWriteSerializer, request.data)
        category = category_by_code(data.pop("category"))
        if category is None:
            raise ValidationError({"category": _("Unknown category.")})
        slots = list(TermSlot.objects.filter(term=term, pk__in=data.pop("slots", [])))
        need = services.term_need_add(actor=request.user, term=term, category=category,
                     slots=slots, **data)
        return Response(NeedSerializer(need).data, status=status.HTTP_201_CREATED)


class PermitCheckView(APIView):
    """The gate's check of an entry permit token; public, no sign-in; never an ID number."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(responses=PermitCheckSerializer)
    def get(self, request, token: str):
        result = selectors.permit_check(token)
        if result.get("photo"):
            result["photo_url"] = request.build_absolute_uri(
                reverse("permit-photo", args=[token]))
        return Response(PermitCheckSerializer(result).data)


class ParentsPageView(APIView):
    """A school's after-school activities this term, for parents (masked names only)."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(responses=inline_serializer("ParentsPage", {
        "school": serializers.CharField(), "term": serializers.CharField(allow_null=True),
        "terms": serializers.ListField(child=serializers.CharField()),
        "activities": serializers.ListField(child=serializers.DictField())}))
    def get(self, request, pk: int):
        school = get_object_or_404(School, pk=pk)
        page = selectors.parents_page(school)
        terms = page["terms"]
        return Response({
            # "term": the latest-starting of the terms running today, as before "terms"
            "school": school.name, "term": terms[-1].name if terms else None,
            "terms": [term.name for term in terms],
            "activities": [{
                "term": a["term"].name,
                "title": a["title"], "provider": a["provider"], "teachers": a["teachers"],
                "approval": a["approval"].pk,
                "approval_jurisdiction": a["approval"].jurisdiction.code,
                "fee_per_session": str(a["fee"]), "starts_on": a["starts_on"].isoformat(),
                "ends_on": a["ends_on"].isoformat()} for a in page["activities"]],
        })

