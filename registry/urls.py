"""The registry's pages, by area: each address prefix is written once, and its pages are
listed under it (``path(prefix, include([...]))`` adds no namespace: the names stay
``registry:<name>``)."""

from django.urls import include, path

from registry import (
    after_approval_pages,
    bureau_pages,
    consent_views,
    contract_views,
    evaluation_pages,
    job_views,
    portal,
    provider_pages,
    record_hit_notice_pages,
    sanction_pages,
    views,
)

app_name = "registry"

# a bureau's staff: its dashboard, re-queries, blacklisting, re-checks, publishing, reviews
bureau = [
    path("", bureau_pages.bureau_dashboard, name="bureau"),
    path("requeries/", after_approval_pages.requeries, name="requeries"),
    path("requeries/<int:pk>/record/", after_approval_pages.requery_record,
         name="requery-record"),
    path("blacklist-proposals/", sanction_pages.blacklist_proposals,
         name="blacklist-proposals"),
    path("blacklist-proposals/new/", sanction_pages.blacklist_propose,
         name="blacklist-propose"),
    path("blacklist-proposals/<int:pk>/confirm/", sanction_pages.blacklist_decide,
         {"decision": "confirm"}, name="blacklist-confirm"),
    path("blacklist-proposals/<int:pk>/refuse/", sanction_pages.blacklist_decide,
         {"decision": "refuse"}, name="blacklist-refuse"),
    path("blacklist-proposals/<int:pk>/notice/", record_hit_notice_pages.record_hit_notice,
         name="record-hit-notice"),
    path("blacklist-proposals/<int:pk>/told/", record_hit_notice_pages.record_hit_told,
         name="record-hit-told"),
    path("rechecks/", sanction_pages.rechecks, name="rechecks"),
    path("rechecks/<int:pk>/decide/", sanction_pages.recheck_decide, name="recheck-decide"),
    path("publish/", views.list_publish, name="list-publish"),
    path("review-requests/", bureau_pages.review_requests, name="review-requests"),
    path("review-requests/<int:pk>/close/", bureau_pages.review_request_close,
         name="review-request-close"),
]

# the published lists: the index, one publication and its exports, a jurisdiction's list
lists = [
    path("", views.list_index, name="list-index"),
    path("p/<int:pk>/", include([
        path("", views.list_detail, name="list-detail"),
        path("export.json.sig", views.list_export_signature, name="list-export-signature"),
        path("export.<str:fmt>", views.list_export, name="list-export"),
        path("export-job/", job_views.list_export_job, name="list-export-job"),
    ])),
    # a division code (GB/T 2260) is letters and digits: a NUL never reaches the database
    path("<slug:code>/", views.list_jurisdiction, name="list-jurisdiction"),
]

# long operations and their progress
jobs = [
    path("", job_views.job_list, name="job-list"),
    path("<int:pk>/", job_views.job_detail, name="job-detail"),
    path("<int:pk>/status.json", job_views.job_status, name="job-status"),
    path("<int:pk>/download/", job_views.job_download, name="job-download"),
]

# a school's staff: search, invitations, its engagements and terms, the gate
school = [
    path("search/", views.school_search, name="school-search"),
    path("invitations/", consent_views.school_invitations, name="school-invitations"),
    path("invitations/<int:pk>/withdraw/", consent_views.school_invitation_withdraw,
         name="school-invitation-withdraw"),
    path("engagements/", views.school_engagements, name="school-engagements"),
    path("engagements/<int:pk>/free-places/", views.engagement_free_places,
         name="engagement-free-places"),
    path("engagements/<int:pk>/incident/", views.engagement_incident,
         name="engagement-incident"),
    path("incidents/", views.school_incidents, name="school-incidents"),
    path("terms/<int:pk>/plan/", contract_views.term_plan, name="term-plan"),
    path("terms/<int:pk>/ratings/", evaluation_pages.term_ratings, name="term-ratings"),
    path("terms/<int:pk>/settlement.xlsx", contract_views.term_settlement,
         name="term-settlement"),
    path("gate/", contract_views.gate_list, name="school-gate"),
]

