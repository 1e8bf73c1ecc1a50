from rest_framework.routers import DefaultRouter

from workflows import api

# No ".json" suffix routes: the @action methods take no format argument (a 500 otherwise).
router = DefaultRouter()
router.include_format_suffixes = False
router.register("cases", api.CaseViewSet, basename="case")
router.register("tasks", api.TaskViewSet, basename="task")
router.register("notices", api.NoticeViewSet, basename="notice")
router.register("vettings", api.VettingViewSet, basename="vetting")
router.register("notifications", api.NotificationViewSet, basename="notification")

urlpatterns = router.urls
