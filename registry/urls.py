from django.urls import path

from registry import portal, views

app_name = "registry"

urlpatterns = [
    path("lists/", views.list_index, name="list-index"),
    path("lists/p/<int:pk>/", views.list_detail, name="list-detail"),
    path("lists/p/<int:pk>/export.<str:fmt>", views.list_export, name="list-export"),
    # a division code (GB/T 2260) is letters and digits: a NUL never reaches the database
    path("lists/<slug:code>/", views.list_jurisdiction, name="list-jurisdiction"),
    path("school/search/", views.school_search, name="school-search"),
    path("school/engagements/", views.school_engagements, name="school-engagements"),
    path("school/engagements/<int:pk>/evaluate/", views.engagement_evaluate,
         name="engagement-evaluate"),
    path("school/engagements/<int:pk>/free-places/", views.engagement_free_places,
         name="engagement-free-places"),
    path("school/engagements/<int:pk>/incident/", views.engagement_incident,
         name="engagement-incident"),
    path("portal/register/", portal.organization_register, name="portal-register"),
    path("portal/organizations/<int:pk>/", portal.organization_page,
         name="portal-organization"),
    path("providers/<int:pk>/", portal.provider_profile, name="provider-profile"),
    path("bureau/<int:bureau_id>/", views.bureau_dashboard, name="bureau"),
    path("bureau/<int:bureau_id>/publish/", views.list_publish, name="list-publish"),
    path("bureau/<int:bureau_id>/review-requests/", views.review_requests,
         name="review-requests"),
    path("bureau/<int:bureau_id>/review-requests/<int:pk>/close/", views.review_request_close,
         name="review-request-close"),
]