# the person signed in: privacy, invitations and consents, their sanctions
me = [
    path("privacy/", consent_views.my_privacy, name="my-privacy"),
    path("privacy/data-consent/withdraw/", consent_views.my_data_consent_withdraw,
         name="my-data-consent-withdraw"),
    path("invitations/<int:pk>/", consent_views.my_invitation_answer,
         name="my-invitation-answer"),
    path("consents/<int:pk>/withdraw/", consent_views.my_consent_withdraw,
         name="my-consent-withdraw"),
    path("sanctions/", sanction_pages.my_sanctions, name="my-sanctions"),
    path("sanctions/<int:pk>/recheck/", sanction_pages.recheck_request,
         name="my-sanction-recheck"),
]

# one engagement (a school and a provider for a term): roster, status, papers, lessons
engagement = [
    path("", contract_views.engagement_detail, name="engagement-detail"),
    path("roster/", contract_views.engagement_roster, name="engagement-roster"),
    path("roster/<int:member_pk>/accept/", contract_views.engagement_roster_accept,
         name="engagement-roster-accept"),
    path("roster/<int:member_pk>/remove/", contract_views.engagement_roster_remove,
         name="engagement-roster-remove"),
    path("activate/", contract_views.engagement_status, {"action": "activate"},
         name="engagement-activate"),
    path("end/", contract_views.engagement_status, {"action": "end"}, name="engagement-end"),
    path("withdraw/", contract_views.engagement_status, {"action": "withdraw"},
         name="engagement-withdraw"),
    path("papers/<slug:kind>.pdf", contract_views.engagement_paper_pdf,
         name="engagement-paper-pdf"),
    path("permits.pdf", contract_views.engagement_permits_pdf, name="engagement-permits-pdf"),
    path("lessons/", contract_views.lesson_record, name="lesson-record"),
    path("lessons/<int:lesson_pk>/decide/", contract_views.lesson_decide,
         name="lesson-decide"),
    path("settlement.<slug:fmt>", contract_views.engagement_settlement,
         name="engagement-settlement"),
]

# a provider's own pages: registration, its people, organizations, offerings, invitations
provider_portal = [
    path("register/", portal.organization_register, name="portal-register"),
    path("individual/", provider_pages.individual_register, name="portal-individual"),
    path("people/<int:pk>/", provider_pages.person_page, name="portal-person"),
    path("people/<int:pk>/photo/", provider_pages.person_photo, name="portal-person-photo"),
    path("people/<int:pk>/remove/", provider_pages.roster_remove,
         name="portal-roster-remove"),
    path("organizations/<int:pk>/edit/", provider_pages.organization_edit,
         name="portal-organization-edit"),
    path("organizations/<int:pk>/invite/", provider_pages.organization_invite,
         name="portal-invite"),
    path("offerings/<int:pk>/edit/", provider_pages.offering_edit,
         name="portal-offering-edit"),
    path("invitations/<str:token>/", provider_pages.invitation_accept,
         name="invitation-accept"),
    path("change-requests/", provider_pages.change_requests, name="change-requests"),
    path("organizations/<int:pk>/", portal.organization_page, name="portal-organization"),
]

urlpatterns = [
    path("bureau/<int:bureau_id>/", include(bureau)),
    path("lists/", include(lists)),
    path("jobs/", include(jobs)),
    path("school/", include(school)),
    path("me/", include(me)),
    path("engagements/<int:pk>/", include(engagement)),
    path("portal/", include(provider_portal)),
    path("provider/engagements/", contract_views.provider_engagements,
         name="provider-engagements"),
    path("schools/<int:pk>/after-school/", contract_views.parents_page, name="parents-page"),
    path("providers/<int:pk>/", portal.provider_profile, name="provider-profile"),
    path("sanctions/evidence/<int:pk>/", sanction_pages.evidence_download,
         name="sanction-evidence"),
]
