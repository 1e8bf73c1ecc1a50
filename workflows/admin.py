from django.contrib import admin

from workflows.models import (
    AnnualReviewProcess,
    CalendarOverride,
    CallForApplications,
    ExpertAssignment,
    ExpiryReminder,
    Notification,
    Objection,
    RecertificationProcess,
    RubricCriterion,
    SelectionProcess,
    VettingProcess,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Case data changes only through the flows and their services (which audit it)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


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
class CallForApplicationsAdmin(ReadOnlyAdmin):
    list_display = ("title", "bureau", "opens_on", "closes_on", "created_by")
    list_filter = ("bureau",)
    search_fields = ("title", "bureau__name")
    list_select_related = ("bureau", "created_by")


@admin.register(SelectionProcess)
class SelectionProcessAdmin(ReadOnlyAdmin):
    list_display = ("pk", "organization", "bureau", "outcome", "weighted_score", "created")
    list_filter = ("outcome", "bureau")
    search_fields = ("organization__name", "organization__uscc")
    list_select_related = ("organization", "bureau")


@admin.register(VettingProcess)
class VettingProcessAdmin(ReadOnlyAdmin):
    list_display = ("pk", "person", "bureau", "started_by", "outcome", "created")
    list_filter = ("outcome", "started_by", "bureau")
    search_fields = ("person__name",)
    list_select_related = ("person", "bureau")
    # The record query result is personal data: not shown in the admin list or form.
    exclude = ("query_reference", "query_result")


@admin.register(RecertificationProcess)
class RecertificationProcessAdmin(ReadOnlyAdmin):
    list_display = ("pk", "approval", "bureau", "grace_until", "outcome", "created")
    list_filter = ("outcome", "bureau")
    list_select_related = ("approval", "bureau")
    exclude = ("query_reference", "query_result")


@admin.register(AnnualReviewProcess)
class AnnualReviewProcessAdmin(ReadOnlyAdmin):
    list_display = ("pk", "approval", "bureau", "period_end", "decision", "decided_by")
    list_filter = ("decision", "bureau")
    list_select_related = ("approval", "bureau", "decided_by")


@admin.register(ExpertAssignment)
class ExpertAssignmentAdmin(ReadOnlyAdmin):
    list_display = ("case", "slot", "expert", "status", "total", "drawn_at")
    list_filter = ("status",)
    search_fields = ("expert__username", "case__organization__name")
    list_select_related = ("case", "expert")


@admin.register(Objection)
class ObjectionAdmin(ReadOnlyAdmin):
    list_display = ("case", "real_name", "status", "created_at", "resolved_by")
    list_filter = ("status",)
    search_fields = ("real_name", "reason")
    list_select_related = ("case", "resolved_by")


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ("user", "subject", "created_at", "read_at", "emailed_at")
    list_filter = ("emailed_at",)
    search_fields = ("user__username", "subject")
    list_select_related = ("user",)


@admin.register(ExpiryReminder)
class ExpiryReminderAdmin(ReadOnlyAdmin):
    list_display = ("document", "threshold_days", "expires_on", "created_at", "sent_at")
    list_filter = ("threshold_days",)
    list_select_related = ("document",)
