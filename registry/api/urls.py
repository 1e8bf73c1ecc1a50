from django.urls import include, path

from registry.api import (
                after_approval,
                consent,
                contracts,
                engagements,
                jobs,
                policy,
                providers,
                publications,
                sanctions,
                search,
                views,
)
from registry.api.routers import router_of

# (prefix, viewset, basename)
router = router_of((
    ("jurisdictions", views.JurisdictionViewSet, "jurisdiction"),
    ("categories", views.ServiceCategoryViewSet, "category"),
    ("publications", publications.PublicationViewSet, "publication"),
    ("terms", engagements.TermViewSet, "term"),
    ("engagements", engagements.EngagementViewSet, "engagement"),
    ("invitations", consent.InvitationViewSet, "invitation"),
    ("consents", consent.ConsentViewSet, "consent"),
    ("data-consents", consent.DataConsentViewSet, "data-consent"),
    ("review-requests", sanctions.ReviewRequestViewSet, "review-request"),
    ("blacklist-proposals", sanctions.BlacklistProposalViewSet, "blacklist-proposal"),
    ("my-sanctions", sanctions.MySanctionViewSet, "my-sanction"),
    ("rechecks", sanctions.RecheckViewSet, "recheck"),
    ("organizations", providers.OrganizationViewSet, "organization"),
    ("offerings", providers.OfferingViewSet, "offering"),
    ("people", providers.PersonViewSet, "person"),
    ("change-requests", providers.ChangeRequestViewSet, "change-request"),
    ("organization-invitations", providers.ProviderInvitationViewSet, "organization-invitation"),
    ("jobs", jobs.JobViewSet, "job"),
    ("requeries", after_approval.RequeryViewSet, "requery"),
))

urlpatterns = [
    path("me/", views.MeView.as_view(), name="api-me"),
    path("search/", include([
        path("organizations/", search.OrganizationSearchView.as_view(),
             name="api-search-organizations"),
        path("people/", search.PersonSearchView.as_view(), name="api-search-people"),
    ])),
    path("sanctions/", sanctions.SanctionView.as_view(), name="api-sanctions"),
    path("evaluation-rubric/", engagements.RubricView.as_view(), name="api-evaluation-rubric"),
    path("policy/", include([
        path("signals/", policy.AcademicSignalView.as_view(), name="api-policy-signals"),
        path("allowed-categories/", policy.AllowedCategoriesView.as_view(),
             name="api-policy-allowed-categories"),
        path("fee-references/", policy.FeeReferencesView.as_view(),
             name="api-policy-fee-references"),
    ])),
    path("permits/verify/<str:token>/", contracts.PermitCheckView.as_view(),
         name="api-permit-verify"),
    path("schools/<int:pk>/after-school/", contracts.ParentsPageView.as_view(),
         name="api-parents-page"),
    *router.urls,
]
