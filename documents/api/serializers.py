from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from documents import permissions
from documents.models import Document, DocumentType
from registry.formatting import user_label


class DocumentTypeSerializer(serializers.ModelSerializer):
    class Meta:
        model = DocumentType
        fields = ["code", "name", "name_en", "subject", "registration_kinds", "provider_kinds",
                  "person_kinds", "is_required", "per_offering", "for_high_risk", "expires",
                  "validity_months", "max_age_days", "description"]


class DocumentSerializer(serializers.ModelSerializer):
    document_type = serializers.SlugRelatedField(slug_field="code", read_only=True)
    document_type_name = serializers.CharField(source="document_type.display_name",
                                               read_only=True)
    # by name, never the account's username (an account detail: workflows.actor_names);
    # null: not reviewed yet (or the account is gone)
    uploaded_by = serializers.SerializerMethodField()
    reviewed_by = serializers.SerializerMethodField()
    review_state_label = serializers.CharField(source="get_review_state_display",
                                               read_only=True)
    is_current = serializers.BooleanField(read_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Document
        fields = ["id", "document_type", "document_type_name", "organization", "person",
                  "offering", "issued_on", "expires_on", "original_name", "size", "sha256",
                  "content_type",
                  "uploaded_by", "uploaded_at", "review_state", "review_state_label",
                  "reviewed_by", "reviewed_at", "rejection_reason", "is_current",
                  "superseded_at", "superseded_by", "download_url"]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_uploaded_by(self, obj) -> str | None:
        return user_label(obj.uploaded_by) if obj.uploaded_by_id else None

    @extend_schema_field(serializers.CharField(allow_null=True, help_text=(
        "The reviewing clerk's name, to the bureaus' staff only: a provider reads the "
        "review's outcome and reason, never which clerk made it (as on a case's history).")))
    def get_reviewed_by(self, obj) -> str | None:
        request = self.context.get("request")
        if (not obj.reviewed_by_id or request is None
                or not permissions.may_see_reviewer(request.user)):
            return None
        return user_label(obj.reviewed_by)

    @extend_schema_field(serializers.CharField())
    def get_download_url(self, obj) -> str:
        return reverse("documents-api:document-download", args=[obj.pk])


class SubjectQuerySerializer(serializers.Serializer):
    organization = serializers.IntegerField(required=False, min_value=1)
    person = serializers.IntegerField(required=False, min_value=1)

    def validate(self, attrs):
        if ("organization" in attrs) == ("person" in attrs):
            raise serializers.ValidationError(
                _("Give exactly one of organization or person."))
        return attrs


class DocumentListQuerySerializer(SubjectQuerySerializer):
    history = serializers.BooleanField(required=False, default=True)


class DocumentUploadSerializer(SubjectQuerySerializer):
    """Multipart form of an upload. The file's bytes decide its type; ``filename``
    overrides the name the browser sent (which Django already stripped of paths)."""

    document_type = serializers.CharField(max_length=40)
    file = serializers.FileField(allow_empty_file=True, use_url=False)
    filename = serializers.CharField(required=False, trim_whitespace=False, allow_blank=True)
    issued_on = serializers.DateField()
    expires_on = serializers.DateField(required=False, allow_null=True)
    offering = serializers.IntegerField(
        required=False, allow_null=True, min_value=1,
        help_text="For a document that is one per offering (course_plan, 课程方案): which of "
                  "the organization's offerings it is for. A new upload replaces that "
                  "offering's current one.")


class RejectSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True)


class ChecklistItemSerializer(serializers.Serializer):
    document_type = serializers.CharField(source="document_type.code")
    document_type_name = serializers.CharField(source="document_type.display_name")
    required = serializers.BooleanField()
    state = serializers.ChoiceField(
        choices=["verified", "pending", "rejected", "missing", "expiring", "expired"])
    document = serializers.IntegerField(source="document.pk", default=None,
                                        allow_null=True)  # null: missing
    expires_on = serializers.DateField(allow_null=True)
    offering = serializers.IntegerField(source="offering.pk", default=None, allow_null=True,
                                        help_text="The offering a per-offering item (a course "
                                                  "plan) is for; null otherwise.")
    message = serializers.CharField()


class ChecklistSerializer(serializers.Serializer):
    on = serializers.DateField()
    within_days = serializers.IntegerField()
    is_complete = serializers.BooleanField()
    earliest_expiry = serializers.DateField(allow_null=True)
    items = ChecklistItemSerializer(many=True)
