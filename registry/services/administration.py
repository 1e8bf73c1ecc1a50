"""Writes made through the Django admin, as services: its audit events, changes of object
permissions (guardian's pages and what deleting an object takes with it), and whose own
account a person's record is. The admin classes (``registry.admin``) only call these."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermission, UserObjectPermission
from guardian.shortcuts import assign_perm, get_user_perms, remove_perm

from registry.models import AuditAction, AuditEvent, Person
from registry.roles import ROLE_PERMISSIONS, Role
from registry.services.core import (
    audit_event,
    audit_record,
    own_account_lock,
    require_perm,
    role_grant,
    role_revoke,
)


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


@transaction.atomic
def person_account_set(*, actor, person: Person, user) -> Person:
    """Make ``user`` the person's own account (``Person.user``), or, with None, no account's.
    The account is given the provider role on the record, as registering or accepting an
    invitation to claim it gives it; the account it replaces loses that role. Each change is
    audited (``person.account_unlink``, ``person.account_link``, the roles' own events);
    the same account again changes nothing. An account that is already another person's own
    is refused: a record is one person's, an account one person's."""
    require_perm(actor, "registry.change_person", None,
                 _("You may not change whose own account a person's record is."))
    # the person, then the account: a link made meanwhile (here, by an invitation claimed,
    # by registering) is waited for and then seen, refused below as if it came first
    locked = Person.objects.select_for_update().get(pk=person.pk)
    previous = locked.user
    if (previous.pk if previous else None) == (user.pk if user else None):
        return locked
    if user is not None:
        own_account_lock(user)
    if user is not None and Person.objects.filter(user=user).exclude(pk=locked.pk).exists():
        raise ValidationError({"user": _("This account already has its own person record.")},
                              code="user_taken")
    locked.user = person.user = user
    locked.save(update_fields=["user", "updated_at"])
    codename = ROLE_PERMISSIONS[Role.PROVIDER][Person._meta.label_lower]
    if previous is not None:
        if codename in get_user_perms(previous, locked):
            role_revoke(actor=actor, user=previous, role=Role.PROVIDER, target=locked)
        audit_record(actor=actor, action=AuditAction.PERSON_ACCOUNT_UNLINK, target=locked,
                     data={"user": previous.get_username()})
    if user is not None:
        if codename not in get_user_perms(user, locked):
            role_grant(actor=actor, user=user, role=Role.PROVIDER, target=locked)
        audit_record(actor=actor, action=AuditAction.PERSON_ACCOUNT_LINK, target=locked,
                     data={"user": user.get_username()})
    return locked
