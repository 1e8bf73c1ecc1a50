"""REST API of the selection journeys: apply, follow cases, act on tasks, object."""

from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import exceptions, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from documents.delivery import view_address
from documents.permissions import may_view_documents
from registry.formatting import user_label
from registry.requests import form_data, request_address
from workflows import selectors, task_actions, task_queue
from workflows.api_inputs import ApplySerializer, VettingStartSerializer
from workflows.flows import (
    AnnualReviewFlow,
    IndividualVettingFlow,
    OrganizationSelectionFlow,
    RecertificationFlow,
    ReviewCaseFlow,
)
from workflows.models import (
    CaseOutcome,
    Notification,
    OfferingFlag,
    PartnerOpinion,
    SelectionProcess,
)
from workflows.services import corrections as corrections_services
from workflows.services import objections as objections_services
from workflows.services import outcome as outcome_services
from workflows.services import selection, vetting
from workflows.services.errors import NoticeClosed


class TaskSerializer(serializers.ModelSerializer):
    node = serializers.SerializerMethodField()
    title = serializers.SerializerMethodField()
    case = serializers.IntegerField(source="process_id")

    class Meta:
        model = Task
        fields = ["id", "case", "node", "title", "status", "owner", "created"]

    def get_node(self, task) -> str:
        return task.flow_task.name if task.flow_task else ""

    def get_title(self, task) -> str:
        return str(task.flow_task.task_title) if task.flow_task else ""


class OfferingFlagSerializer(serializers.ModelSerializer):
    """A policy-screening flag on one offering of the case, and the clerk's decision."""

    offering_title = serializers.CharField(source="offering.title", read_only=True)
    kind_name = serializers.CharField(source="get_kind_display", read_only=True)
    decision_name = serializers.CharField(source="get_decision_display", read_only=True)
    decided_by = serializers.SerializerMethodField(
        help_text="Who decided, by name (never a username): to the bureau's staff only.")

    class Meta:
        model = OfferingFlag
        fields = ["id", "offering", "offering_title", "kind", "kind_name", "matched_words",
                  "detail", "decision", "decision_name", "reason", "decided_by", "decided_at",
                  "created_at"]

    def get_decided_by(self, flag) -> str | None:
        return user_label(flag.decided_by) if flag.decided_by_id else None


class CaseSerializer(serializers.ModelSerializer):
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    bureau_name = serializers.CharField(source="bureau.name", read_only=True)
    open_tasks = serializers.SerializerMethodField()
    flags = OfferingFlagSerializer(many=True, read_only=True)

    class Meta:
        model = SelectionProcess
        fields = ["id", "organization", "organization_name", "bureau", "bureau_name", "call",
                  "outcome", "outcome_reason", "missing", "correction_rounds", "correction_due",
                  "weighted_score", "score_spread_flagged", "notice_ends_on", "created",
                  "finished", "open_tasks", "flags"]

    def to_representation(self, case):
        data = super().to_representation(case)
        request = self.context.get("request")
        if data["flags"] and (request is None
                              or not selectors.reads_as_case_staff(request.user, case)):
            for flag in data["flags"]:  # the bureau's staff by name to the bureau only
                flag["decided_by"] = None
        return data

    def get_open_tasks(self, case) -> list[dict]:
        """The case's open tasks the caller may open, with who holds each only for those
        who may read it (``owner`` is null otherwise): the applicant read its experts'
        review tasks here, with the experts' ids, which its task pages and lists hide."""
        user = self.context["request"].user
        tasks = selectors.tasks_openable_by(user, [
            t for t in case.task_set.all() if t.status in (STATUS.NEW, STATUS.ASSIGNED)])
        rows = TaskSerializer(tasks, many=True).data
        for row, task in zip(rows, tasks, strict=True):
            if task.owner_id is not None and not selectors.may_see_task_holder(user, task):
                row["owner"] = None
        return rows


class CorrectionItemSerializer(serializers.Serializer):
    """One thing sent back for correction, with the bureau's reason."""

    key = serializers.CharField()
    label = serializers.CharField()
    reason = serializers.CharField()
    needs_file = serializers.BooleanField()
    replaced_by = serializers.IntegerField(source="replaced_by.pk", allow_null=True,
                                           default=None)


class ObjectionStepSerializer(serializers.Serializer):
    step = serializers.ChoiceField(choices=["acknowledge", "investigate", "uphold", "dismiss"])
    finding = serializers.CharField(required=False, allow_blank=True, default="")
    applicant_note = serializers.CharField(required=False, allow_blank=True, default="")
    stop_notice = serializers.BooleanField(required=False, default=False)


