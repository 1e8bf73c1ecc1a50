from django.urls import path
from rest_framework.routers import DefaultRouter

from registry.api import views

router = DefaultRouter()
router.register("jurisdictions", views.JurisdictionViewSet, basename="jurisdiction")
router.register("categories", views.ServiceCategoryViewSet, basename="category")

urlpatterns = [
    path("me/", views.MeView.as_view(), name="api-me"),
    *router.urls,
]
