"""Reads. Each selector returns a queryset (or plain data) with its joins already chosen."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
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
    every school search and bureau page starts here."""
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
