"""The registry's applications in the web site (the site itself is composed in config.site)."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from viewflow.urls import Application

from registry.selectors import user_role_summary


class HomeView(LoginRequiredMixin, TemplateView):
    """What the signed-in user may act for, by role."""

    template_name = "registry/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["roles"] = user_role_summary(self.request.user)
        return context


class WorkspaceApp(Application):
    title = _("Workspace")
    icon = "dashboard"
    app_name = "workspace"
    # its one page is in the role menu; viewflow's app menu would list viewsets it has none of
    menu_template_name = None

    index_path = path("", HomeView.as_view(), name="index")

