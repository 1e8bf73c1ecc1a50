"""The API's browsable root (``/api/v1/``): one index of every app's routes.

Each app routes its own endpoints with a ``SimpleRouter`` (no root of its own); the root
lists what all of them registered. With a root per app, the first app's root answered
``/api/v1/`` and listed only that app's endpoints.
"""

from django.utils.html import format_html
from django.utils.translation import gettext
from rest_framework.routers import APIRootView

from accounts.api_urls import router as accounts_router
from documents.api.urls import app_name as documents_namespace
from documents.api.urls import router as documents_router
from registry.api.urls import router as registry_router
from workflows.api_urls import router as workflows_router

# (router, the URL namespace its routes are named in)
ROUTERS = ((registry_router, ""), (documents_router, documents_namespace),
           (workflows_router, ""), (accounts_router, ""))


class RegistryAPIRootView(APIRootView):
    """The root's own name and description in the caller's language (DRF's would say
    "The default basic root view for DefaultRouter", and there is no such router here)."""

    def get_view_name(self):
        return gettext("API root")

    def get_view_description(self, html=False):
        text = gettext("Every list endpoint of the registry's API, of every area: providers and "
                       "search, documents, selection and vetting cases, and your API tokens. "
                       "The schema is at /api/schema/.")
        return format_html("<p>{}</p>", text) if html else text


def api_root_view():
    """The root view over every app router's list routes, in their order of registration
    (a root as DRF's ``DefaultRouter`` draws it)."""
    routes = {prefix: f"{namespace}:{basename}-list" if namespace else f"{basename}-list"
              for router, namespace in ROUTERS for prefix, _viewset, basename in router.registry}
    return RegistryAPIRootView.as_view(api_root_dict=routes)
