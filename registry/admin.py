import functools

from django.contrib import admin
from django.db import router, transaction
from django.utils.translation import gettext_lazy as _
from guardian.admin import (
    AdminGroupObjectPermissionsForm,
    AdminUserObjectPermissionsForm,
    GuardedModelAdmin,
)

from registry.admin_mixins import ReadOnlyAdminMixin
from registry.models import (
    AcademicSignal,
    AllowedCategory,
    Approval,
    AuditEvent,
    Blacklisting,
    BlacklistProposal,
    Bureau,
    Engagement,
    FeeReference,
    Jurisdiction,
    Offering,
    Organization,
    PartnerDepartment,
    Person,
    PersonalDataConsent,
    Publication,
    RecheckRequest,
    ReviewRequest,
    School,
    ServiceCategory,
)
from registry.services.administration import (
    admin_event,
    admin_saved_events,
    object_permissions_change,
    object_permissions_revoke,
    person_account_set,
)
from registry.services.core import audit_record_many
from registry.services.search import search_index_refresh

admin.site.site_header = _("After-school provider registry")
admin.site.site_title = _("After-school provider registry")


class AuditedAdmin(admin.ModelAdmin):
    """Writes through the admin leave audit events as the services' writes do: the admin
    user as the actor, ``<model>.admin_create``, ``.admin_change`` (with the names of the
    changed fields) or ``.admin_delete``, in the transaction of the write (the admin runs its
    add, change and delete pages in one; the bulk delete action is wrapped here). Inline
    rows are audited as their own objects. Field names only, never values: a person's ID
    number must not be copied into the audit trail."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        audit_record_many(_saved_events(request, obj, self.audited_fields(form), change))

    def audited_fields(self, form) -> list[str]:
        """The changed fields that ``admin_change`` names: a field that a service writes and
        audits itself is left to that service."""
        return form.changed_data

    def save_formset(self, request, form, formset, change):
        # before the rows go: an event names its object by its primary key
        deleted = [_event(request, f.instance, "admin_delete") for f in formset.deleted_forms
                   if f.instance.pk is not None]
        super().save_formset(request, form, formset, change)
        events = [e for obj in formset.new_objects
                  for e in _saved_events(request, obj, (), change=False)]
        events += [e for obj, fields in formset.changed_objects
                   for e in _saved_events(request, obj, fields, change=True)]
        audit_record_many(deleted + events)

    def delete_model(self, request, obj):
        audit_record_many(self.deletion_events(request, obj))
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        # the bulk delete action, unlike the delete page, runs outside a transaction
        with transaction.atomic(using=router.db_for_write(self.model)):
            audit_record_many([e for obj in queryset for e in self.deletion_events(request, obj)])
            super().delete_queryset(request, queryset)

    def deletion_events(self, request, obj) -> list:
        """The object's deletion, and what the deletion does to other audited rows."""
        return [_event(request, obj, "admin_delete")]


def _event(request, obj, verb: str, **details):
    return admin_event(actor=request.user, obj=obj, verb=verb, **details)


def _saved_events(request, obj, fields, change: bool) -> list:
    return admin_saved_events(actor=request.user, obj=obj, fields=fields, change=change)


class _AuditedUserPermissionsForm(AdminUserObjectPermissionsForm):
    """guardian's form for one user's permissions on one object, saved through
    ``object_permissions_change`` (a role's permission as ``role_grant`` / ``role_revoke``)."""

    def __init__(self, user, obj, *args, actor, **kwargs):
        self.actor = actor
        super().__init__(user, obj, *args, **kwargs)

    def save_obj_perms(self) -> None:
        granted, revoked = _permission_changes(self)
        object_permissions_change(actor=self.actor, obj=self.obj, user=self.user,
                                  granted=granted, revoked=revoked)


class _AuditedGroupPermissionsForm(AdminGroupObjectPermissionsForm):
    """guardian's form for one group's permissions on one object: every member gains or
    loses them; saved through ``object_permissions_change``, which audits each change."""

    def __init__(self, group, obj, *args, actor, **kwargs):
        self.actor = actor
        super().__init__(group, obj, *args, **kwargs)

    def save_obj_perms(self) -> None:
        granted, revoked = _permission_changes(self)
        object_permissions_change(actor=self.actor, obj=self.obj, group=self.group,
                                  granted=granted, revoked=revoked)


