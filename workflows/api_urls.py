from registry.api.routers import router_of
from workflows import api, list_review_api, review_api

# (prefix, viewset, basename)
router = router_of((
    ("cases", api.CaseViewSet, "case"),
    ("tasks", api.TaskViewSet, "task"),
    ("notices", api.NoticeViewSet, "notice"),
    ("vettings", api.VettingViewSet, "vetting"),
    ("list-reviews", list_review_api.ListReviewViewSet, "list-review"),
    ("review-cases", review_api.ReviewCaseViewSet, "review-case"),
    ("notifications", api.NotificationViewSet, "notification"),
))

urlpatterns = router.urls
