"""The API's browsable root (``/api/v1/``): one index of every app's routes.

Each app routes its own endpoints with a ``SimpleRouter`` (no root of its own); the root
lists what all of them registered. With a root per app, the first app's root answered
``/api/v1/`` and listed only that app's endpoints.
"""

from rest_framework.routers import APIRootView

from accounts.api_urls import router as accounts_router
from documents.api.urls import app_name as documents_namespace
from documents.api.urls import router as documents_router
from registry.api.urls import router as registry_router
from workflows.api_urls import router as workflows_router

# (router, the URL namespace its routes are named in)
ROUTERS = ((registry_router, ""), (documents_router, documents_namespace),
           (workflows_router, ""), (accounts_router, ""))


def api_root_view():
    """The root view over every app router's list routes, in their order of registration
    (a root as DRF's ``DefaultRouter`` draws it)."""
    routes = {prefix: f"{namespace}:{basename}-list" if namespace else f"{basename}-list"
              for router, namespace in ROUTERS for prefix, _viewset, basename in router.registry}
    return APIRootView.as_view(api_root_dict=routes)