def _permission_changes(form) -> tuple[list[str], list[str]]:
    """(granted, revoked) codenames of a validated guardian form, as its save would."""
    chosen = set(form.cleaned_data[form.get_obj_perms_field_name()])
    offered = {codename for codename, _name in form.get_obj_perms_field_choices()}
    held = set(form.get_obj_perms_field_initial())
    return sorted(chosen - held), sorted((offered - chosen) & held)


class AuditedGuardedAdmin(AuditedAdmin, GuardedModelAdmin):
    """An audited admin with guardian's object permission pages, whose changes are
    audited too: granting or revoking a role there is ``role_grant`` / ``role_revoke``.
    Deleting an object revokes what is held on it first (``object_permissions_revoke``),
    in the transaction of the delete."""

    def delete_model(self, request, obj):
        # the admin's delete page runs in a transaction
        object_permissions_revoke(actor=request.user, objects=[obj])
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic(using=router.db_for_write(self.model)):
            object_permissions_revoke(actor=request.user, objects=queryset)
            super().delete_queryset(request, queryset)

    def get_obj_perms_manage_user_form(self, request):
        return functools.partial(_AuditedUserPermissionsForm, actor=request.user)

    def get_obj_perms_manage_group_form(self, request):
        return functools.partial(_AuditedGroupPermissionsForm, actor=request.user)


@admin.register(Jurisdiction)
class JurisdictionAdmin(AuditedAdmin):
    list_display = ("code", "name", "name_en", "level", "parent")
    list_filter = ("level",)
    search_fields = ("code", "name", "name_en")
    list_select_related = ("parent",)
    autocomplete_fields = ("parent",)

    def deletion_events(self, request, obj) -> list:
        """Its policy rules go with it (CASCADE); everything else under it is PROTECTed."""
        return [*super().deletion_events(request, obj),
                *_cascaded(request, obj, "jurisdiction", obj.allowed_categories.all(),
                           obj.fee_references.all())]


@admin.register(Bureau)
class BureauAdmin(AuditedGuardedAdmin):
    list_display = ("name", "jurisdiction", "email", "phone")
    list_filter = ("jurisdiction__level",)
    search_fields = ("name", "name_en", "jurisdiction__name")
    list_select_related = ("jurisdiction",)
    autocomplete_fields = ("jurisdiction",)


@admin.register(PartnerDepartment)
class PartnerDepartmentAdmin(AuditedGuardedAdmin):
    """Partner departments (会审) and the categories that need their opinion; their users
    are given the department role on the object permissions page (``role_grant``)."""

    list_display = ("name", "jurisdiction", "is_active")
    list_filter = ("is_active", "jurisdiction__level")
    search_fields = ("name", "name_en", "jurisdiction__name")
    list_select_related = ("jurisdiction",)
    autocomplete_fields = ("jurisdiction",)
    filter_horizontal = ("categories",)


@admin.register(School)
class SchoolAdmin(AuditedGuardedAdmin):
    list_display = ("name", "code", "county")
    list_filter = ("county__parent", "county")
    search_fields = ("name", "code")
    list_select_related = ("county",)
    autocomplete_fields = ("county",)

    def deletion_events(self, request, obj) -> list:
        """Its terms go with it (CASCADE; a school with engagements cannot be deleted)."""
        return [*super().deletion_events(request, obj),
                *_cascaded(request, obj, "school", obj.terms.all())]


@admin.register(ServiceCategory)
class ServiceCategoryAdmin(AuditedAdmin):
    list_display = ("code", "name", "name_en", "parent", "is_high_risk", "is_active",
                    "sort_order")
    list_filter = ("is_active", "is_high_risk", "parent")
    list_editable = ("is_active", "sort_order")
    search_fields = ("code", "name", "name_en")
    list_select_related = ("parent",)

    def deletion_events(self, request, obj) -> list:
        """Its policy rules go with it (CASCADE), and the approvals that list it lose it
        (each recorded as a change of its categories); offerings PROTECT it."""
        return [*super().deletion_events(request, obj),
                *_cascaded(request, obj, "servicecategory", obj.allowed_in.all(),
                           obj.fee_references.all()),
                *(_event(request, a, "admin_change", data={"fields": ["categories"]})
                  for a in obj.approvals.all())]


