"""Errors the services raise besides Django's own (``ValidationError``, ``PermissionDenied``,
``ObjectDoesNotExist``). The API answers each in one place: ``config.api_errors``."""

from django.core.exceptions import ValidationError


class Conflict(ValidationError):
    """The request is valid but the object's state no longer allows it (a task already
    done, a case already decided): a 409 in the API. A ValidationError, so that the web
    pages show its message next to the form as they do any other."""
