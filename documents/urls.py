"""The documents area: REST under /api/v1/ and web pages under /documents/."""

from django.urls import include, path

from documents import views

web = ([
    path("", views.DocumentsHomeView.as_view(), name="home"),
    path("review/", views.ReviewQueueView.as_view(), name="review-queue"),
    path("access-log/", views.AccessLogView.as_view(), name="access-log"),
    path("<int:pk>/", include([
        path("review/", views.DocumentReviewView.as_view(), name="review"),
        path("download/", views.DocumentDownloadView.as_view(), name="download"),
        path("view/", views.DocumentInlineView.as_view(), name="view"),
    ])),
    path("engagements/<int:pk>/papers/", views.EngagementPaperUploadView.as_view(),
         name="engagement-paper-upload"),
    path("engagement-papers/<int:pk>/", views.EngagementPaperDownloadView.as_view(),
         name="engagement-paper"),
    # a subject's documents (after the fixed words above: a kind is any word)
    path("<str:kind>/<int:pk>/", include([
        path("", views.SubjectDocumentsView.as_view(), name="subject"),
        path("forms/<slug:form>.pdf", views.GeneratedFormView.as_view(), name="generated-form"),
    ])),
], "documents")

urlpatterns = [
    path("api/v1/", include("documents.api.urls")),
    path("documents/", include(web)),
]