def _cascaded(request, obj, name: str, *querysets) -> list:
    """``admin_delete`` events for the rows that deleting ``obj`` deletes with it."""
    return [_event(request, row, "admin_delete", data={"with": name})
            for queryset in querysets for row in queryset]


class OfferingInline(admin.TabularInline):
    model = Offering
    extra = 0
    fields = ("title", "category", "grade_min", "grade_max", "fee_per_session", "capacity",
              "free_places_per_term", "weekdays", "is_active")


@admin.register(Organization)
class OrganizationAdmin(AuditedGuardedAdmin):
    list_display = ("name", "uscc", "provider_kind", "registration_kind", "county",
                    "contact_name", "created_at")
    list_filter = ("provider_kind", "registration_kind", "county__parent", "county")
    search_fields = ("name", "uscc", "legal_representative")
    list_select_related = ("county",)
    autocomplete_fields = ("county", "administrator")
    inlines = [OfferingInline]

    def save_related(self, request, form, formsets, change):
        """After the offerings too: school search reads the name and titles from the
        search document, which the services keep current and the admin must as well."""
        super().save_related(request, form, formsets, change)
        search_index_refresh(organization=form.instance)

    def deletion_events(self, request, obj) -> list:
        """Its offerings go with it (CASCADE) and its people lose their employer (SET_NULL):
        each is recorded as its own change."""
        return [
            *super().deletion_events(request, obj),
            *(_event(request, o, "admin_delete", data={"with": "organization"})
              for o in obj.offerings.all()),
            *(_event(request, p, "admin_change", data={"fields": ["organization"]})
              for p in obj.people.all()),
        ]


@admin.register(Person)
class PersonAdmin(AuditedGuardedAdmin):
    list_display = ("name", "masked_id", "kind", "organization", "created_at")
    list_filter = ("kind",)
    # Exact ID number lookups only: no partial matching on personal data.
    search_fields = ("name", "=id_number")
    list_select_related = ("organization",)
    raw_id_fields = ("organization", "user")

    @admin.display(description=_("resident ID number"))
    def masked_id(self, obj):
        return obj.masked_id

    def save_model(self, request, obj, form, change):
        """The record is saved with the account it had; whose own account it is then goes
        through ``person_account_set``, which gives that account the provider role on the
        record (as registering or claiming it does), takes it from the account replaced and
        records both: set as a plain field, the account read the record and could not act
        for it, and nothing said who linked it."""
        account = obj.user
        obj.user_id = form.initial.get("user") if change else None
        super().save_model(request, obj, form, change)
        person_account_set(actor=request.user, person=obj, user=account)
        search_index_refresh(person=obj)

    def audited_fields(self, form) -> list[str]:
        return [name for name in form.changed_data if name != "user"]


@admin.register(Offering)
class OfferingAdmin(AuditedAdmin):
    list_display = ("title", "organization", "category", "fee_per_session", "capacity",
                    "free_places_per_term", "is_active")
    list_filter = ("category", "is_active")
    search_fields = ("title", "description", "organization__name")
    list_select_related = ("organization", "category")
    raw_id_fields = ("organization",)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        search_index_refresh(organization=obj.organization)
        moved_from = form.initial.get("organization") if change else None
        if moved_from not in (None, obj.organization_id):
            # the organization it left must no longer be found by its title
            _refresh_organizations([moved_from])

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        _refresh_organizations([obj.organization_id])

    def delete_queryset(self, request, queryset):
        organization_ids = set(queryset.values_list("organization_id", flat=True))
        # the base class's transaction: the refresh belongs to the deletion it follows
        with transaction.atomic(using=router.db_for_write(self.model)):
            super().delete_queryset(request, queryset)
            _refresh_organizations(organization_ids)


