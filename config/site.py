"""The web site: viewflow's Material frontend with one application per area of work."""

from django.urls import path
from django.utils.translation import gettext_lazy as _
from viewflow.urls import Application, Site

from registry.portal import landing
from registry.site import HomeView
from workflows.site import (
    AnnualReviewApp,
    RecertificationApp,
    ReviewCaseApp,
    SelectionApp,
    VettingApp,
)


class WorkspaceApp(Application):
    """The registry's own pages in the site (the registry itself knows nothing of viewflow)."""

    title = _("Workspace")
    icon = "dashboard"
    app_name = "workspace"
    # its one page is in the role menu; viewflow's app menu would list viewsets it has none of
    menu_template_name = None

    index_path = path("", HomeView.as_view(), name="index")


class RegistrySite(Site):
    # "/" is the public landing page; signed-in users are sent on to their workspace
    index_path = path("", landing, name="index")


site = RegistrySite(
    title=_("After-school provider registry"),
    # every page's menu is the role menu (registry/_menu.html, in the site's page frame
    # config/templates/viewflow/base_page.html), which offers only what the user may do
    menu_template_name=None,
    viewsets=[WorkspaceApp(), SelectionApp(), VettingApp(), RecertificationApp(),
              AnnualReviewApp(), ReviewCaseApp()],
)