class CaseObjectionSerializer(serializers.Serializer):
    """An objection; who objected, what they wrote and the finding only for the bureau."""

    id = serializers.IntegerField()
    status = serializers.CharField()
    created_at = serializers.DateTimeField()
    applicant_note = serializers.CharField()
    real_name = serializers.CharField(required=False)
    reason = serializers.CharField(required=False)
    resolution_reason = serializers.CharField(required=False)

    def to_representation(self, objection):
        data = super().to_representation(objection)
        if not self.context.get("bureau"):
            for name in ("real_name", "reason", "resolution_reason"):
                data.pop(name, None)
        return data


class CaseDocumentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    document_type = serializers.CharField(source="document_type.code")
    document_type_name = serializers.CharField(source="document_type.display_name")
    original_name = serializers.CharField()
    content_type = serializers.CharField()
    review_state = serializers.CharField()
    rejection_reason = serializers.CharField()
    view_url = serializers.SerializerMethodField()

    def get_view_url(self, document) -> str:
        return self.context["request"].build_absolute_uri(
            view_address(self.context["request"].user, document))


class PanelScoreSerializer(serializers.Serializer):
    criterion = serializers.CharField(source="criterion.code")
    score = serializers.IntegerField()


class PanelSeatSerializer(serializers.Serializer):
    slot = serializers.IntegerField()
    expert = serializers.SerializerMethodField(help_text="By name, never by username.")
    status = serializers.CharField()
    total = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True)
    scores = PanelScoreSerializer(many=True, source="scores.all")

    def get_expert(self, assignment) -> str:
        return user_label(assignment.expert)


class PartnerOpinionSerializer(serializers.Serializer):
    """A partner department's opinion (会审). Who gave it only for the bureau's staff."""

    id = serializers.IntegerField()
    department = serializers.IntegerField(source="department_id")
    department_name = serializers.CharField(source="department.name")
    categories = serializers.ListField(child=serializers.CharField())
    opinion = serializers.ChoiceField(choices=["", *PartnerOpinion.Opinion.values],
                                      help_text="Empty until the department has answered.")
    opinion_name = serializers.SerializerMethodField()
    conditions = serializers.CharField()
    reason = serializers.CharField()
    requested_at = serializers.DateTimeField()
    given_at = serializers.DateTimeField(allow_null=True)
    given_by = serializers.CharField(required=False, help_text="The bureau's staff only.")

    def get_opinion_name(self, opinion) -> str:
        return str(opinion.get_opinion_display()) if opinion.opinion else ""

    def to_representation(self, opinion):
        data = super().to_representation(opinion)
        data.pop("given_by", None)
        if self.context.get("bureau") and opinion.given_by_id:
            data["given_by"] = user_label(opinion.given_by)
        return data


