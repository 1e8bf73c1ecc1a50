"""The web site: viewflow's Material frontend with one application per area of work."""

from django.utils.translation import gettext_lazy as _
from viewflow.urls import Site

from registry.site import WorkspaceApp
from workflows.site import AnnualReviewApp, RecertificationApp, SelectionApp, VettingApp

site = Site(
    title=_("After-school provider registry"),
    viewsets=[WorkspaceApp(), SelectionApp(), VettingApp(), RecertificationApp(),
              AnnualReviewApp()],
)
