from django.urls import path

from accounts import signup_views

app_name = "signup"

urlpatterns = [
    path("", signup_views.signup, name="start"),
    path("confirm/<str:token>/", signup_views.confirm, name="confirm"),
    path("next/", signup_views.choose, name="choose"),
]
