"""The web site: viewflow's Material frontend with one application per area of work."""

from django.urls import path
from django.utils.translation import gettext_lazy as _
from viewflow.urls import Site

from registry.portal import landing
from registry.site import WorkspaceApp
from workflows.site import AnnualReviewApp, RecertificationApp, SelectionApp, VettingApp


class RegistrySite(Site):
    # "/" is the public landing page; signed-in users are sent on to their workspace
    index_path = path("", landing, name="index")


site = RegistrySite(
    title=_("After-school provider registry"),
    # every page's menu is the role menu (registry/_menu.html, in the site's page frame
    # config/templates/viewflow/base_page.html), which offers only what the user may do
    menu_template_name=None,
    viewsets=[WorkspaceApp(), SelectionApp(), VettingApp(), RecertificationApp(),
              AnnualReviewApp()],
)
