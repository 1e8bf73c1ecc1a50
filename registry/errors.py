"""Errors the services raise besides Django's own (``ValidationError``, ``PermissionDenied``,
``ObjectDoesNotExist``). The API answers each in one place: ``config.api_errors``; the web
pages answer ``Unavailable`` in one place too (``config.errors``)."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


class Conflict(ValidationError):
    """The request is valid but the object's state no longer allows it (a task already
    done, a case already decided): a 409 in the API. A ValidationError, so that the web
    pages show its message next to the form as they do any other."""


class Unavailable(Exception):
    """Something the request needs outside the database (the document store, the PDFs'
    font) is missing or unreachable right now; nothing was changed. A 503 with ``message``
    on the web pages (``config.errors.UnavailableMiddleware``) and in the API."""

    message = _("This cannot be done right now. Nothing was changed; please try again later.")

    def __str__(self) -> str:
        return str(self.message)


class Gone(Exception):
    """What the request is about was there and is over (a public notice that has closed):
    a 410 in the API, with ``str(error)`` saying since when. Its subclasses say it in the
    reader's language when the answer is written."""
