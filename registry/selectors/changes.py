"""Reads of change requests."""

from django.db import models
from django.db.models import QuerySet

from registry.models import Approval, ChangeRequest
from registry.roles import Role
from registry.selectors.core import objects_for_role


def change_requests_for(user) -> QuerySet:
    """Change requests ``user`` may see: those of the providers they act for, and, for a
    clerk, those of the providers their bureaus approved. Newest first."""
    organizations = objects_for_role(user, Role.PROVIDER, "registry.organization")
    people = objects_for_role(user, Role.PROVIDER, "registry.person")
    clerk_jurisdictions = objects_for_role(user, Role.BUREAU_CLERK,
                                           "registry.bureau").values("jurisdiction_id")
    reviewed = Approval.objects.filter(status__in=Approval.OPEN_STATUSES,
                                       jurisdiction_id__in=clerk_jurisdictions)
    return (ChangeRequest.objects.filter(
        models.Q(organization__in=organizations) | models.Q(person__in=people)
        | models.Q(person__user=user)
        | models.Q(person__isnull=True, organization__in=reviewed.values("organization_id"))
        | models.Q(person__in=reviewed.values("person_id")))
        .select_related("target_type", "requested_by", "reviewed_by", "organization",
                        "person").order_by("-requested_at", "-pk"))


def reviewable_change_request_ids(user, change_requests) -> set[int]:
    """Which of ``change_requests`` (pending) ``user`` may review as a bureau clerk: one
    query for a whole page (``services.may_review`` asks it of one)."""
    clerk_jurisdictions = objects_for_role(user, Role.BUREAU_CLERK,
                                           "registry.bureau").values("jurisdiction_id")
    reviewed = Approval.objects.filter(status__in=Approval.OPEN_STATUSES,
                                       jurisdiction_id__in=clerk_jurisdictions)
    return set(ChangeRequest.objects.filter(
        pk__in=[c.pk for c in change_requests], status=ChangeRequest.Status.PENDING).filter(
        models.Q(person__isnull=True, organization__in=reviewed.values("organization_id"))
        | models.Q(person__in=reviewed.values("person_id"))).values_list("pk", flat=True))