def _refresh_organizations(ids) -> None:
    """Rewrite the search documents of these organizations, after their offerings changed:
    a deleted offering's title must not keep finding its organization."""
    for organization in Organization.objects.filter(pk__in=ids).order_by("pk"):
        search_index_refresh(organization=organization)


@admin.register(Approval)
class ApprovalAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only here: status changes go through the services, which audit them."""

    list_display = ("__str__", "status", "jurisdiction", "valid_from", "valid_until")
    list_filter = ("status", "jurisdiction__level", "jurisdiction")
    search_fields = ("organization__name", "organization__uscc", "person__name")
    list_select_related = ("organization", "person", "jurisdiction")
    raw_id_fields = ("organization", "person")


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("created_at", "actor_repr", "action", "target_repr", "from_state",
                    "to_state")
    list_filter = ("action", "target_type")
    search_fields = ("actor_repr", "action", "target_repr", "reason")
    date_hierarchy = "created_at"


@admin.register(PersonalDataConsent)
class PersonalDataConsentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: a consent is evidence, given by the person or attested by the organization
    through the services (which audit it); nobody edits or deletes it here."""

    list_display = ("person", "kind", "version", "given_at", "withdrawn_at")
    list_filter = ("kind", "version")
    list_select_related = ("person",)
    search_fields = ("person__name",)
    date_hierarchy = "given_at"


@admin.register(Publication)
class PublicationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("__str__", "published_on", "entry_count", "digest")
    list_filter = ("jurisdiction", "year")
    list_select_related = ("jurisdiction",)
    exclude = ("diff",)


@admin.register(Engagement)
class EngagementAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("school", "organization", "person", "term", "starts_on", "ends_on",
                    "fee_per_session", "sessions")
    list_filter = ("school__county",)
    list_select_related = ("school", "organization", "person", "term")
    search_fields = ("school__name", "organization__name", "person__name")


@admin.register(ReviewRequest)
class ReviewRequestAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("__str__", "bureau", "trigger", "status", "created_at")
    list_filter = ("status", "trigger", "bureau")
    list_select_related = ("bureau", "organization", "person")


@admin.register(Blacklisting)
class BlacklistingAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("__str__", "bureau", "starts_on", "ends_on", "lifted_at")
    list_select_related = ("bureau", "organization", "person")
    exclude = ("id_number",)


@admin.register(BlacklistProposal)
class BlacklistProposalAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Proposals are confirmed or refused on the bureau's pages (four eyes, audited), never
    here."""

    list_display = ("__str__", "kind", "status", "bureau", "proposed_at", "decided_at")
    list_filter = ("kind", "status")
    list_select_related = ("bureau", "organization", "person")


@admin.register(RecheckRequest)
class RecheckRequestAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("__str__", "status", "requested_at", "decided_at")
    list_filter = ("status",)
    list_select_related = ("proposal__organization", "proposal__person")


# --- policy screening rules (data the bureaus keep) -----------------------------------

@admin.register(AllowedCategory)
class AllowedCategoryAdmin(AuditedAdmin):
    list_display = ("jurisdiction", "category")
    list_filter = ("jurisdiction__level", "category")
    search_fields = ("jurisdiction__name", "jurisdiction__code", "category__name")
    list_select_related = ("jurisdiction", "category__parent")
    autocomplete_fields = ("jurisdiction",)


@admin.register(AcademicSignal)
class AcademicSignalAdmin(AuditedAdmin):
    list_display = ("word", "explanation", "explanation_en", "is_active")
    list_filter = ("is_active",)
    list_editable = ("is_active",)
    search_fields = ("word", "explanation", "explanation_en")


@admin.register(FeeReference)
class FeeReferenceAdmin(AuditedAdmin):
    list_display = ("jurisdiction", "category", "effective_from", "reference_fee", "cap",
                    "source")
    list_filter = ("category", "jurisdiction__level")
    search_fields = ("jurisdiction__name", "jurisdiction__code", "category__name", "source")
    list_select_related = ("jurisdiction", "category__parent")
    autocomplete_fields = ("jurisdiction",)
    date_hierarchy = "effective_from"
