"""What an anonymous client may cost: request throttles per address and bounded
objection bodies.

Every request from someone not signed in is counted per client address in the Django cache
(Redis in production, so that all server processes share the count), in a fixed window per
scope; over the scope's rate (``REGISTRY_THROTTLE_RATES``) the answer is a 429 with
``Retry-After`` and a translated message. The REST API counts through DRF
(``AnonymousThrottle`` in ``DEFAULT_THROTTLE_CLASSES``), the plain Django views through
``LimitsMiddleware``: both ask the same ``scope_for`` and ``allow``, so a route is in the
same scope whichever way it is served, and a route added later is throttled as ``anon``
without anyone remembering to. While the cache cannot be reached (Redis down) the throttles
are open: each request is let through uncounted, with a warning in the log naming its scope,
rather than every anonymous request answered with a server error; sign-in is still guarded
by django-axes's lockout, whose failures are counted in the database.

An objection (the only form the public may send files with) is refused from its
``Content-Length`` before a byte of its body is read, and its evidence files are counted
and measured while they stream in, so that a fourth file or an oversized one stops the
upload at once: nothing is stored. The API answers the refusal here; a page that declares
``renders_upload_refusal`` (the objection form) is given it as ``request.upload_refusal``
and shows it in the form, with what was typed, instead of a bare page. A whole body over the
limit, refused unread, cannot come back as the form: such a page is answered with a page
that says why and sends the visitor back to the form, which their browser kept.
"""

from __future__ import annotations

import ipaddress
import logging
import threading
import time

from django.conf import settings
from django.core.cache import cache
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from rest_framework.throttling import BaseThrottle

from registry.caching import UNREACHABLE
from registry.formatting import megabytes
from registry.requests import request_address

logger = logging.getLogger(__name__)

# Routes (by namespaced URL name) with a scope of their own; the rest of what the public
# reaches is "anon". The objection and sign-in scopes count only what is sent (POST).
POST_SCOPES = {
    "login": "sign-in", "admin:login": "sign-in", "password_reset": "sign-in",
    "password_reset_confirm": "sign-in",
    # sign-up costs what a sign-in costs: the web pages and the API alike
    "signup:start": "sign-in", "signup:confirm": "sign-in",
    "api-signup": "sign-in", "api-signup-confirm": "sign-in",
    "workflows:object": "objection", "notice-objections": "objection",
}
SCOPES = {
    "registry:list-export": "export", "publication-export": "export",
    "healthz": "health",
}
# Routes whose POST body is bounded before it is read (objections, web and API).
BODY_LIMITED = {"workflows:object", "notice-objections"}


# --- who is asking -----------------------------------------------------------------------

def client_address(request) -> str:
    """The client's address: ``REMOTE_ADDR``, or with ``PROXY_COUNT`` proxies in front, the
    address the outermost of them saw (from the right of ``X-Forwarded-For``, which the
    client cannot forge past its own proxy). An IPv6 client counts by its /64, which is what
    one subscriber holds. Also django-axes's ``AXES_CLIENT_IP_CALLABLE``: the lockout and
    the throttles see the same address."""
    address = request_address(request)
    if address is None:
        return (request.META.get("REMOTE_ADDR", "") or "")[:64]
    parsed = ipaddress.ip_address(address)
    if parsed.version == 6:
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False).network_address) + "/64"
    return str(parsed)


def scope_for(view_name: str, method: str) -> str:
    if method == "POST" and view_name in POST_SCOPES:
        return POST_SCOPES[view_name]
    return SCOPES.get(view_name, "anon")


def _rate(scope: str) -> tuple[int, int] | None:
    """(requests, seconds) of ``scope``'s rate, e.g. ``"10/hour"`` → (10, 3600)."""
    rate = settings.REGISTRY_THROTTLE_RATES.get(scope, settings.REGISTRY_THROTTLE_RATES["anon"])
    if not rate:
        return None
    count, period = rate.split("/")
    seconds = {"s": 1, "m": 60, "h": 3600, "d": 86400}[period.strip()[0]]
    return int(count), seconds


