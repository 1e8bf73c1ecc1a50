"""Writes made through the Django admin, as services: its audit events, and changes of
object permissions (guardian's pages and what deleting an object takes with it). The admin
classes (``registry.admin``) only call these."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from guardian.models import GroupObjectPermission, UserObjectPermission
from guardian.shortcuts import assign_perm, remove_perm

from registry.models import AuditEvent
from registry.roles import ROLE_PERMISSIONS
from registry.services.core import audit_event, audit_record, role_grant, role_revoke


def admin_event(*, actor, obj: models.Model, verb: str, **details) -> AuditEvent:
    """An unsaved ``<model>.admin_<verb>`` event (``audit_record_many`` saves a batch)."""
    return audit_event(actor=actor, action=f"{obj._meta.model_name}.{verb}", target=obj,
                       **details)


def admin_saved_events(*, actor, obj: models.Model, fields, change: bool) -> list[AuditEvent]:
    """The events of saving ``obj`` in the admin: created, or changed (field names only,
    never values), or nothing when it was saved as it was."""
    if not change:
        return [admin_event(actor=actor, obj=obj, verb="admin_create")]
    if not fields:
        return []
    return [admin_event(actor=actor, obj=obj, verb="admin_change",
                        data={"fields": sorted(fields)})]


def roles_by_codename(model) -> dict[str, str]:
    """The roles that act on ``model``, by the object permission each grants on it."""
    label = model._meta.label_lower
    return {targets[label]: role for role, targets in ROLE_PERMISSIONS.items()
            if label in targets}


def _permission_audit(actor, obj, verb: str, codename: str, *, user=None, group=None) -> None:
    holder = {"user": user.get_username()} if user is not None else {"group": group.name}
    audit_record(actor=actor, action=f"permission.{verb}", target=obj,
                 data={**holder, "permission": codename})


@transaction.atomic
def object_permissions_change(*, actor, obj: models.Model, granted, revoked, user=None,
                              group=None) -> None:
    """Grant and revoke object permissions on ``obj`` for one user or one group. A user's
    role permission goes through ``role_grant`` / ``role_revoke`` (its group, its event);
    any other permission, and any of a group's, is changed with an event of its own."""
    roles = roles_by_codename(type(obj)) if user is not None else {}
    holder = user if user is not None else group
    for codename in revoked:
        if codename in roles:
            role_revoke(actor=actor, user=user, role=roles[codename], target=obj)
        else:
            remove_perm(codename, holder, obj)
            _permission_audit(actor, obj, "admin_revoke", codename, user=user, group=group)
    for codename in granted:
        if codename in roles:
            role_grant(actor=actor, user=user, role=roles[codename], target=obj)
        else:
            assign_perm(codename, holder, obj)
            _permission_audit(actor, obj, "admin_grant", codename, user=user, group=group)


@transaction.atomic
def object_permissions_revoke(*, actor, objects) -> None:
    """Before ``objects`` are deleted: the roles held on them go through ``role_revoke``
    (its audit event; the role's group goes with the holder's last object), and any other
    object permission on them is removed with an event of its own. guardian names an
    object by its key as text, so without this its rows would outlive the object, and the
    holders would keep their role groups with nothing recorded."""
    objects = list(objects)
    if not objects:
        return
    model = type(objects[0])
    content_type = ContentType.objects.get_for_model(model)
    by_pk = {str(obj.pk): obj for obj in objects}
    roles = roles_by_codename(model)
    for grant in (UserObjectPermission.objects
                  .filter(content_type=content_type, object_pk__in=list(by_pk))
                  .select_related("user", "permission").order_by("pk")):
        obj, codename = by_pk[grant.object_pk], grant.permission.codename
        if codename in roles:
            role_revoke(actor=actor, user=grant.user, role=roles[codename], target=obj)
        else:
            remove_perm(codename, grant.user, obj)
            _permission_audit(actor, obj, "admin_revoke", codename, user=grant.user)
    for grant in (GroupObjectPermission.objects
                  .filter(content_type=content_type, object_pk__in=list(by_pk))
                  .select_related("group", "permission").order_by("pk")):
        obj, codename = by_pk[grant.object_pk], grant.permission.codename
        remove_perm(codename, grant.group, obj)
        _permission_audit(actor, obj, "admin_revoke", codename, group=grant.group)
