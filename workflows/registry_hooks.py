"""What the registry asks of the cases, through the hooks it defines (registered in
``WorkflowsConfig.ready``): whether a provider has a case before a bureau (the reach of
its sanctions), and how far a school's incident report has gone (its review case)."""

from __future__ import annotations

from django.db.models import Q

from registry.models import Jurisdiction, Organization
from workflows.models import ReviewCaseProcess, SelectionProcess, VettingProcess


def provider_has_case_under(jurisdiction_id: int, subject) -> bool:
    """Whether an organization (a selection case) or a person (a vetting case) has a case
    at a bureau of the jurisdiction or below it: part of a bureau's reach for sanctions
    (``registry.services.provider_within_reach``)."""
    under = Jurisdiction.subtree_q(jurisdiction_id, prefix="bureau__jurisdiction__")
    if isinstance(subject, Organization):
        return SelectionProcess.objects.filter(under, organization=subject).exists()
    return VettingProcess.objects.filter(under, person=subject).exists()


def incident_progress_of(incidents) -> dict[int, str]:
    """How far each incident has gone (``registry.selectors.IncidentProgress`` values): the
    review case it opened, or that it was added to as a further cause, open or closed. One
    query: the cases about the incidents' providers."""
    ids = {incident.pk for incident in incidents}
    organizations = {i.engagement.organization_id for i in incidents} - {None}
    people = {i.engagement.person_id for i in incidents} - {None}
    cases = ReviewCaseProcess.objects.filter(
        Q(incident_id__in=ids) | Q(organization_id__in=organizations)
        | Q(person_id__in=people)).only("incident_id", "details", "stage").order_by("pk")
    progress: dict[int, str] = {}
    for case in cases:
        causes = [case.incident_id] + [cause.get("incident") for cause in
                                       (case.details or {}).get("more_causes", [])
                                       if isinstance(cause, dict)]
        state = ("closed" if case.stage == ReviewCaseProcess.Stage.CLOSED else "in_review")
        for pk in ids.intersection(causes):
            if progress.get(pk) != "in_review":  # an open case about it wins
                progress[pk] = state
    return progress
