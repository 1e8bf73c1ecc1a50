"""Public addresses at fixed places: the gate's permit check (the QR code holds it) and
the registry's public signing key."""

from django.urls import path

from registry import contract_views

urlpatterns = [
    path("verify/<str:token>/photo.jpg", contract_views.permit_photo, name="permit-photo"),
    path("verify/<str:token>", contract_views.permit_verify, name="permit-verify"),
    path("keys/registry-signing-key.pem", contract_views.signing_key, name="signing-key"),
]
