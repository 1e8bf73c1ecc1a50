"""Reads of change requests."""

from django.db.models import OuterRef, QuerySet

from registry.models import Approval, ChangeRequest
from registry.roles import Role
from registry.selectors.core import objects_for_role
from registry.selectors.sql import ProbeExists


def _reviewed_by_clerk(user, change_requests: QuerySet) -> list[QuerySet]:
    """Of ``change_requests``, those of providers that ``user``'s bureaus (as a clerk) hold
    an open approval of: an organization's (not one of its people's), and a person's; two
    querysets for a ``UNION`` (none when ``user`` is no clerk).

    Each change request asks whether its subject has such an approval, one index probe
    of that subject's approvals (``ProbeExists``; asked as ``organization IN (the subjects
    of every open approval of the bureaus)``, PostgreSQL read and hashed every open approval
    of a province's bureaus on every page: 227k at 100k organizations, a page of change
    requests 0.7-0.9 s and their count 0.3-0.5 s among 4,000 change requests; now 32-38
    and 12-37 ms). One query for the clerk's jurisdictions first: none, no probes."""
    jurisdictions = list(objects_for_role(user, Role.BUREAU_CLERK, "registry.bureau")
                         .values_list("jurisdiction_id", flat=True))
    if not jurisdictions:
        return []
    reviewed = Approval.objects.filter(status__in=Approval.OPEN_STATUSES,
                                       jurisdiction_id__in=jurisdictions)
    return [change_requests.filter(
                ProbeExists(reviewed.filter(organization_id=OuterRef("organization_id"))),
                person__isnull=True),
            change_requests.filter(
                ProbeExists(reviewed.filter(person_id=OuterRef("person_id"))))]


def change_requests_for(user) -> QuerySet:
    """Change requests ``user`` may see: those of the providers they act for, and, for a
    clerk, those of the providers their bureaus approved. Newest first.

    Their ids first, as one ``UNION`` of queries each found by an index (as one ``OR`` of
    conditions on different relations, PostgreSQL read every change request and hashed
    every open approval of the clerk's bureaus); then the rows, in few enough joins to be
    planned freely."""
    organizations = objects_for_role(user, Role.PROVIDER, "registry.organization")
    people = objects_for_role(user, Role.PROVIDER, "registry.person")
    requests = ChangeRequest.objects.order_by().values_list("pk", flat=True)
    first, *others = [requests.filter(organization__in=organizations.values("pk")),
                      requests.filter(person__in=people.values("pk")),
                      requests.filter(person__user=user), *_reviewed_by_clerk(user, requests)]
    # (their subjects by a query of their own: joined, PostgreSQL read every organization
    # to hash-join the change requests it cannot tell are few)
    return (ChangeRequest.objects.filter(pk__in=first.union(*others))
            .select_related("target_type", "requested_by", "reviewed_by")
            .prefetch_related("organization", "person").order_by("-requested_at", "-pk"))


def reviewable_change_request_ids(user, change_requests) -> set[int]:
    """Which of ``change_requests`` (pending) ``user`` may review as a bureau clerk: one
    query for a whole page (``services.may_review`` asks it of one)."""
    page = ChangeRequest.objects.filter(pk__in=[c.pk for c in change_requests],
                                        status=ChangeRequest.Status.PENDING).order_by()
    parts = _reviewed_by_clerk(user, page.values_list("pk", flat=True))
    return set(parts[0].union(*parts[1:])) if parts else set()
