"""Reads of background jobs: a job is seen by the user who started it and by the staff of
its bureau, nobody else."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from registry.models import BackgroundJob, Bureau
from registry.roles import Role

from .core import objects_for_role

_STAFF_ROLES = (Role.BUREAU_CLERK, Role.BUREAU_EXPERT, Role.BUREAU_APPROVER, Role.BUREAU_ADMIN)


def staffed_bureau_ids(user) -> QuerySet:
    """The ids of the bureaus where ``user`` holds any staff role (a subquery)."""
    match = Q(pk__in=[])
    for role in _STAFF_ROLES:
        match |= Q(pk__in=objects_for_role(user, role, "registry.bureau").values("pk"))
    return Bureau.objects.filter(match).values("pk")


def jobs_visible_to(user) -> QuerySet:
    """The jobs ``user`` started, and those of the bureaus they are staff of, newest first."""
    if not user.is_authenticated:
        return BackgroundJob.objects.none()
    return (BackgroundJob.objects.filter(Q(owner=user) | Q(bureau_id__in=staffed_bureau_ids(user)))
            .select_related("owner", "bureau").order_by("-created_at", "-pk"))
