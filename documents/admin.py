from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from documents.models import Document, DocumentDownload, DocumentType
from registry.admin_mixins import ReadOnlyAdminMixin
from registry.models import Organization, Person


class DocumentTypeForm(forms.ModelForm):
    registration_kinds = forms.MultipleChoiceField(
        label=_("registration kinds"), required=False, widget=forms.CheckboxSelectMultiple,
        choices=Organization.RegistrationKind.choices,
        help_text=_("For organization types; none ticked: all kinds."))
    provider_kinds = forms.MultipleChoiceField(
        label=_("kinds of provider"), required=False, widget=forms.CheckboxSelectMultiple,
        choices=Organization.ProviderKind.choices,
        help_text=_("For organization types; none ticked: all kinds."))
    person_kinds = forms.MultipleChoiceField(
        label=_("person kinds"), required=False, widget=forms.CheckboxSelectMultiple,
        choices=Person.Kind.choices, help_text=_("For person types; none ticked: all kinds."))

    class Meta:
        model = DocumentType
        fields = ["code", "name", "name_en", "subject", "registration_kinds", "provider_kinds",
                  "person_kinds", "is_required", "per_offering", "for_high_risk", "expires",
                  "validity_months", "max_age_days", "description", "is_active", "sort_order"]


@admin.register(DocumentType)
class DocumentTypeAdmin(admin.ModelAdmin):
    form = DocumentTypeForm
    list_display = ("code", "name", "name_en", "subject", "is_required", "expires",
                    "validity_months", "per_offering", "for_high_risk", "is_active",
                    "sort_order")
    list_filter = ("subject", "is_required", "expires", "per_offering", "for_high_risk",
                   "is_active")
    search_fields = ("code", "name", "name_en")


@admin.register(Document)
class DocumentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: documents change only through the services (upload, verify, reject)."""

    list_display = ("pk", "document_type", "organization", "person", "review_state",
                    "expires_on", "uploaded_at", "superseded_at")
    list_filter = ("review_state", "document_type")
    list_select_related = ("document_type", "organization", "person")
    search_fields = ("organization__name", "person__name", "sha256")


@admin.register(DocumentDownload)
class DocumentDownloadAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("downloaded_at", "user", "document", "via")
    list_select_related = ("user", "document__document_type")
    date_hierarchy = "downloaded_at"
