"""Reads of incident reports: a school's own, with where each stands at the bureau.

How far a report has gone is the review case's business (the workflows app, above this
one): the domain asks it through ``incident_progress_register``; without it (the registry
alone) every report reads as reported."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.db import models
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from registry.models import Incident


class IncidentProgress(models.TextChoices):
    """Where a reported incident stands, as its school is told."""

    REPORTED = "reported", _("Reported")
    IN_REVIEW = "in_review", _("Being handled by the bureau")
    CLOSED = "closed", _("Closed by the bureau")


_progress_reader: Callable[[list[Incident]], dict[int, str]] | None = None


def incident_progress_register(reader: Callable[[list[Incident]], dict[int, str]]) -> None:
    """Name the callable that tells how far incidents have gone: ``reader(incidents)`` →
    ``{incident pk: IncidentProgress value}`` (one query for all; absent: reported)."""
    global _progress_reader  # one process-wide hook, set once at start-up
    _progress_reader = reader


def incidents_for_schools(school_ids: Iterable[int]) -> QuerySet:
    """The incidents these schools reported, newest first, with the engagement's provider."""
    return Incident.objects.filter(engagement__school_id__in=list(school_ids)).select_related(
        "engagement__organization", "engagement__offering", "engagement__person",
        "engagement__term")


def incident_progress(incidents: list[Incident]) -> dict[int, IncidentProgress]:
    """How far each of ``incidents`` has gone at the bureau, by pk."""
    found = _progress_reader(incidents) if _progress_reader and incidents else {}
    return {incident.pk: IncidentProgress(found.get(incident.pk, IncidentProgress.REPORTED))
            for incident in incidents}
