from rest_framework.routers import DefaultRouter

from accounts import api

# No ".json" suffix routes, as in the other routers.
router = DefaultRouter()
router.include_format_suffixes = False
router.register("tokens", api.TokenViewSet, basename="token")

urlpatterns = router.urls