class CaseViewSet(viewsets.ReadOnlyModelViewSet):
    """Organization selection cases the caller may see; apply and withdraw."""

    serializer_class = CaseSerializer
    queryset = SelectionProcess.objects.none()  # for the schema; requests use get_queryset

    def get_queryset(self):
        return (selectors.selection_cases_for(self.request.user)
                .prefetch_related("task_set", "flags__offering", "flags__decided_by")
                .order_by("-created"))

    @extend_schema(request=ApplySerializer, responses={201: CaseSerializer})
    def create(self, request):
        data = ApplySerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        v = data.validated_data
        case = selection.selection_apply(
            actor=request.user, organization=v["organization"], bureau=v["bureau"],
            call=v.get("call"), offerings=v["offerings"], roster=v.get("roster", []))
        return Response(CaseSerializer(case, context={"request": request}).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(responses=CorrectionItemSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def corrections(self, request, pk=None):
        """What the bureau sent back, item by item, with its reason and whether a
        replacement was uploaded since; answer them through the correction task's ``act``."""
        case = self.get_object()
        return Response(CorrectionItemSerializer(corrections_services.correction_items(case),
                                                 many=True).data)

    @extend_schema(responses=CaseDocumentSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def documents(self, request, pk=None):
        """The case's documents with the clerk's verdict, for those who may read them (the
        applicant, the bureau's staff, the experts drawn for the panel); ``view_url`` is
        a short-lived address bound to the caller."""
        case = self.get_object()
        if not may_view_documents(request.user, selectors.case_subject(case)):
            raise exceptions.NotFound()
        documents = selectors.case_documents(case)
        return Response(CaseDocumentSerializer(
            documents, many=True, context={"request": request}).data)

    @extend_schema(responses=PanelSeatSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def panel(self, request, pk=None):
        """The expert panel as the caller may see it: the bureau all of it; an expert their
        own seat, and the others' only after scoring; the applicant nothing."""
        case = self.get_object()
        return Response(PanelSeatSerializer(selectors.panel_assignments(request.user, case),
                                            many=True).data)

    @extend_schema(responses=PartnerOpinionSerializer(many=True))
    @action(detail=True, methods=["get"], url_path="partner-opinions", pagination_class=None,
            filter_backends=[])
    def partner_opinions(self, request, pk=None):
        """The partner departments' opinions (会审) on the case: the bureau's staff read all
        of them; a department's users their own department's; anyone else none. A
        department gives its opinion through its task's ``act``
        (``{"opinion": "agree" | "conditions" | "disagree", "reason": …, "conditions": …}``)."""
        case = self.get_object()
        bureau = selectors.panel_view_of(request.user, case) == selectors.PANEL_BUREAU
        return Response(PartnerOpinionSerializer(
            selectors.partner_opinions_for(request.user, case), many=True,
            context={"bureau": bureau}).data)

    @extend_schema(responses=CaseObjectionSerializer(many=True))
    @action(detail=True, methods=["get"], url_path="objections", pagination_class=None,
            filter_backends=[])
    def objection_list(self, request, pk=None):
        """The case's objections: the bureau reads the objector, the text and the finding;
        anyone else only the status and what the clerk wrote for the applicant."""
        case = self.get_object()
        bureau = selectors.panel_view_of(request.user, case) == selectors.PANEL_BUREAU
        return Response(CaseObjectionSerializer(
            selectors.case_objections(case), many=True, context={"bureau": bureau}).data)

    @extend_schema(request=ObjectionStepSerializer, responses=CaseObjectionSerializer)
    @action(detail=True, methods=["post"],
            url_path=r"objections/(?P<objection_pk>[0-9]+)/progress")
    def objection_progress(self, request, pk=None, objection_pk=None):
        """A clerk's step on an objection, during the notice or after it: acknowledge,
        investigate, or a finding (uphold / dismiss) with what the applicant is told;
        ``stop_notice`` with uphold ends the notice at once."""
        case = self.get_object()
        if selectors.panel_view_of(request.user, case) != selectors.PANEL_BUREAU:
            raise exceptions.NotFound()
        objection = get_object_or_404(selectors.case_objections(case), pk=objection_pk)
        payload = ObjectionStepSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        objection = objections_services.objection_progress(
            actor=request.user, objection=objection, **payload.validated_data)
        return Response(CaseObjectionSerializer(objection, context={"bureau": True}).data)

    @extend_schema(request=None, responses={200: CaseSerializer})
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        case = self.get_object()
        outcome_services.case_withdraw(actor=request.user, case=case)
        case.refresh_from_db()
        return Response(CaseSerializer(case, context={"request": request}).data)


class TaskActSerializer(serializers.Serializer):
    data = serializers.DictField(help_text="The task form's fields, e.g. "
                                           "{\"decision\": \"approve\", \"reason\": \"…\"}")


class TaskActMultipartSerializer(serializers.Serializer):
    item0_file = serializers.FileField(required=False, help_text="A replacement document "
                                       "for correction item 0 (and so on for item1, …)")
    item0_issued_on = serializers.DateField(required=False)
    item0_expires_on = serializers.DateField(required=False)
    item0_answer = serializers.CharField(required=False)


class TaskActResultSerializer(serializers.Serializer):
    completed = serializers.BooleanField()
    task = TaskSerializer()


class TaskViewSet(viewsets.ReadOnlyModelViewSet):
    """The caller's open tasks (assigned to it, or in its queue) and acting on them."""

    serializer_class = TaskSerializer
    queryset = Task.objects.none()  # for the schema; requests use get_queryset

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Task.objects.none()
        flows = [OrganizationSelectionFlow, IndividualVettingFlow, RecertificationFlow,
                 AnnualReviewFlow, ReviewCaseFlow]
        return task_queue.task_queue_for(self.request.user, flows).order_by("-created", "-pk")

    @extend_schema(request={"application/json": TaskActSerializer,
                            "multipart/form-data": TaskActMultipartSerializer},
                   responses={200: TaskActResultSerializer})
    @action(detail=True, methods=["post"], parser_classes=[JSONParser, MultiPartParser])
    def act(self, request, pk=None):
        """Perform a task with its form's fields: as JSON ``{"data": {...}}``, or as a
        multipart form whose fields are the form's own (a correction's replacement
        documents: ``item0_file``, ``item0_issued_on``, ``item0_answer`` …; see the case's
        ``corrections``)."""
        task = get_object_or_404(Task.objects.select_related("process"), pk=pk)
        if not selectors.may_view_case(request.user, task.process):
            raise exceptions.NotFound()
        if request.content_type.startswith("multipart/"):
            data, files = request.POST, request.FILES
        else:
            payload = TaskActSerializer(data=request.data)
            payload.is_valid(raise_exception=True)
            data, files = form_data(payload.validated_data["data"]), None
        done = task_actions.task_perform(actor=request.user, task=task, data=data,
                                         files=files)
        task.refresh_from_db()
        return Response({"completed": done, "task": TaskSerializer(task).data})


class ObjectionSerializer(serializers.Serializer):
    real_name = serializers.CharField(max_length=64)
    contact = serializers.CharField(max_length=128)
    reason = serializers.CharField(max_length=5000)
    evidence = serializers.ListField(
        child=serializers.FileField(), required=False, max_length=3,
        help_text="Up to 3 evidence files (PDF, JPEG or PNG, 10 MB each): repeat the field.")


class NoticeSerializer(serializers.ModelSerializer):
    organization_name = serializers.CharField(source="organization.name")
    bureau_name = serializers.CharField(source="bureau.name")

    class Meta:
        model = SelectionProcess
        fields = ["id", "organization_name", "bureau_name", "notice_ends_on"]


class NoticeViewSet(viewsets.ReadOnlyModelViewSet):
    """Cases in public notice (公示); anyone may object with a real name."""

    serializer_class = NoticeSerializer
    permission_classes = [permissions.AllowAny]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self):
        return selectors.notices_open()

    @extend_schema(request=ObjectionSerializer, responses={
        201: inline_serializer("ObjectionFiled", {"id": serializers.IntegerField()}),
        404: OpenApiResponse(description="No case in public notice has this number."),
        410: OpenApiResponse(inline_serializer("NoticeClosed", {"detail": serializers.CharField(
            help_text="That the notice is closed, and since when, in the caller's language.")}),
            description="The notice ended or was stopped early: no objection is taken.")})
    @action(detail=True, methods=["post"])
    def objections(self, request, pk=None):
        """An objection (异议) while the notice runs. A notice that has ended or was stopped
        early answers 410, saying since when; one never in notice is not found (404)."""
        try:
            case = self.get_object()
        except Http404:
            closed = selectors.notice_closed(int(pk)) if str(pk).isdigit() else None
            if closed is None:
                raise
            raise NoticeClosed(closed) from None
        payload = ObjectionSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        v = payload.validated_data
        objection = objections_services.objection_file(
            case=case, real_name=v["real_name"], contact=v["contact"], reason=v["reason"],
            evidence=v.get("evidence") or [], filed_by=request.user)
        return Response({"id": objection.pk}, status=status.HTTP_201_CREATED)


class VettingCaseSerializer(serializers.Serializer):
    """A vetting case. A school that asked for it learns only whether the person was
    approved (``outcome`` open, approved or not_approved), never why."""

    id = serializers.IntegerField()
    person = serializers.IntegerField(source="person_id")
    bureau = serializers.IntegerField(source="bureau_id")
    outcome = serializers.CharField()
    missing = serializers.JSONField()
    created = serializers.DateTimeField()

    def to_representation(self, case):
        data = super().to_representation(case)
        request = self.context.get("request")
        if request is not None and not selectors.may_see_vetting_details(request.user, case):
            if data["outcome"] not in (CaseOutcome.OPEN, CaseOutcome.APPROVED):
                data["outcome"] = "not_approved"
        if request is not None and not selectors.reads_vetting_corrections(request.user, case):
            data["missing"] = []
        return data


class RecordCheckSerializer(serializers.Serializer):
    query_reference = serializers.CharField()
    query_date = serializers.DateField(allow_null=True)
    query_result = serializers.CharField()


class VettingViewSet(viewsets.ReadOnlyModelViewSet):
    """Individual vetting cases the caller may see; start one."""

    serializer_class = VettingCaseSerializer

    def get_queryset(self):
        return selectors.vetting_cases_for(self.request.user).order_by("-created")

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if page is not None:  # who reads which outcome only: one query for the page
            selectors.remember_outcome_only(self.request.user, page)
        return page

    @extend_schema(request=VettingStartSerializer, responses={201: VettingCaseSerializer})
    def create(self, request):
        payload = VettingStartSerializer(data=request.data,
                                         context={"request": request})
        payload.is_valid(raise_exception=True)
        v = payload.validated_data
        case = vetting.vetting_start(actor=request.user, person=v["person"],
                                     bureau=v["bureau"], school=v.get("school"),
                                     consent=v["consent"], address=request_address(request))
        return Response(VettingCaseSerializer(case, context={"request": request}).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: RecordCheckSerializer})
    @action(detail=True, methods=["get"], url_path="record-check")
    def record_check(self, request, pk=None):
        """The record query (入职查询) of the case: its clerk and the bureau's approvers
        only; every read is logged."""
        case = self.get_object()
        record = vetting.vetting_record_check_read(actor=request.user, case=case)
        return Response(RecordCheckSerializer(record).data)


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "subject", "concerns", "body", "url", "created_at", "read_at"]


class NotificationViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = NotificationSerializer
    queryset = Notification.objects.none()  # for the schema; requests use get_queryset

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Notification.objects.none()
        return Notification.objects.filter(user=self.request.user)
