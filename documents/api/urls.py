from django.urls import path

from documents.api import views
from registry.api.routers import router_of

app_name = "documents-api"

router = router_of([
    ("document-types", views.DocumentTypeViewSet, "document-type"),
    ("documents", views.DocumentViewSet, "document"),
    ("personal-data-accesses", views.PersonalDataAccessViewSet, "personal-data-access"),
])

urlpatterns = [
    path("engagements/<int:pk>/papers/", views.EngagementPaperUploadView.as_view(),
         name="engagement-paper-upload"),
    path("generated-forms/<str:kind>/<int:pk>/<slug:form>/", views.GeneratedFormView.as_view(),
         name="generated-form"),
    *router.urls,
]
