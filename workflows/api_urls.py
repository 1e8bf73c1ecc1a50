from registry.api.routers import SimpleRouter
from workflows import api, list_review_api, review_api

router = SimpleRouter()
router.register("cases", api.CaseViewSet, basename="case")
router.register("tasks", api.TaskViewSet, basename="task")
router.register("notices", api.NoticeViewSet, basename="notice")
router.register("vettings", api.VettingViewSet, basename="vetting")
router.register("list-reviews", list_review_api.ListReviewViewSet, basename="list-review")
router.register("review-cases", review_api.ReviewCaseViewSet, basename="review-case")
router.register("notifications", api.NotificationViewSet, basename="notification")

urlpatterns = router.urls
