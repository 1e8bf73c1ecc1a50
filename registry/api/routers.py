"""The API's routers: an object's id in a path is a whole number, or the path is no route.

DRF's default lookup pattern (``[^/.]+``) lets ``/tasks/abc/act/`` reach the view, where a
hand-written lookup then fails on the cast (a 500). Here a viewset looked up by its primary
key matches only ASCII digits, so anything else is a 404 before any view runs; a viewset
with another lookup field (a code) keeps its own pattern.
"""

from rest_framework import routers

WHOLE_NUMBER = "[0-9]+"


class IntegerIdsMixin:
    """Routes a primary-key lookup only for ASCII digits (``lookup_value_regex`` on a
    viewset still wins)."""

    def get_lookup_regex(self, viewset, lookup_prefix=""):
        lookup_field = getattr(viewset, "lookup_field", "pk")
        if lookup_field not in ("pk", "id") or getattr(viewset, "lookup_value_regex", None):
            return super().get_lookup_regex(viewset, lookup_prefix)
        kwarg = getattr(viewset, "lookup_url_kwarg", None) or lookup_field
        return f"(?P<{lookup_prefix}{kwarg}>{WHOLE_NUMBER})"


class SimpleRouter(IntegerIdsMixin, routers.SimpleRouter):
    """The routes alone (no ``.json`` suffix routes: the ``@action`` methods take no format
    argument). The browsable root over every app's routes is ``config.api``."""


def router_of(routes):
    """A ``SimpleRouter`` with ``routes`` registered in their order: each row is
    ``(prefix, viewset, basename)``, and the routes are named ``<basename>-list`` and
    ``<basename>-detail`` (the names ``reverse()`` takes)."""
    router = SimpleRouter()
    for prefix, viewset, basename in routes:
        router.register(prefix, viewset, basename=basename)
    return router
