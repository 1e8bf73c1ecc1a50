"""REST endpoints for documents: parse, check permission, call one service or selector."""

from django.conf import settings
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import mixins, permissions, serializers, status, views, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from documents import generated, papers, selectors, services
from documents import permissions as doc_permissions
from documents.api.serializers import (
    ChecklistSerializer,
    DocumentListQuerySerializer,
    DocumentSerializer,
    DocumentTypeSerializer,
    DocumentUploadSerializer,
    RejectSerializer,
    SubjectQuerySerializer,
)
from documents.delivery import (
    declared_body_too_large,
    download_response,
    find_subject,
    generated_form_response,
    readable_document_or_404,
    view_response,
)
from documents.models import Document, DocumentType, EngagementPaper, PersonalDataAccess
from registry.formatting import user_label
from registry.models import Engagement
from registry.selectors import person_of_user

SUBJECT_PARAMETERS = [
    OpenApiParameter("organization", OpenApiTypes.INT, description="organization id"),
    OpenApiParameter("person", OpenApiTypes.INT, description="person id"),
]
STORAGE_DOWN = OpenApiResponse(description="The document store is unreachable; nothing saved.")


def _subject_from(data: dict, user, may):
    """The organization or person ``data`` names, if ``may(user, subject)``. One the caller
    may not reach reads as one nobody holds (the same 400, the same words): a 403 for it
    would tell anyone trying numbers which organizations and people the registry holds."""
    kind = "organization" if data.get("organization") else "person"
    subject = find_subject(kind, data[kind])
    if subject is None or not may(user, subject):
        raise serializers.ValidationError({kind: [_("Unknown organization or person.")]})
    return subject


class DocumentTypeViewSet(viewsets.ReadOnlyModelViewSet):
    """The catalogue of document types (what evidence each kind of provider shows)."""

    queryset = DocumentType.objects.active()
    serializer_class = DocumentTypeSerializer
    lookup_field = "code"
    lookup_value_regex = "[-a-zA-Z0-9_]+"  # a slug: a NUL is no route (PostgreSQL refuses it)
    filterset_fields = ["subject", "is_required"]


class DocumentViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Vetting documents of one organization or person: providers upload and read their
    own; bureau clerks of a jurisdiction that reaches the provider read and review them."""

    # For the schema only: every action finds its documents through a permission check.
    queryset = Document.objects.none()
    serializer_class = DocumentSerializer
    permission_classes = [permissions.IsAuthenticated]
    parser_classes = [MultiPartParser, FormParser]
    filter_backends: list = []
    pagination_class = None

    def get_object(self):
        # Not even its existence is shown to those who may not read it: the same 404 and
        # the same words as for a number nobody holds (DRF's "Not found." here differed).
        return readable_document_or_404(self.kwargs["pk"], self.request.user)

    @extend_schema(parameters=[*SUBJECT_PARAMETERS, OpenApiParameter(
        "history", OpenApiTypes.BOOL, description="include superseded versions (default)")])
    def list(self, request):
        """Documents of one subject, current versions first within each type."""
        query = DocumentListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        subject = _subject_from(query.validated_data, request.user,
                                doc_permissions.may_view_documents)
        documents = selectors.documents_of(subject, history=query.validated_data["history"])
        return Response(self.get_serializer(documents, many=True).data)

    @extend_schema(request={"multipart/form-data": DocumentUploadSerializer},
                   responses={201: DocumentSerializer, 400: OpenApiResponse(
                       description="Refused input, by field"), 403: None, 503: STORAGE_DOWN})
    def create(self, request):
        """Upload a new version of a document (supersedes the current one of its type)."""
        if declared_body_too_large(request):
            raise services.too_large_error(settings.DOCUMENTS_MAX_UPLOAD_BYTES)
        form = DocumentUploadSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        subject = _subject_from(data, request.user, doc_permissions.may_upload_documents)
        upload = data["file"]
        document = services.document_upload(
            actor=request.user, subject=subject, document_type=data["document_type"],
            file=upload, filename=data.get("filename") or upload.name,
            issued_on=data["issued_on"], expires_on=data.get("expires_on"),
            declared_content_type=upload.content_type, offering=data.get("offering"),
        )
        return Response(self.get_serializer(document).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={**{(200, kind): OpenApiTypes.BINARY
                                 for kind in ("application/pdf", "image/jpeg", "image/png")},
                              302: OpenApiResponse(description="Presigned URL, at most 5 min"),
                              404: None, 503: STORAGE_DOWN})
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        """The document's bytes: streamed (local storage) or a redirect to a presigned URL.
        Every download is recorded."""
        document = self.get_object()
        return download_response(request, document)

    @extend_schema(responses={**{(200, kind): OpenApiTypes.BINARY
                                 for kind in ("application/pdf", "image/jpeg", "image/png")},
                              302: OpenApiResponse(description="Presigned URL (inline), at "
                                                               "most 5 min"),
                              404: None, 503: STORAGE_DOWN})
    @action(detail=True, methods=["get"])
    def view(self, request, pk=None):
        """The document for reading: an image scaled (at most 1600 px) and turned upright
        (EXIF), a PDF inline for the browser's viewer, anything else as a download. Every
        read is recorded."""
        document = self.get_object()
        return view_response(request, document)

    @extend_schema(request=None, responses={200: DocumentSerializer, 400: None, 403: None})
    @action(detail=True, methods=["post"])
    def verify(self, request, pk=None):
        """A clerk confirms the document."""
        document = self.get_object()
        document = services.document_verify(actor=request.user, document=document)
        return Response(self.get_serializer(document).data)

    @extend_schema(request=RejectSerializer, responses={200: DocumentSerializer, 400: None,
                                                        403: None})
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        """A clerk refuses the document, with a reason the provider will read."""
        document = self.get_object()
        form = RejectSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        document = services.document_reject(actor=request.user, document=document,
                                            reason=form.validated_data["reason"])
        return Response(self.get_serializer(document).data)

    @extend_schema(responses=DocumentSerializer(many=True))
    @action(detail=False, methods=["get"], url_path="review-queue")
    def review_queue(self, request):
        """Current documents awaiting review by the caller's bureaus, oldest first."""
        documents = selectors.documents_awaiting_review(request.user)[:200]
        return Response(self.get_serializer(documents, many=True).data)

    @extend_schema(parameters=[*SUBJECT_PARAMETERS, OpenApiParameter(
        "within_days", OpenApiTypes.INT, description="look-ahead for expiring documents")],
        responses=ChecklistSerializer)
    @action(detail=False, methods=["get"])
    def checklist(self, request):
        """Which required documents are verified, pending, rejected, missing, expiring or
        expired for one subject."""
        query = SubjectQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        subject = _subject_from(query.validated_data, request.user,
                                doc_permissions.may_view_documents)
        try:
            within = max(0, min(int(request.query_params.get("within_days", 0)), 3650))
        except ValueError:
            raise serializers.ValidationError({"within_days": [_("A whole number.")]}) from None
        checklist = selectors.requirement_checklist(subject, on=timezone.localdate(),
                                                    within_days=within)
        data = {"on": checklist.on, "within_days": checklist.within_days,
                "is_complete": checklist.is_complete,
                "earliest_expiry": checklist.earliest_expiry, "items": checklist.items}
        return Response(ChecklistSerializer(data).data)



