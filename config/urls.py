from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from viewflow.contrib.auth import AuthViewset

from config.api import api_root_view
from config.health import healthz
from config.security import two_factor
from config.site import site


class FaviconView(RedirectView):
    """``/favicon.ico``, which a browser asks for on a page that links no icon (Django's
    admin-styled pages: the admin, the password reset): the registry's icon."""

    def get_redirect_url(self, *args, **kwargs):
        return static("registry/favicon.svg")


urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", FaviconView.as_view(), name="favicon"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's initialiser as a script file: no inline script (CSP).
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"),
         name="api-docs"),
    path("api/v1/", api_root_view(), name="api-root"),
    path("api/v1/", include("registry.api.urls")),
    path("api/v1/", include("workflows.api_urls")),
    path("api/v1/", include("accounts.api_urls")),
    path("accounts/2fa/", two_factor, name="two-factor"),
    path("accounts/tokens/", include("accounts.urls")),
    path("accounts/signup/", include("accounts.signup_urls")),
    path("accounts/", AuthViewset(with_profile_view=False).urls),
    path("", include("documents.urls")),
    path("registry/", include("registry.urls")),
    path("", include("registry.public_urls")),
    path("selection/", include("workflows.urls")),
    path("", site.urls),
]

# a path under /api/ that no route matches is answered as the API answers (JSON, translated)
handler404 = "config.api_errors.not_found"

