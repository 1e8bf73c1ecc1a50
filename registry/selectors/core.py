"""Reads. Each selector returns a queryset (or plain data) with its joins already chosen."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import BigIntegerField, Q, QuerySet
from django.db.models.functions import Cast
from guardian.models import GroupObjectPermission, UserObjectPermission

from registry.models import Approval, AuditEvent, Bureau, Organization, Person, School
from registry.roles import ROLE_PERMISSIONS, Role

_MODELS = {
    "registry.organization": Organization,
    "registry.person": Person,
    "registry.bureau": Bureau,
    "registry.school": School,
}


def objects_for_role(user, role: str, model_label: str) -> QuerySet:
    """The objects of ``model_label`` on which ``user`` holds ``role``: guardian's object
    permissions given to the user or to one of its groups (never global permissions, and
    a superuser holds no role it was not given).

    What ``guardian.shortcuts.get_objects_for_user(..., accept_global_perms=False,
    with_superuser=False)`` answers, asked as one query with the grants as subqueries: the
    shortcut spends more Python building its query than the database spends on it, and
    every bureau page starts here. (School search reads its school through
    ``granted_objects``, the same grants in one fixed statement.)"""
    model = _MODELS[model_label]
    codename = ROLE_PERMISSIONS[Role(role)].get(model_label)
    if codename is None or not user.is_authenticated:
        return model.objects.none()
    content_type = ContentType.objects.get_for_model(model)  # cached by Django

    def granted(grants, **who):
        return (grants.objects.filter(**who, content_type=content_type,
                                      permission__content_type=content_type,
                                      permission__codename=codename)
                .annotate(granted_pk=Cast("object_pk", BigIntegerField()))
                .values("granted_pk"))

    return model.objects.filter(
        Q(pk__in=granted(UserObjectPermission, user=user))
        | Q(pk__in=granted(GroupObjectPermission, group__user=user)))


def _granted_sql() -> str:
    """Guardian's user and group grants of one permission on one model, as one fixed
    statement (see granted_objects)."""
    quote = connection.ops.quote_name
    user_grants, group_grants = (quote(UserObjectPermission._meta.db_table),
                                 quote(GroupObjectPermission._meta.db_table))
    permissions = quote(Permission._meta.db_table)
    memberships = quote(get_user_model().groups.through._meta.db_table)
    return (
        f"SELECT g.object_pk FROM {user_grants} g"  # noqa: S608 (table names, no input)
        f" JOIN {permissions} p ON p.id = g.permission_id"
        " WHERE g.user_id = %s AND g.content_type_id = %s"
        " AND p.content_type_id = %s AND p.codename = %s"
        f" UNION SELECT g.object_pk FROM {group_grants} g"
        f" JOIN {permissions} p ON p.id = g.permission_id"
        f" JOIN {memberships} m ON m.group_id = g.group_id"
        " WHERE m.user_id = %s AND g.content_type_id = %s"
        " AND p.content_type_id = %s AND p.codename = %s")


def granted_objects(user, role: str, model_label: str, *, pk=None, limit: int = 2) -> list:
    """Up to ``limit`` of the objects ``objects_for_role`` answers (the same grants, to the
    user or to one of its groups; only ``pk`` if given), read with their grants by one
    fixed SQL statement, in no particular order.

    For the few objects a user acts for (a school user's school), read on every request
    of theirs: building ``objects_for_role``'s query cost about 1 ms of Python, several
    times what the database spends on it."""
    codename = ROLE_PERMISSIONS[Role(role)].get(model_label)
    if codename is None or not user.is_authenticated:
        return []
    model = _MODELS[model_label]
    content_type = ContentType.objects.get_for_model(model).pk
    key = connection.ops.quote_name(model._meta.pk.column)
    # object_pk is text in guardian's tables; these models' keys are integers
    sql = (f"SELECT * FROM {connection.ops.quote_name(model._meta.db_table)}"  # noqa: S608
           f" WHERE {key} IN (SELECT CAST(granted.object_pk AS bigint)"
           f" FROM ({_granted_sql()}) granted)")
    params = [user.pk, content_type, content_type, codename] * 2
    if pk is not None:
        sql += f" AND {key} = %s"
        params.append(pk)
    return list(model.objects.raw(f"{sql} LIMIT {int(limit)}", params))


def user_role_summary(user) -> list[dict]:
    """What ``user`` may act for, role by role: for the home page and the API's ``/me``."""
    summary = []
    if not user.is_authenticated:
        return summary
    for role, targets in ROLE_PERMISSIONS.items():
        for label in targets:
            queryset = objects_for_role(user, role, label)
            if label == "registry.bureau":
                queryset = queryset.select_related("jurisdiction")
            elif label == "registry.school":
                queryset = queryset.select_related("county")
            for obj in queryset[:50]:
                summary.append({"role": Role(role), "object": obj, "model": label})
    return summary


def audit_trail(obj) -> QuerySet:
    """The audit events of one object, newest first."""
    return AuditEvent.objects.for_object(obj).select_related("actor")


def approvals_valid_now(*, jurisdiction_ids=None) -> QuerySet:
    """Approvals in force today, optionally within some jurisdictions."""
    queryset = Approval.objects.valid_on().select_related("organization", "person", "jurisdiction")
    if jurisdiction_ids is not None:
        queryset = queryset.filter(jurisdiction_id__in=list(jurisdiction_ids))
    return queryset
