"""The web pages' answer to ``registry.errors.Unavailable`` (the document store unreachable,
the PDFs' font missing), raised by any view: a 503 page with the error's message in the
user's language, instead of a server error. Views that can offer more (a form kept with its
input) catch it themselves first; the API answers it in ``config.api_errors``."""

from django.shortcuts import render

from registry.errors import Unavailable

RETRY_AFTER_SECONDS = 300


class UnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, Unavailable):
            return None
        response = render(request, "registry/error.html", {"errors": [str(exception)]},
                          status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        response["Cache-Control"] = "no-store"
        return response
