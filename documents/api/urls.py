from django.urls import path

from documents.api import views
from registry.api.routers import SimpleRouter

app_name = "documents-api"

router = SimpleRouter()
router.register("document-types", views.DocumentTypeViewSet, basename="document-type")
router.register("documents", views.DocumentViewSet, basename="document")
router.register("personal-data-accesses", views.PersonalDataAccessViewSet,
                basename="personal-data-access")

urlpatterns = [
    path("engagements/<int:pk>/papers/", views.EngagementPaperUploadView.as_view(),
         name="engagement-paper-upload"),
    path("generated-forms/<str:kind>/<int:pk>/<slug:form>/", views.GeneratedFormView.as_view(),
         name="generated-form"),
    *router.urls,
]