def allow(request, scope: str) -> int:
    """Count this request of ``scope`` from the client's address: 0 if it is within the rate,
    else the seconds until the window ends (for ``Retry-After``). A fixed window per scope
    and address: two cache operations (``add``, ``incr``), atomic on Redis. With the cache
    unreachable, 0 (the request is not counted) and a warning in the log."""
    rate = _rate(scope)
    if rate is None:
        return 0
    count, seconds = rate
    now = time.time()
    window = int(now // seconds)
    key = f"throttle:{scope}:{client_address(request)}:{window}"
    try:
        cache.add(key, 0, timeout=seconds + 1)
        try:
            used = cache.incr(key)
        except ValueError:  # expired between the two calls: this is the window's first request
            cache.add(key, 1, timeout=seconds + 1)
            used = 1
    except UNREACHABLE as error:
        # Open for this request rather than a server error for everyone: the counts are
        # gone with the cache, and sign-in is still guarded by the lockout (django-axes
        # counts failures in the database).
        logger.warning("Throttle %s not counted: the cache is unreachable (%s); the request "
                       "is let through", scope, error)
        return 0
    if used <= count:
        return 0
    return max(1, int((window + 1) * seconds - now + 0.999))


# --- the answers -------------------------------------------------------------------------

def _refusal(request, message: str, status: int, **headers) -> HttpResponse:
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message}, status=status,
                                json_dumps_params={"ensure_ascii": False})
    else:
        response = HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def throttled_message(wait: int) -> str:
    return _("Too many requests: try again in %(seconds)s seconds.") % {"seconds": wait}


_holding = threading.BoundedSemaphore(1)
_holding_size = 1
_holding_lock = threading.Lock()


def _holders() -> threading.BoundedSemaphore:
    """The process's permits to hold a refused client (``REGISTRY_REFUSAL_HOLDERS``)."""
    global _holding, _holding_size
    size = max(int(settings.REGISTRY_REFUSAL_HOLDERS), 0)
    if size != _holding_size:
        with _holding_lock:
            if size != _holding_size:
                _holding, _holding_size = threading.BoundedSemaphore(max(size, 1)), size
    return _holding


def refusal_delay(wait: int) -> None:
    """Hold a refused client a moment before answering (``REGISTRY_REFUSAL_DELAY``): a
    client that sends its next request when it has the answer to the last (as scripts do)
    then costs the server a few requests a second, whatever its speed. The wait is a sleep in
    a thread (gunicorn's gthread workers): no CPU, one of the worker's threads. At most
    ``REGISTRY_REFUSAL_HOLDERS`` threads of a process are held at once: beyond that a refusal
    is answered at once, so that an attacker opening many connections cannot take every
    thread (which would refuse everyone else)."""
    delay = min(float(wait), settings.REGISTRY_REFUSAL_DELAY)
    if delay <= 0 or settings.REGISTRY_REFUSAL_HOLDERS <= 0:
        return
    holders = _holders()
    if not holders.acquire(blocking=False):
        return
    try:
        time.sleep(delay)
    finally:
        holders.release()


def too_many_requests(request, wait: int, message: str | None = None) -> HttpResponse:
    """429 with ``Retry-After`` and a message in the request's language."""
    refusal_delay(wait)
    return _refusal(request, message or throttled_message(wait), 429, Retry_After=str(wait))


# --- DRF ----------------------------------------------------------------------------------

class AnonymousThrottle(BaseThrottle):
    """DRF's side: an anonymous API request counts against its route's scope; a signed-in
    caller (session or token) is not counted as the public."""

    def allow_request(self, request, view) -> bool:
        self._wait = 0
        if request.user and request.user.is_authenticated:
            return True
        match = getattr(request, "resolver_match", None)
        self._wait = allow(request, scope_for(match.view_name if match else "",
                                              request.method))
        return self._wait == 0

    def wait(self):
        return self._wait or None


# --- objection bodies --------------------------------------------------------------------

