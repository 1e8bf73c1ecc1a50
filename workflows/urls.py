from django.urls import include, path

from workflows import (
    dashboard,
    list_review_views,
    notice_views,
    review_views,
    school_vetting_views,
    views,
    worklist_views,
)

app_name = "workflows"

urlpatterns = [
    path("apply/", views.ApplyView.as_view(), name="apply"),
    path("vetting/apply/", views.VettingApplyView.as_view(), name="vetting-apply"),
    path("vetting/invitation/<int:pk>/", school_vetting_views.SchoolVettingView.as_view(),
         name="school-vetting"),
    path("cases/", include([
        path("", views.MyCasesView.as_view(), name="cases"),
        path("<int:pk>/", views.CaseDetailView.as_view(), name="case"),
        path("<slug:kind>/<int:pk>/", views.CaseDetailView.as_view(), name="case-of"),
        path("<int:pk>/objections/<int:objection_pk>/", views.ObjectionHandleView.as_view(),
             name="objection-handle"),
        path("<int:pk>/withdraw/", views.WithdrawView.as_view(), name="withdraw"),
    ])),
    path("list-reviews/<int:bureau_id>/", list_review_views.list_reviews, name="list-reviews"),
    path("review-cases/", include([
        path("open/", review_views.ReviewCaseOpenView.as_view(), name="review-case-open"),
        path("<int:pk>/", review_views.ReviewCaseView.as_view(), name="review-case"),
        path("evidence/<int:pk>/", review_views.ReviewCaseEvidenceView.as_view(),
             name="review-case-evidence"),
    ])),
    path("notifications/", views.NotificationsView.as_view(), name="notifications"),
    # the bureau staff's one inbox, one queue and one archive (已办结), across the flows
    path("work/inbox/", worklist_views.InboxView.as_view(), name="work-inbox"),
    path("work/queue/", worklist_views.QueueView.as_view(), name="work-queue"),
    path("work/archive/", worklist_views.ArchiveView.as_view(), name="work-archive"),
    path("notices/", include([
        path("", notice_views.NoticeListView.as_view(), name="notices"),
        path("<int:pk>/object/", notice_views.ObjectionView.as_view(), name="object"),
    ])),
    path("dashboard/<int:pk>/", include([
        path("", dashboard.DashboardView.as_view(), name="dashboard"),
        path("<slug:kind>/", dashboard.DashboardListView.as_view(), name="dashboard-list"),
    ])),
]
