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
from registry.api.routers import SimpleRouter

router = SimpleRouter()
router.register("jurisdictions", views.JurisdictionViewSet, basename="jurisdiction")
router.register("categories", views.ServiceCategoryViewSet, basename="category")
router.register("publications", publications.PublicationViewSet, basename="publication")
router.register("terms", engagements.TermViewSet, basename="term")
router.register("engagements", engagements.EngagementViewSet, basename="engagement")
router.register("invitations", consent.InvitationViewSet, basename="invitation")
router.register("consents", consent.ConsentViewSet, basename="consent")
router.register("review-requests", sanctions.ReviewRequestViewSet, basename="review-request")
router.register("blacklist-proposals", sanctions.BlacklistProposalViewSet,
                basename="blacklist-proposal")
router.register("my-sanctions", sanctions.MySanctionViewSet, basename="my-sanction")
router.register("rechecks", sanctions.RecheckViewSet, basename="recheck")
router.register("organizations", providers.OrganizationViewSet, basename="organization")
router.register("offerings", providers.OfferingViewSet, basename="offering")
router.register("people", providers.PersonViewSet, basename="person")
router.register("change-requests", providers.ChangeRequestViewSet, basename="change-request")
router.register("organization-invitations", providers.ProviderInvitationViewSet,
                basename="organization-invitation")
router.register("jobs", jobs.JobViewSet, basename="job")
router.register("requeries", after_approval.RequeryViewSet, basename="requery")

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
