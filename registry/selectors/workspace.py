"""What the workspace tells a provider's user first: the approvals they act for that are
suspended, each with its causes and the page that says why and what to do next."""

from __future__ import annotations

from django.db.models import Q
from django.urls import reverse

from registry.models import Approval, ApprovalHold
from registry.roles import Role
from registry.selectors.core import objects_for_role

LIMIT = 20  # a provider's user acts for a handful of providers; the pages list them all


def suspended_providers_of(user) -> list[dict]:
    """The providers ``user`` acts for (an organization, a person: their own record or one
    they act for) whose approval is suspended, each once: ``name``, the ``causes`` of its
    open holds (their labels, as the provider's pages name them), ``since`` (the first
    hold) and ``url``, the page that gives the reasons and what to do (the organization's
    page; a person's suspensions page). Two queries."""
    if not user.is_authenticated:
        return []
    organizations = objects_for_role(user, Role.PROVIDER, "registry.organization").values("pk")
    people = objects_for_role(user, Role.PROVIDER, "registry.person").values("pk")
    holds = (ApprovalHold.objects
             .filter(Q(approval__organization__in=organizations)
                     | Q(approval__person__in=people) | Q(approval__person__user=user),
                     lifted_at__isnull=True, approval__status=Approval.Status.SUSPENDED)
             .select_related("approval__organization", "approval__person")
             .order_by("placed_at", "pk")[: LIMIT * 4])
    found: dict[tuple[str, int], dict] = {}
    for hold in holds:
        approval = hold.approval
        if approval.organization_id:
            key = ("organization", approval.organization_id)
            name = approval.organization.name
            url = reverse("registry:portal-organization", args=[approval.organization_id])
        else:
            key = ("person", approval.person_id)
            name = approval.person.name
            url = reverse("registry:my-sanctions")
        entry = found.setdefault(key, {"name": name, "url": url, "since": hold.placed_at,
                                       "causes": []})
        label = hold.get_cause_display()
        if label not in entry["causes"]:
            entry["causes"].append(label)
    return list(found.values())[:LIMIT]
