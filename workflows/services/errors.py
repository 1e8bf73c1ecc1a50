"""The errors the workflows services raise beyond Django's own."""

from django.core.exceptions import ValidationError


class CaseStateError(ValidationError):
    """The case or task is not in a state that allows this (answered with 409)."""


class TaskAlreadyHandled(CaseStateError):
    """Someone else completed or took the task first (answered with 409)."""
