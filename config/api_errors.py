"""The API's one exception handler (settings ``REST_FRAMEWORK["EXCEPTION_HANDLER"]``).

Views and viewsets call services and let their errors through; this turns them into the
API's error shape, so that no view translates errors itself:

- Django's ``ValidationError``: 400, ``{"field": ["message", ...]}`` for errors about a
  field, ``{"detail": ["message", ...]}`` for the others;
- ``registry.errors.Conflict``: 409, ``{"detail": "message"}``;
- Django's ``PermissionDenied``: 403 with its message (DRF's own one without);
- ``ObjectDoesNotExist``: 404;
- ``registry.errors.Unavailable`` (the document store unreachable, the PDFs' font
  missing): 503 with its message (nothing was changed);

and then the hardening of ``config.security`` (ids out of range, throttling, refusals)."""

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from rest_framework import exceptions, status

from config.errors import RETRY_AFTER_SECONDS
from config.security import hardened_exception_handler
from registry.errors import Conflict, Unavailable


class ConflictError(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


class ServiceUnavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "unavailable"


def api_error(exc: Exception) -> Exception:
    """``exc`` as the DRF exception that answers it (itself when DRF knows it already)."""
    if isinstance(exc, Conflict):
        return ConflictError(detail=" ".join(exc.messages))
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            return exceptions.ValidationError(
                {field: [str(m) for m in messages] for field, messages in
                 exc.message_dict.items()})
        return exceptions.ValidationError({"detail": [str(m) for m in exc.messages]})
    if isinstance(exc, PermissionDenied):
        return exceptions.PermissionDenied(str(exc) or None)
    if isinstance(exc, ObjectDoesNotExist):
        return exceptions.NotFound()
    if isinstance(exc, Unavailable):
        return ServiceUnavailable(detail=str(exc))
    return exc


def api_exception_handler(exc, context):
    response = hardened_exception_handler(api_error(exc), context)
    if response is not None and isinstance(exc, Unavailable):
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
