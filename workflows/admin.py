from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from registry.admin_mixins import ReadOnlyAdminMixin
from workflows.models import (
    AnnualReviewProcess,
    CalendarOverride,
    CallForApplications,
    ExpertAssignment,
    ExpiryReminder,
    Notification,
    Objection,
    PartnerOpinion,
    RecertificationProcess,
    RubricCriterion,
    SelectionProcess,
    VettingProcess,
)

# The rubric and the calendar overrides are edited here; the case data below changes only
# through the flows and their services (which audit it): the admin reads it.

# The record query's (入职查询) reference and result, on a vetting and a re-certification,
# are personal data: never shown in the admin's lists or forms.
RECORD_QUERY_FIELDS = ("query_reference", "query_result")


@admin.register(RubricCriterion)
class RubricCriterionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "name_en", "weight", "max_score", "is_active", "sort_order")
    list_editable = ("weight", "is_active", "sort_order")
    list_filter = ("is_active",)
    search_fields = ("code", "name", "name_en")


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(admin.ModelAdmin):
    list_display = ("date", "is_workday", "note")
    list_filter = ("is_workday",)
    search_fields = ("note",)
    date_hierarchy = "date"


@admin.register(CallForApplications)
class CallForApplicationsAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("title", "bureau", "opens_on", "closes_on", "created_by")
    list_filter = ("bureau",)
    search_fields = ("title", "bureau__name")
    list_select_related = ("bureau", "created_by")


@admin.register(SelectionProcess)
class SelectionProcessAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("pk", "organization", "bureau", "outcome", "weighted_score", "created")
    list_filter = ("outcome", "bureau")
    search_fields = ("organization__name", "organization__uscc")
    list_select_related = ("organization", "bureau")


@admin.register(VettingProcess)
class VettingProcessAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("pk", "person", "bureau", "started_by", "outcome", "created")
    list_filter = ("outcome", "started_by", "bureau")
    search_fields = ("person__name",)
    list_select_related = ("person", "bureau")
    exclude = RECORD_QUERY_FIELDS


@admin.register(RecertificationProcess)
class RecertificationProcessAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("pk", "approval", "bureau", "grace_until", "outcome", "created")
    list_filter = ("outcome", "bureau")
    list_select_related = ("approval", "bureau")
    exclude = RECORD_QUERY_FIELDS


@admin.register(AnnualReviewProcess)
class AnnualReviewProcessAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("pk", "approval", "bureau", "period_end", "decision", "decided_by")
    list_filter = ("decision", "bureau")
    list_select_related = ("approval", "bureau", "decided_by")


@admin.register(ExpertAssignment)
class ExpertAssignmentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("case", "slot", "expert", "status", "total", "drawn_at")
    list_filter = ("status",)
    search_fields = ("expert__username", "case__organization__name")
    list_select_related = ("case", "expert")


@admin.register(Objection)
class ObjectionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("case", "real_name", "status", "created_at", "resolved_by")
    list_filter = ("status",)
    search_fields = ("real_name", "reason")
    list_select_related = ("case", "resolved_by")


@admin.register(PartnerOpinion)
class PartnerOpinionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """A partner department's opinion (会审) is a record: asked by the flow
    (``partner_opinions_request``) and given in the department's task
    (``partner_opinion_give``), which audit both. The admin reads it, with whom the case
    was about and who gave it; it neither writes nor removes one. Which departments a
    category needs is data, in the registry's partner department admin."""

    list_display = ("case", "organization", "department", "opinion", "given_by", "requested_at",
                    "given_at")
    list_filter = ("opinion", "department")
    search_fields = ("case__organization__name", "department__name", "reason", "conditions")
    list_select_related = ("case__organization", "department", "given_by")
    date_hierarchy = "requested_at"

    @admin.display(description=_("organization"), ordering="case__organization__name")
    def organization(self, obj):
        return obj.case.organization


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("user", "subject", "created_at", "read_at", "emailed_at")
    list_filter = ("emailed_at",)
    search_fields = ("user__username", "subject")
    list_select_related = ("user",)


@admin.register(ExpiryReminder)
class ExpiryReminderAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("document", "threshold_days", "expires_on", "created_at", "sent_at")
    list_filter = ("threshold_days",)
    list_select_related = ("document",)
