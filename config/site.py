"""The web site: viewflow's Material frontend with one application per area of work."""

from django.urls import path
from django.utils.translation import gettext_lazy as _
from viewflow.urls import Site

from registry.portal import landing
from registry.site import WorkspaceApp
from workflows.site import (
    AnnualReviewApp,
    RecertificationApp,
    ReviewCaseApp,
    SelectionApp,
    VettingApp,
)


class RegistrySite(Site):
    # "/" is the public landing page; signed-in users are sent on to their workspace
    index_path = path("", landing, name="index")


site = RegistrySite(
    title=_("After-school provider registry"),
    # every page's menu starts with what the user's roles need (registry/_menu.html)
    menu_template_name="registry/site_menu.html",
    viewsets=[WorkspaceApp(), SelectionApp(), VettingApp(), RecertificationApp(),
              AnnualReviewApp(), ReviewCaseApp()],
)
