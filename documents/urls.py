"""The documents area: REST under /api/v1/ and web pages under /documents/."""

from django.urls import include, path

from documents import views

web = ([
    path("", views.DocumentsHomeView.as_view(), name="home"),
    path("review/", views.ReviewQueueView.as_view(), name="review-queue"),
    path("access-log/", views.AccessLogView.as_view(), name="access-log"),
    path("<int:pk>/review/", views.DocumentReviewView.as_view(), name="review"),
    path("<int:pk>/download/", views.DocumentDownloadView.as_view(), name="download"),
    path("engagements/<int:pk>/papers/", views.EngagementPaperUploadView.as_view(),
         name="engagement-paper-upload"),
    path("engagement-papers/<int:pk>/", views.EngagementPaperDownloadView.as_view(),
         name="engagement-paper"),
    path("<int:pk>/view/", views.DocumentInlineView.as_view(), name="view"),
    path("<str:kind>/<int:pk>/", views.SubjectDocumentsView.as_view(), name="subject"),
    path("<str:kind>/<int:pk>/forms/<slug:form>.pdf", views.GeneratedFormView.as_view(),
         name="generated-form"),
], "documents")

urlpatterns = [
    path("api/v1/", include("documents.api.urls")),
    path("documents/", include(web)),
]
