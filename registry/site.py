"""The signed-in user's workspace page (config.site mounts it in the web site)."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.views.generic import TemplateView

from registry.selectors import user_role_summary
from registry.selectors.workspace import suspended_providers_of


class HomeView(LoginRequiredMixin, TemplateView):
    """What the signed-in user may act for, by role."""

    template_name = "registry/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["roles"] = user_role_summary(self.request.user)
        # a suspension is the first thing a provider's user must know on signing in
        context["suspended"] = suspended_providers_of(self.request.user)
        return context
