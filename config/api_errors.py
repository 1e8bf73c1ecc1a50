"""The API's one exception handler (settings ``REST_FRAMEWORK["EXCEPTION_HANDLER"]``).

Views and viewsets call services and let their errors through; this turns them into the
API's error shape, so that no view translates errors itself:

- Django's ``ValidationError``: 400, ``{"field": ["message", ...]}`` for errors about a
  field, ``{"detail": ["message", ...]}`` for the others;
- ``registry.errors.Conflict``: 409, ``{"detail": "message"}``;
- Django's ``PermissionDenied``: 403 with its message (DRF's own one without);
- ``ObjectDoesNotExist`` and Django's ``Http404``: 404 with DRF's "Not found." in the
  caller's language (``get_object_or_404`` says "No Engagement matches the given query.",
  in English and with a class name); an ``Http404`` with a message of its own keeps it;
- a body that DRF's parsers cannot read: 400 with our message, not the parser's English;
- ``registry.errors.Unavailable`` (the document store unreachable, the PDFs' font
  missing): 503 with its message (nothing was changed);
- ``registry.errors.Gone`` (a public notice that has closed): 410, ``{"detail": "message"}``
  saying since when, in the caller's language;

and then the hardening of ``config.security`` (ids out of range, throttling, refusals).
``not_found`` (``handler404``) answers a path under ``/api/`` that no route matches the
same way, as JSON, rather than with Django's English page; any other 404 with the site's own
page (``404.html``), saying what was not found in the reader's words."""

import re

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.urls import Resolver404
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import requires_csrf_token
from rest_framework import exceptions, status

from config.errors import RETRY_AFTER_SECONDS
from config.security import hardened_exception_handler
from registry.errors import Conflict, Gone, Unavailable

# Django's own words for get_object_or_404 (untranslated, naming a model class)
_DJANGO_NOT_FOUND = re.compile(r"No \w+ matches the given query\.")
# DRF's parsers put the parser's own English after these
_PARSE_ERRORS = {"JSON parse error": _("The request body is not valid JSON."),
                 "Multipart form parse error": _("The form data of the request could not "
                                                 "be read.")}


class ConflictError(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


class GoneError(exceptions.APIException):
    status_code = status.HTTP_410_GONE
    default_code = "gone"


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
    if isinstance(exc, Http404):
        message = str(exc.args[0]) if exc.args else ""
        if not message or _DJANGO_NOT_FOUND.fullmatch(message):
            return exceptions.NotFound()
        return exceptions.NotFound(detail=message)
    if isinstance(exc, exceptions.ParseError):
        for prefix, message in _PARSE_ERRORS.items():
            if str(exc.detail).startswith(prefix):
                return exceptions.ParseError(detail=message)
    if isinstance(exc, Unavailable):
        return ServiceUnavailable(detail=str(exc))
    if isinstance(exc, Gone):
        return GoneError(detail=str(exc))
    return exc


def api_exception_handler(exc, context):
    response = hardened_exception_handler(api_error(exc), context)
    if response is not None and isinstance(exc, Unavailable):
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _own_words(exception) -> str:
    """What a view said it did not find (``Http404(_("No such engagement."))``), in the
    reader's language; nothing for Django's English (get_object_or_404's words with a class
    name, the resolver's list of patterns tried)."""
    if not isinstance(exception, Http404) or isinstance(exception, Resolver404):
        return ""
    message = exception.args[0] if exception.args else ""
    if not isinstance(message, str | Promise):
        return ""
    message = str(message)
    return "" if _DJANGO_NOT_FOUND.fullmatch(message) else message


@requires_csrf_token  # the page's forms (language, sign-out) even when no view ran
def not_found(request, exception=None):
    """``handler404``: under ``/api/``, the API's answer (JSON, in the caller's language);
    elsewhere the site's own page (config/templates/404.html): its frame, what was not found
    and a way back. It never echoes the address asked for, so a number the user may not see
    reads exactly as one nobody holds."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": gettext("Not found.")}, status=404,
                            json_dumps_params={"ensure_ascii": False})
    return render(request, "404.html", {"message": _own_words(exception), "error_page": True},
                  status=404)
