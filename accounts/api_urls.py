from django.urls import path

from accounts import api
from registry.api.routers import router_of

# Ids are whole numbers at the router (a 404 for anything else), as in the other routers.
router = router_of([("tokens", api.TokenViewSet, "token")])

urlpatterns = [
    path("signup/", api.SignUpView.as_view(), name="api-signup"),
    path("signup/confirm/", api.SignUpConfirmView.as_view(), name="api-signup-confirm"),
    *router.urls,
]