class PersonalDataAccessSerializer(serializers.ModelSerializer):
    """One read of a person's sensitive data. A person reading their own log sees the
    bureau, when and what; an administrator also sees who read it and through which case."""

    bureau_name = serializers.CharField(source="bureau.name", read_only=True, default="")
    kind_name = serializers.CharField(source="get_kind_display", read_only=True)
    document_type = serializers.CharField(source="document.document_type.display_name",
                                          read_only=True, default="")
    actor = serializers.SerializerMethodField()
    person = serializers.SerializerMethodField()

    class Meta:
        model = PersonalDataAccess
        fields = ["id", "accessed_at", "bureau", "bureau_name", "kind", "kind_name",
                  "document_type", "case_label", "actor", "person"]

    def get_actor(self, access) -> str:
        # by name, as the access-log page does: never the account's username
        return user_label(access.actor) if self.context.get("administrator") else ""

    def get_person(self, access) -> str:
        return access.person.masked_id if self.context.get("administrator") else ""

    def to_representation(self, access):
        data = super().to_representation(access)
        if not self.context.get("administrator"):
            data["case_label"] = ""
        return data


class PersonalDataAccessViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Who read sensitive personal data. ``?scope=mine`` (default for a person): which
    bureaus read the caller's own data, and when. ``?scope=bureau``: a bureau
    administrator's log of the reads by their bureaus."""

    serializer_class = PersonalDataAccessSerializer
    queryset = PersonalDataAccess.objects.none()

    def _administrator(self) -> bool:
        return self.request.query_params.get("scope") == "bureau"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return PersonalDataAccess.objects.none()
        if self._administrator():
            return selectors.personal_data_accesses_for_admin(self.request.user)
        person = person_of_user(self.request.user)
        if person is None:
            return PersonalDataAccess.objects.none()
        return selectors.personal_data_accesses_of_person(person)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "administrator": self._administrator()}

    @extend_schema(parameters=[OpenApiParameter("scope", str, enum=["mine", "bureau"],
                                                required=False)])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)


class EngagementPaperUploadView(APIView):
    """One side uploads its signed copy of an engagement's paper (multipart: ``kind``
    agreement|safety, ``side`` school|provider, ``file``). The fourth copy signs the
    engagement."""

    parser_classes = [MultiPartParser]

    @extend_schema(request=inline_serializer("EngagementPaperUpload", {
        "kind": serializers.ChoiceField(choices=EngagementPaper.Kind.choices),
        "side": serializers.ChoiceField(choices=EngagementPaper.Side.choices),
        "file": serializers.FileField()}),
        responses={201: inline_serializer("EngagementPaperUploaded", {
            "id": serializers.IntegerField(), "engagement_status": serializers.CharField(),
            "sha256": serializers.CharField()})})
    def post(self, request, pk: int):
        engagement = get_object_or_404(Engagement.objects.select_related("school"), pk=pk)
        if not papers.may_read_papers(request.user, engagement):
            raise Http404
        upload = request.FILES.get("file")
        if upload is None:
            raise DRFValidationError({"file": [_("Choose the signed copy to upload.")]})
        paper = papers.engagement_paper_upload(
            actor=request.user, engagement=engagement, kind=request.data.get("kind", ""),
            side=request.data.get("side", ""), file=upload, filename=upload.name,
            declared_content_type=upload.content_type)
        return Response({"id": paper.pk, "engagement_status": engagement.status,
                         "sha256": paper.sha256}, status=201)
class GeneratedFormView(views.APIView):
    """The application form (``application``, 申请表) or the commitment letter
    (``commitment``, 承诺书) of an organization or a person, generated as a PDF from what
    its provider entered, to sign and upload back. Its own providers only."""

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY,
                              404: None})
    def get(self, request, kind, pk, form):
        subject = find_subject(kind, pk)
        # another provider's reads as one nobody holds: not even its existence is shown
        if (subject is None or form not in generated.FORMS
                or not doc_permissions.may_upload_documents(request.user, subject)):
            raise NotFound()
        return generated_form_response(subject, form)
