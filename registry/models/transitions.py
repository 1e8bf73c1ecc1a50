"""A status that changes only as its model's map allows: written once here, used by every
model with a ``status`` and a ``TRANSITIONS`` map whose rule is the map alone."""

from django.core.exceptions import ValidationError
from django.utils import timezone


class InvalidTransition(ValidationError):
    """A status change the transition map forbids."""


class StatusTransitions:
    """For a model with ``status``, ``Status`` and ``TRANSITIONS``: :meth:`apply_transition`
    moves to an allowed status or raises :class:`InvalidTransition` (a ``ValidationError``)
    with ``transition_refused`` (which may name ``%(current)s`` and ``%(target)s``) and
    changes nothing. ``transition_stamp`` names a field set to now on each change."""

    TRANSITIONS: dict[str, frozenset[str]]
    transition_refused = None  # each model says it in its own words
    transition_code: str | None = "forbidden_transition"
    transition_stamp: str | None = None

    def can_transition_to(self, status: str) -> bool:
        return status in self.TRANSITIONS.get(self.status, frozenset())

    def apply_transition(self, status: str) -> str:
        """Move to ``status`` if the map allows it; return the previous status. The caller
        saves and audits."""
        if not self.can_transition_to(status):
            target = status
            if status in self.Status.values:
                target = self.Status(status).label
            raise InvalidTransition(self.transition_refused, code=self.transition_code,
                                    params={"current": self.get_status_display(),
                                            "target": target})
        previous, self.status = self.status, status
        if self.transition_stamp:
            setattr(self, self.transition_stamp, timezone.now())
        return previous
