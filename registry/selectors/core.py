"""Reads. Each selector returns a queryset (or plain data) with its joins already chosen."""

from __future__ import annotations

from functools import cache

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import BigIntegerField, QuerySet
from django.db.models.functions import Cast
from guardian.models import GroupObjectPermission, UserObjectPermission

from registry.models import (
    Approval,
    AuditEvent,
    Bureau,
    Organization,
    PartnerDepartment,
    Person,
    School,
)
from registry.roles import ROLE_PERMISSIONS, Role
from registry.selectors.sql import column, columns, engine, instances, table

_MODELS = {
    "registry.organization": Organization,
    "registry.person": Person,
    "registry.bureau": Bureau,
    "registry.school": School,
    "registry.partnerdepartment": PartnerDepartment,
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

    # One subquery, the UNION of the two grants: OR-ing two ``pk IN (…)`` made PostgreSQL
    # test both for every row of the table (a sequential scan: 16 ms for the menu's
    # organizations at 100k, on every page of every signed-in user); the union is a handful
    # of ids, each then found by the primary key.
    return model.objects.filter(pk__in=granted(UserObjectPermission, user=user).union(
        granted(GroupObjectPermission, group__user=user)))


def granted_objects(user, role: str, model_label: str, *, pk=None, limit: int = 2) -> list:
    """Up to ``limit`` of the objects ``objects_for_role`` answers (the same grants, to the
    user or to one of its groups; only ``pk`` if given), read with their grants by one
    fixed SQL statement, in no particular order.

    For the few objects a user acts for (a school user's school), read on every request
    of theirs: building ``objects_for_role``'s query cost about 1 ms of Python, several
    times what the database spends on it; the statement is written once per process
    (``_granted_sql``) and its row made into the object as ``raw()`` would
    (``instances``), without ``raw()``'s own 0.1 ms."""
    codename = ROLE_PERMISSIONS[Role(role)].get(model_label)
    if codename is None or not user.is_authenticated:
        return []
    model = _MODELS[model_label]
    content_type = ContentType.objects.get_for_model(model).pk
    names, sql = _granted_sql(engine(), model_label, pk is not None)
    params = [user.pk, content_type, content_type, codename] * 2
    if pk is not None:
        params.append(pk)
    with connection.cursor() as cursor:
        cursor.execute(f"{sql} LIMIT {int(limit)}", params)
        rows = cursor.fetchall()
    return instances(model, names, rows, using=connection.alias)


@cache
def _granted_sql(engine: str, model_label: str, one: bool) -> tuple[tuple[str, ...], str]:
    """The objects of ``model_label`` granted to a user or to one of its groups (guardian's
    object permissions of one codename): the attnames of the model's fields and the
    statement that reads them (``one``: only the object given last), for one database
    ``engine``. Its parameters: (user, content type, content type, codename) twice.

    The permission is found by a subquery each (its content type and codename are unique
    together), not a join: PostgreSQL plans that in 0.16 ms, the join in 0.22."""
    model = _MODELS[model_label]
    user_grants, group_grants = UserObjectPermission, GroupObjectPermission
    memberships = get_user_model().groups.through

    def grants(grant_model, join: str, who: str) -> str:
        def g(field: str) -> str:
            return f"g.{column(grant_model, field)}"

        return (f"SELECT CAST({g('object_pk')} AS bigint) FROM {table(grant_model)} g"  # noqa: S608
                f"{join} WHERE {who} = %s AND {g('content_type')} = %s"
                f" AND {g('permission')} = (SELECT p.{column(Permission, 'id')}"
                f" FROM {table(Permission)} p"
                f" WHERE p.{column(Permission, 'content_type')} = %s"
                f" AND p.{column(Permission, 'codename')} = %s)")

    # object_pk is text in guardian's tables; these models' keys are integers
    granted = (grants(user_grants, "", f"g.{column(user_grants, 'user')}") + " UNION ALL "
               + grants(group_grants,
                        f" JOIN {table(memberships)} m ON m.{column(memberships, 'group')}"
                        f" = g.{column(group_grants, 'group')}",
                        f"m.{column(memberships, 'user')}"))
    names = tuple(field.attname for field in model._meta.concrete_fields)
    key = column(model, model._meta.pk.name)
    sql = (f"SELECT {columns(model, names)} FROM {table(model)}"  # noqa: S608 (names)
           f" WHERE {key} IN ({granted})")
    if one:
        sql += f" AND {key} = %s"
    return names, sql


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