def _body_refusal(request) -> tuple[int, str] | None:
    """Refuse, from the headers alone, a body too large or of unknown length: (status,
    message)."""
    length = request.META.get("CONTENT_LENGTH", "")
    if request.META.get("HTTP_TRANSFER_ENCODING") or not length.isdigit():
        # Without a length the server cannot refuse a body before reading it (and Django
        # would read a chunked one as empty): a browser always sends one.
        return 411, _("Send the objection with its length (a Content-Length header).")
    limit = settings.OBJECTION_MAX_BODY_BYTES
    if int(length) > limit:
        return 413, (_("The objection is too large: at most %(size)s in all, evidence "
                       "included.") % {"size": megabytes(limit)})
    return None


class EvidenceLimits(FileUploadHandler):
    """Counts and measures an objection's evidence files as they stream in; a file too many
    or too large stops the upload (the files received so far are closed and deleted)."""

    def __init__(self, request=None):
        super().__init__(request)
        self.files = 0
        self.received = 0

    def new_file(self, *args, **kwargs):
        self.files += 1
        self.received = 0
        if self.files > settings.OBJECTION_MAX_FILES:
            self.request.upload_refusal = (400, _(
                "An objection may carry at most %(count)s evidence files of %(size)s each.")
                % {"count": settings.OBJECTION_MAX_FILES,
                   "size": megabytes(settings.OBJECTION_MAX_FILE_BYTES)})
            raise StopUpload(connection_reset=False)

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > settings.OBJECTION_MAX_FILE_BYTES:
            self.request.upload_refusal = (413, _(
                "An evidence file is too large: each may be at most %(size)s.")
                % {"size": megabytes(settings.OBJECTION_MAX_FILE_BYTES)})
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size):
        return None  # the next handler (memory or temporary file) keeps the file


def _renders_upload_refusal(view_func) -> bool:
    return getattr(getattr(view_func, "view_class", None), "renders_upload_refusal", False)


def _body_too_large_page(request, message: str) -> HttpResponse:
    """The web form's answer to a body over the limit: a page in the visitor's language that
    says why and sends them back to the form, where their browser kept what they typed (the
    body was not read: the form cannot be given back from it)."""
    response = render(request, "limits/objection_too_large.html", {
        "message": message, "form_url": request.path, "files": settings.OBJECTION_MAX_FILES,
        "file_size": megabytes(settings.OBJECTION_MAX_FILE_BYTES)}, status=413)
    response["Cache-Control"] = "no-store"
    return response


def _bounded_objection(request, view_func) -> HttpResponse | None:
    refusal = _body_refusal(request)
    if refusal is not None:
        status, message = refusal
        if status == 413 and _renders_upload_refusal(view_func):
            return _body_too_large_page(request, message)
        return _refusal(request, message, status)
    if not request.content_type.startswith("multipart/"):
        return None  # no files (JSON or a plain form): the parsers' own limits apply
    request.upload_handlers.insert(0, EvidenceLimits(request))
    request.FILES  # noqa: B018 - parse now, under the limits, before any view runs
    if getattr(request, "upload_refusal", None):
        for files in request.FILES.lists():
            for file in files[1]:
                file.close()  # a temporary file is deleted when closed
        if _renders_upload_refusal(view_func):
            return None  # the page shows the refusal in its form; it stores nothing
        status, message = request.upload_refusal
        return _refusal(request, message, status)
    return None


# --- plain Django views --------------------------------------------------------------------

def _is_api_view(view_func) -> bool:
    # DRF's as_view() marks its views with ``cls`` (importing APIView here would be a cycle:
    # DRF imports the authentication classes, which use this module, while it loads)
    return hasattr(getattr(view_func, "cls", None), "throttle_classes")


class LimitsMiddleware:
    """Bounds objection bodies (web and API) before anything reads them, and throttles the
    public on the plain Django views (DRF throttles the API: ``AnonymousThrottle``).

    Listed before ``CsrfViewMiddleware``: its ``process_view`` runs first, and the CSRF check
    of a form reads the body."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        view_name = request.resolver_match.view_name if request.resolver_match else ""
        if not _is_api_view(view_func) and not request.user.is_authenticated:
            wait = allow(request, scope_for(view_name, request.method))
            if wait:
                return too_many_requests(request, wait)
        if view_name in BODY_LIMITED and request.method == "POST":
            return _bounded_objection(request, view_func)
        return None
