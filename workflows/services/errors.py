"""The errors the workflows services raise beyond Django's own."""

from registry.errors import Conflict


class CaseStateError(Conflict):
    """The case or task is not in a state that allows this (answered with 409)."""


class TaskAlreadyHandled(CaseStateError):
    """Someone else completed or took the task first (answered with 409)."""
