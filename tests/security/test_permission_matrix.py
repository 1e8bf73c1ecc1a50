"""Every URL × every role × own and foreign objects, against ONE table of expected access.

The routes come from the URL resolver (and the API's from the OpenAPI schema too), so a new
page or endpoint is in the matrix as soon as it exists: a route that no row of ``TABLE``
matches fails ``test_every_route_is_in_the_table``, and any answer that differs from its row
fails ``test_permission_matrix`` (which lists every difference at once).

Cells: ``Y`` let in (2xx, 3xx elsewhere than a login page, or a 4xx about the input),
``N`` refused (401, 403, 404 or sent to sign in). Object routes have two letters: the
user's own side's object, then the other side's. Side A is 南昌市 (360100) with
organization A, school X and its bureau's staff; side B is 景德镇市 (360200) with organization
B, school Y. Side A's users ask about both sides' objects, side B's users about side A's
(their own side's answers are side A's users' own, mirrored).

The workflow engine's task pages (``<flow>/<process>/<node>/<task>/{detail,assign,…}/``)
are asked for a real task of every node of every flow, once per state the node's tasks are
in on the side (the fixture has every person's task waiting, held and finished): a row may
hold only for some states (``when=``, a regular expression over the tag of
``matrix.side_tasks``: ``new``, ``assigned``, ``done``, ``canceled``, ``scheduled``, with
`` panel`` when the case is on the side's expert's panel). Every route also needs a row
without ``when=``, so that a state the table does not name still has an answer.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tests.security.matrix import Route, ask, url_patterns, variants

ROLES = ("anon", "provider", "school", "clerk", "expert", "approver", "admin")


def row(pattern: str, anon: str, provider: str, school: str, clerk: str, expert: str,
        approver: str, admin: str, *, regex: bool = False, when: str | None = None):
    """One row: ``pattern`` is a route exactly as routed (``regex=True``: a regular
    expression over routes); then the expected cell of each role; ``when``: only for the
    task pages of tasks in these states (see the module's docstring)."""
    compiled = re.compile(pattern if regex else "^" + re.escape(pattern) + "$")
    cells = dict(zip(ROLES, (anon, provider, school, clerk, expert, approver, admin),
                     strict=True))
    return compiled, (re.compile(when) if when is not None else None), cells


def task_page(flow: str, node: str, action: str) -> str:
    """The routed pattern of a task page, as a regular expression: ``task_page(
    "annualreview", "review", "assign")`` (each part may be an alternation)."""
    return rf"^({flow})/<int:process_pk>/({node})/<int:task_pk>/({action})/$"


def api(path: str) -> str:
    """The routed pattern of a DRF router path: ``api("cases/{pk}/")``."""
    path = path.replace("{pk}", "(?P<pk>[0-9]+)").replace("{code}", "(?P<code>[-a-zA-Z0-9_]+)")
    path = path.replace("{fmt}", "(?P<fmt>csv|json|xlsx)")
    return f"api/v1/^{path}$"


# the states of a person's task: waiting in its queue, held (see ``when=`` above)
WAITING, HELD = r"new( panel)?", r"assigned( panel)?"
ALL, USERS, NOBODY = ("Y",) * 7, ("N",) + ("Y",) * 6, ("N",) * 7
ALL2, NOBODY2 = ("YY",) * 7, ("NN",) * 7
ONLY_SCHOOL = ("N", "N", "Y", "N", "N", "N", "N")
# who may see a case, a document or a vetting of their side: its provider, the bureau's
# clerk, approver and administrator (an expert only the cases on their panel)
CASE_SEEN = ("NN", "YN", "NN", "YN", "NN", "YN", "YN")
CASE_SEEN_BY_PANEL = ("NN", "YN", "NN", "YN", "YN", "YN", "YN")
# an annual review is the bureau's own business: its clerk, approver and administrator
BUREAU_SEEN = ("NN", "NN", "NN", "YN", "NN", "YN", "YN")
SCHOOL_OWN = ("NN", "NN", "YN", "NN", "NN", "NN", "NN")
PROVIDER_OWN = ("NN", "YN", "NN", "NN", "NN", "NN", "NN")
CLERK_OWN = ("NN", "NN", "NN", "YN", "NN", "NN", "NN")
EXPERT_OWN = ("NN", "NN", "NN", "NN", "YN", "NN", "NN")
APPROVER_OWN = ("NN", "NN", "NN", "NN", "NN", "YN", "NN")
ADMIN_OWN = ("NN", "NN", "NN", "NN", "NN", "NN", "YN")
# the two parties of an engagement: its school and its provider
PARTIES = ("NN", "YN", "YN", "NN", "NN", "NN", "NN")
FLOWS = r"(organizationselection|individualvetting|recertification|annualreview|reviewcase)"
NODE = FLOWS + r"/<int:process_pk>/(\w+)/<int:task_pk>/"

TABLE = [
    # --- the public: health, language, sign-in, published lists, notices ---------------
    row("healthz", *ALL),
    row("favicon.ico", *ALL),  # the icon a browser asks for (a redirect to it)
    row("i18n/setlang/", *ALL),
    row("", *ALL),  # the site's front page: a redirect to the workspace or to sign in
    row("accounts/login/", *ALL),
    row("accounts/logout/", *ALL),
    row("accounts/password_reset/", *ALL),
    row("accounts/password_reset/done/", *ALL),
    row("accounts/reset/<uidb64>/<token>/", *ALL),
    row("accounts/reset/done/", *ALL),
    row("accounts/password_change/", *USERS),
    row("accounts/password_change/done/", *USERS),
    row("accounts/2fa/", *USERS),
    # sign-up: anyone; a signed-in user is sent on to choose what they offer
    row("accounts/signup/", *ALL),
    row("accounts/signup/confirm/<str:token>/", *ALL),
    row("accounts/signup/next/", *USERS),
    row("api/v1/signup/", *ALL),
    row("api/v1/signup/confirm/", *ALL),
    row("api/schema/", *ALL),
    row("api/docs/", *ALL),
    row("registry/lists/", *ALL),
    row("registry/lists/<slug:code>/", *ALL),
    row("registry/lists/p/<int:pk>/", *ALL2),
    row("registry/lists/p/<int:pk>/export.<str:fmt>", *ALL2),
    # a large list's export in the worker (issue 23): its bureau's staff, of their own list
    row("registry/lists/p/<int:pk>/export-job/", "NN", "NN", "NN", "YN", "YN", "YN", "YN"),
    # background jobs (issue 23): anyone signed in has a list (their own and their bureau's
    # jobs); the sides build no job, so one is asked about that is not there
    row("registry/jobs/", *USERS),
    row("registry/jobs/<int:pk>/", *NOBODY2),
    row("registry/jobs/<int:pk>/status.json", *NOBODY2),
    row("registry/jobs/<int:pk>/download/", *NOBODY2),
    row(api("jobs/"), *USERS),
    row(api("jobs/{pk}/"), *NOBODY2),
    row(api("jobs/{pk}/download/"), *NOBODY2),
    row("selection/notices/", *ALL),
    row("selection/notices/<int:pk>/object/", *ALL2),
    row(api("jurisdictions/"), *ALL),
    row(api("jurisdictions/{pk}/"), *ALL2),
    row(api("categories/"), *ALL),
    row(api("categories/{pk}/"), *ALL2),
    row(api("publications/"), *ALL),
    row(api("publications/{pk}/"), *ALL2),
    row(api("publications/{pk}/export/{fmt}/"), *ALL2),
    row(api("notices/"), *ALL),
    row(api("notices/{pk}/"), *ALL2),
    row(api("notices/{pk}/objections/"), *ALL2),
    row("api/v1/policy/signals/", *ALL),
    row("api/v1/policy/allowed-categories/", *ALL),
    row("api/v1/policy/fee-references/", *ALL),
    # --- signed-in users; lists are narrowed to what each may see -----------------------
    row("api/v1/", *USERS),
    row("api/v1/me/", *USERS),
    row("api/v1/sanctions/", *USERS),
    row(api("terms/"), *USERS),
    row(api("engagements/"), *USERS),
    row(api("review-requests/"), *USERS),
    row(api("blacklist-proposals/"), *USERS),
    row(api("my-sanctions/"), *USERS),
    row(api("rechecks/"), *USERS),
    row("registry/me/sanctions/", *USERS),  # one's own record hits: nobody else's
    row(api("cases/"), *USERS),
    row(api("tasks/"), *USERS),
    row(api("vettings/"), *USERS),
    # self-service: what each acts for (lists), an invitation's link, the change requests
    row(api("organizations/"), *USERS),
    row(api("offerings/"), *USERS),
    row(api("people/"), *USERS),
    row(api("change-requests/"), *USERS),
    row(api("organization-invitations/accept/"), *USERS),
    row("registry/portal/individual/", *USERS),
    # an invitation's link: anyone holding it sees the offer (then signs in or up to accept)
    row("registry/portal/invitations/<str:token>/", *ALL),
    row("registry/portal/change-requests/", *USERS),
    row("selection/vetting/apply/", *USERS),
    row(api("organizations/{pk}/"), *PROVIDER_OWN),
    row(api("organizations/{pk}/invitations/"), *PROVIDER_OWN),
    row(api("offerings/{pk}/"), *PROVIDER_OWN),
    row(api("people/{pk}/"), *PROVIDER_OWN),
    row("registry/portal/people/<int:pk>/", *PROVIDER_OWN),
    row("registry/portal/people/<int:pk>/remove/", *PROVIDER_OWN),
    # the photo on the permits: the person, or their organization's administrator
    row("registry/portal/people/<int:pk>/photo/", *PROVIDER_OWN),
    row(api("people/{pk}/permit-photo/"), *PROVIDER_OWN),
    row(api("people/{pk}/permit-photo/consent/"), *PROVIDER_OWN),
    row("registry/portal/organizations/<int:pk>/edit/", *PROVIDER_OWN),
    row("registry/portal/organizations/<int:pk>/invite/", *PROVIDER_OWN),
    row("registry/portal/offerings/<int:pk>/edit/", *PROVIDER_OWN),
    row("documents/<str:kind>/<int:pk>/forms/<slug:form>.pdf", *PROVIDER_OWN),
    row("api/v1/generated-forms/<str:kind>/<int:pk>/<slug:form>/", *PROVIDER_OWN),
    # a change request: its provider and the clerk of the bureau that approved it
    row(api("change-requests/{pk}/"), "NN", "YN", "NN", "YN", "NN", "NN", "NN"),
    row(api("change-requests/{pk}/approve/"), *CLERK_OWN),
    row(api("change-requests/{pk}/reject/"), *CLERK_OWN),
    row(api("notifications/"), *USERS),
    row(api("document-types/"), *USERS),
    row(api("document-types/{code}/"), *USERS),
    row(api("documents/"), *USERS),
    row(api("documents/checklist/"), *USERS),
    row(api("documents/review-queue/"), *USERS),
    row("documents/", *USERS),
    row("documents/review/", *USERS),
    row("registry/portal/register/", *USERS),
    row("selection/apply/", *USERS),
    row("selection/cases/", *USERS),
    row("selection/notifications/", *USERS),
    row("workspace/", *USERS),
    row("accounts/tokens/", *USERS),  # one's own API tokens (tests/security/test_tokens.py)
    row(api("tokens/"), *USERS),
    row(FLOWS + r"/((queue/assign|inbox/unassign|flows|tasks|chart|inbox|queue|archive)/)?$",
        *USERS, regex=True),
    # --- schools ------------------------------------------------------------------------
    row("api/v1/search/organizations/", *ONLY_SCHOOL),
    row("api/v1/search/people/", *ONLY_SCHOOL),
    row("registry/school/search/", *ONLY_SCHOOL),
    row("registry/school/engagements/", *ONLY_SCHOOL),
    row("registry/school/engagements/<int:pk>/incident/", *SCHOOL_OWN),
    row("registry/school/incidents/", *ONLY_SCHOOL),  # its own school's reports only
    row("registry/school/engagements/<int:pk>/free-places/", *SCHOOL_OWN),
    row(api("engagements/{pk}/evaluate/"), *SCHOOL_OWN),
    row(api("engagements/{pk}/free-places/"), *SCHOOL_OWN),
    row(api("engagements/{pk}/incidents/"), *SCHOOL_OWN),
    # an engagement: its two parties (the school, the provider) and the
    # administrator of the school's bureau
    row(api("engagements/{pk}/"), "NN", "YN", "YN", "NN", "NN", "NN", "YN"),
    # --- the engagement as a contract ------------------------------------------
    # the two parties (the school, the engagement's provider) read it, its papers, permits,
    # lessons and settlement; only the school changes the roster and the status and decides
    # lessons; only the provider records lessons; the other side's: nobody
    row("registry/engagements/<int:pk>/", *PARTIES),
    # the roster page: both parties; the school adds and accepts, the provider proposes its
    # own people, either takes off (a roster row the engagement does not have: 404 to all)
    row("registry/engagements/<int:pk>/roster/", *PARTIES),
    row("registry/engagements/<int:pk>/roster/<int:member_pk>/accept/", *NOBODY2),
    row("registry/engagements/<int:pk>/roster/<int:member_pk>/remove/", *NOBODY2),
    row("registry/engagements/<int:pk>/activate/", *SCHOOL_OWN),
    row("registry/engagements/<int:pk>/end/", *SCHOOL_OWN),
    row("registry/engagements/<int:pk>/withdraw/", *SCHOOL_OWN),
    row("registry/engagements/<int:pk>/papers/<slug:kind>.pdf", *PARTIES),
    row("registry/engagements/<int:pk>/permits.pdf", *PARTIES),
    row("registry/engagements/<int:pk>/lessons/", *PROVIDER_OWN),
    # a lesson the engagement does not have: 404 to everyone, the parties included
    row("registry/engagements/<int:pk>/lessons/<int:lesson_pk>/decide/", *NOBODY2),
    row("registry/engagements/<int:pk>/settlement.<slug:fmt>", *PARTIES),
    row("registry/provider/engagements/", *USERS),  # narrowed to the user's provider(s)
    row("registry/school/terms/<int:pk>/plan/", *SCHOOL_OWN),
    row("registry/school/terms/<int:pk>/settlement.xlsx", *SCHOOL_OWN),
    row("registry/school/gate/", *ONLY_SCHOOL),
    # each party uploads its signed copy; a paper the sides do not have (an absent one)
    row("documents/engagements/<int:pk>/papers/", *PARTIES),
    row("api/v1/engagements/<int:pk>/papers/", *PARTIES),
    row("documents/engagement-papers/<int:pk>/", *NOBODY2),
    row(api("engagements/{pk}/roster/"), *PARTIES),  # GET: the parties read the roster
    row(api("engagements/{pk}/roster/(?P<member_id>\\d+)/accept/"), *NOBODY2),
    row(api("engagements/{pk}/roster/(?P<member_id>\\d+)/remove/"), *NOBODY2),
    row(api("engagements/{pk}/activate/"), *SCHOOL_OWN),
    row(api("engagements/{pk}/end/"), *SCHOOL_OWN),
    row(api("engagements/{pk}/withdraw/"), *SCHOOL_OWN),
    row(api("engagements/{pk}/permits/"), *PARTIES),
    row(api("engagements/{pk}/lessons/"), *PARTIES),  # GET: the parties read the lessons
    row(api("engagements/{pk}/lessons/(?P<lesson_id>\\d+)/decide/"), *NOBODY2),
    row(api("engagements/{pk}/settlement/"), *PARTIES),
    # a sanction on the engagement: only an administrator of the school's bureau
    row(api("engagements/{pk}/suspend/"), *ADMIN_OWN),
    row(api("engagements/{pk}/restore/"), *ADMIN_OWN),
    row(api("engagements/{pk}/terminate/"), *ADMIN_OWN),
    # a term and its plan: the school's own
    row(api("terms/{pk}/"), *SCHOOL_OWN),
    row(api("terms/{pk}/slots/"), *SCHOOL_OWN),
    row(api("terms/{pk}/needs/"), *SCHOOL_OWN),
    # public: parents' page, the signing key, a list's signature; a permit's check (an
    # unknown token: 404 to everyone alike)
    row("registry/schools/<int:pk>/after-school/", *ALL2),
    row("api/v1/schools/<int:pk>/after-school/", *ALL2),
    row("registry/lists/p/<int:pk>/export.json.sig", *ALL2),
    row("keys/registry-signing-key.pem", *ALL),
    row("verify/<str:token>", *NOBODY),
    row("verify/<str:token>/photo.jpg", *NOBODY),  # an unknown token: 404 to everyone
    row("api/v1/permits/verify/<str:token>/", *ALL),  # the API answers "invalid", 200
    # an approved provider's public profile: schools and bureau staff, any side
    row("registry/providers/<int:pk>/", "NN", "NN", "YY", "YY", "YY", "YY", "YY"),
    # --- providers ----------------------------------------------------------------------
    row("registry/portal/organizations/<int:pk>/", *PROVIDER_OWN),
    row("selection/cases/<int:pk>/withdraw/", *PROVIDER_OWN),
    row(api("cases/{pk}/withdraw/"), *PROVIDER_OWN),
    row(api("notifications/{pk}/"), *PROVIDER_OWN),  # the provider's own notification
    row(api("tokens/{pk}/"), *PROVIDER_OWN),  # the provider's own API token
    # --- cases, documents and vettings: the provider and its bureau ----------------------
    row("selection/cases/<int:pk>/", *CASE_SEEN),
    row("selection/cases/<slug:kind>/<int:pk>/", *CASE_SEEN),
    row(api("cases/{pk}/documents/"), *CASE_SEEN),
    row(api("cases/{pk}/corrections/"), *CASE_SEEN),
    row(api("cases/{pk}/panel/"), *CASE_SEEN),
    row(api("cases/{pk}/objections/"), *CASE_SEEN),
    # the partner departments' opinions (会审): the bureau all, the provider an empty list
    row(api("cases/{pk}/partner-opinions/"), *CASE_SEEN),
    # an objection of another case: nobody (tests/workflows/test_review_evidence.py)
    row("selection/cases/<int:pk>/objections/<int:objection_pk>/", *NOBODY2),
    row("api/v1/^cases/(?P<pk>[0-9]+)/objections/(?P<objection_pk>[0-9]+)/progress/$",
        *NOBODY2),
    # read beside a task through an address signed for one reader: without it, nobody
    row("documents/<int:pk>/view/", *NOBODY2),
    row(api("documents/{pk}/view/"), *CASE_SEEN_BY_PANEL),
    # what publishing would do: the bureau's administrator (asked without a bureau: 400)
    row(api("publications/publish-preview/"), *USERS),
    row(api("cases/{pk}/"), *CASE_SEEN),
    row(api("vettings/{pk}/"), *CASE_SEEN),
    # the record-check result: the case's clerk (none yet: the case is back for correction)
    # and the bureau's approvers, who are told that no query is recorded yet
    row(api("vettings/{pk}/record-check/"), *APPROVER_OWN),
    # --- ties and consent: the person answers, in their own account (no role here is that
    # person); the school invites and may withdraw its own invitation --------------------
    row(api("invitations/"), *USERS),
    row(api("invitations/{pk}/accept/"), *NOBODY2),
    row(api("invitations/{pk}/decline/"), *NOBODY2),
    row(api("invitations/{pk}/withdraw/"), *SCHOOL_OWN),
    row(api("consents/"), *USERS),
    row(api("consents/{pk}/withdraw/"), *NOBODY2),
    # the separate consent to hold the ID number: the person's own rows (none for these
    # roles), and its withdrawal, asked only by the person themself (no role here is one)
    row(api("data-consents/"), *USERS),
    row(api("data-consents/withdraw/"), *NOBODY),
    row(api("personal-data-accesses/"), *USERS),
    row("registry/me/privacy/", *NOBODY),
    row("registry/me/invitations/<int:pk>/", *NOBODY2),
    row("registry/me/consents/<int:pk>/withdraw/", *NOBODY2),
    row("registry/me/privacy/data-consent/withdraw/", *NOBODY),
    row("registry/school/invitations/", *ONLY_SCHOOL),
    row("registry/school/invitations/<int:pk>/withdraw/", *SCHOOL_OWN),
    # from its accepted invitation, the school asks a bureau to vet the person
    row("selection/vetting/invitation/<int:pk>/", *SCHOOL_OWN),
    # the person's own log, or (?scope=bureau) a bureau administrator's: asked bare, nobody
    row("documents/access-log/", *NOBODY),
    row(api("documents/{pk}/"), *CASE_SEEN_BY_PANEL),
    row(api("documents/{pk}/download/"), *CASE_SEEN_BY_PANEL),
    row("documents/<int:pk>/download/", *CASE_SEEN_BY_PANEL),
    row("documents/<str:kind>/<int:pk>/", *CASE_SEEN_BY_PANEL),
    row(r"^annualreview/<int:process_pk>/(chart/)?$", *BUREAU_SEEN, regex=True),
    # the route of a case that carries a record query (a vetting, a person's
    # re-certification) says whether it hit: its chart is for those who may read the result
    # (the case's clerk, here none yet, and the bureau's approvers)
    row(r"^(individualvetting|recertification)/<int:process_pk>/chart/$", *APPROVER_OWN,
        regex=True),
    row(FLOWS + r"/<int:process_pk>/(chart/)?$", *CASE_SEEN, regex=True),
    # --- bureau clerks ------------------------------------------------------------------
    row("documents/<int:pk>/review/", *CLERK_OWN),
    row(api("documents/{pk}/verify/"), *CLERK_OWN),
    row(api("documents/{pk}/reject/"), *CLERK_OWN),
    row(api("tasks/{pk}/"), *CLERK_OWN),  # the qualification task in the clerk's queue
    row(api("tasks/{pk}/act/"), *CLERK_OWN),
    row("selection/dashboard/<int:pk>/", "NN", "NN", "NN", "YN", "NN", "YN", "YN"),
    row("selection/dashboard/<int:pk>/<slug:kind>/", "NN", "NN", "NN", "YN", "NN", "YN", "YN"),
    # the bureau staff's one inbox, queue and archive across the flows (each their own tasks)
    row("selection/work/inbox/", "N", "N", "N", "Y", "Y", "Y", "Y"),
    row("selection/work/queue/", "N", "N", "N", "Y", "Y", "Y", "Y"),
    row("selection/work/archive/", "N", "N", "N", "Y", "Y", "Y", "Y"),
    # --- bureau administrators ----------------------------------------------------------
    row("registry/bureau/<int:bureau_id>/", *ADMIN_OWN),
    row("registry/bureau/<int:bureau_id>/publish/", *ADMIN_OWN),
    row("registry/bureau/<int:bureau_id>/review-requests/", *ADMIN_OWN),
    row("registry/bureau/<int:bureau_id>/review-requests/<int:pk>/close/", *ADMIN_OWN),
    row(api("publications/publish/"), "N", "N", "N", "N", "N", "N", "Y"),
    row(api("review-requests/{pk}/"), *ADMIN_OWN),
    row(api("review-requests/{pk}/close/"), *ADMIN_OWN),
    # --- a record hit: the bar waits for the administrator (not the clerk who recorded it);
    # the person (here the provider acts for them) reads it and asks for a re-check, which
    # the bureau's clerks and administrators see and one who did not record it decides -----
    row(api("blacklist-proposals/{pk}/"), *BUREAU_SEEN),
    row(api("blacklist-proposals/{pk}/confirm/"), *ADMIN_OWN),
    row(api("blacklist-proposals/{pk}/refuse/"), *ADMIN_OWN),
    row("registry/bureau/<int:bureau_id>/blacklist-proposals/", *ADMIN_OWN),
    row("registry/bureau/<int:bureau_id>/blacklist-proposals/new/", *ADMIN_OWN),
    row("registry/bureau/<int:bureau_id>/blacklist-proposals/<int:pk>/confirm/", *ADMIN_OWN),
    row("registry/bureau/<int:bureau_id>/blacklist-proposals/<int:pk>/refuse/", *ADMIN_OWN),
    row("registry/bureau/<int:bureau_id>/blacklist-proposals/<int:pk>/notice/", *ADMIN_OWN),
    row("registry/bureau/<int:bureau_id>/blacklist-proposals/<int:pk>/told/", *ADMIN_OWN),
    row(api("my-sanctions/{pk}/"), *PROVIDER_OWN),
    row(api("my-sanctions/{pk}/recheck/"), *PROVIDER_OWN),
    row("registry/me/sanctions/<int:pk>/recheck/", *PROVIDER_OWN),
    row(api("rechecks/{pk}/"), "NN", "NN", "NN", "YN", "NN", "NN", "YN"),
    row("registry/bureau/<int:bureau_id>/rechecks/", "NN", "NN", "NN", "YN", "NN", "NN", "YN"),
    row(api("rechecks/{pk}/decide/"), *ADMIN_OWN),
    row("registry/bureau/<int:bureau_id>/rechecks/<int:pk>/decide/", *ADMIN_OWN),
    row("registry/sanctions/evidence/<int:pk>/", "NN", "YN", "NN", "YN", "NN", "NN", "YN"),
    # --- after approval ---------------------------------------------------------
    # a review case: the provider concerned (it answers the notice, asks for 复核, evidences
    # its rectification) and its bureau's staff (clerk, approver, administrator); never a
    # school, an expert or the public. The provider's steps are the provider's only
    row(api("review-cases/"), *USERS),
    row(api("review-cases/{pk}/"), *CASE_SEEN),
    row("selection/review-cases/<int:pk>/", *CASE_SEEN),
    row(api("review-cases/{pk}/respond/"), *PROVIDER_OWN),
    row(api("review-cases/{pk}/reexamination/"), *PROVIDER_OWN),
    row(api("review-cases/{pk}/rectification/"), *PROVIDER_OWN),
    # evidence files of a review case (the sides have none: an absent file, to everyone)
    row(api("review-cases/{pk}/evidence/(?P<evidence_pk>[0-9]+)/"), *NOBODY2),
    row("selection/review-cases/evidence/<int:pk>/", *NOBODY2),
    # bureau staff open a review case by hand or on a complaint: clerks and administrators
    row("selection/review-cases/open/", "N", "N", "N", "Y", "N", "N", "Y"),
    # the school rates its term's engagements on the rubric; the rubric itself is readable
    row("registry/school/terms/<int:pk>/ratings/", *SCHOOL_OWN),
    row("api/v1/evaluation-rubric/", *USERS),
    # the yearly record re-queries: the bureau's clerks record them, its administrators
    # follow their progress (the sides build none: one asked about is absent, 404)
    row(api("requeries/"), *USERS),
    row("registry/bureau/<int:bureau_id>/requeries/",
        "NN", "NN", "NN", "YN", "NN", "NN", "YN"),
    row(api("requeries/{pk}/"), *NOBODY2),
    row(api("requeries/{pk}/record/"), *NOBODY2),
    row("registry/bureau/<int:bureau_id>/requeries/<int:pk>/record/", *NOBODY2),
    # the yearly list review: the bureau's administrator (none built: absent, 404)
    row(api("list-reviews/"), *USERS),
    row("selection/list-reviews/<int:bureau_id>/", *ADMIN_OWN),
    row(api("list-reviews/{pk}/"), *NOBODY2),
    row(api("list-reviews/{pk}/publish/"), *NOBODY2),
    # --- the workflow engine's own pages of a case and its tasks -------------------------
    row(FLOWS + r"/<int:process_pk>/cancel/$", *NOBODY2, regex=True),  # flow managers only
    # a task's index page only redirects: to its execute, assign or detail page for those
    # who may (rows below), to the front page for the others
    # ... but a partner department's task (会审) names the department's user: only the
    # case's bureau staff (and the department, not a role here) open its pages
    row(r"^organizationselection/<int:process_pk>/partner_review/<int:task_pk>/(detail/)?$",
        *BUREAU_SEEN, regex=True),
    # ... and so are the expert panel's (blind and confidential, issue 19 point 5): an
    # expert's review task opens only to the case's bureau staff and the expert holding it
    # (here a panel of one: the side's expert holds every seat of the side; another expert
    # of the same panel, in tests/workflows/test_confidential_panel_pages.py), never to the
    # applicant; the panel's split and join, which list every seat, to the bureau's staff
    # and the panel's experts; the partner departments' split and join to the bureau's staff
    row(r"^organizationselection/<int:process_pk>/expert_review/<int:task_pk>/(detail/)?$",
        "NN", "NN", "NN", "YN", "YN", "YN", "YN", regex=True),
    row(r"^organizationselection/<int:process_pk>/(panel|panel_done)/<int:task_pk>/(detail/)?$",
        *CASE_SEEN_BY_PANEL[:1], "NN", *CASE_SEEN_BY_PANEL[2:], regex=True, when=r"\w+ panel"),
    row(r"^organizationselection/<int:process_pk>/(panel|panel_done)/<int:task_pk>/(detail/)?$",
        *BUREAU_SEEN, regex=True),
    row(r"^organizationselection/<int:process_pk>/(partners|partners_done)/<int:task_pk>/"
        r"(detail/)?$", *BUREAU_SEEN, regex=True),
    # ... and the step a case takes on a record hit (its passage is the query's result): the
    # case's clerk and the bureau's approvers only
    row(r"^(individualvetting/<int:process_pk>/reject_hit|recertification/<int:process_pk>/"
        r"revoke)/<int:task_pk>/(detail/)?$", "NN", "NN", "NN", "YN", "NN", "YN", "NN",
        regex=True),
    # ... and the other steps of such a case but the applicant side's: its bureau's staff
    # (and the person, no role here); the person's organization (the provider) and the
    # school that asked read the applicant side's steps and the outcome only (a decision
    # follows a clear query only), and whoever may not see the case no step of it
    row(r"^individualvetting/<int:process_pk>/(?!(start|correction|approved_end|rejected_end)/)"
        r"\w+/<int:task_pk>/(detail/)?$", *BUREAU_SEEN, regex=True),
    row(r"^recertification/<int:process_pk>/(?!(start|renew)/)\w+/<int:task_pk>/(detail/)?$",
        *BUREAU_SEEN, regex=True),
    row(NODE + "$", "NN", "YY", "YY", "YY", "YY", "YY", "YY", regex=True),
    # who may see a case sees the pages of its tasks
    row(task_page("annualreview", r"\w+", "detail"), *BUREAU_SEEN, regex=True),
    row(task_page("organizationselection", r"\w+", "detail"), *CASE_SEEN_BY_PANEL,
        regex=True, when=r"\w+ panel"),
    row(NODE + "detail/$", *CASE_SEEN, regex=True),
    # a person's task waiting in its queue is taken by whom its node names, of the case's
    # own bureau or organization; once held, only its holder does it or hands it back
    row(task_page("organizationselection", "qualification|resolve_objections", "assign"),
        *CLERK_OWN, regex=True, when=WAITING),
    row(task_page("organizationselection", "qualification|resolve_objections",
                  "execute|unassign"), *CLERK_OWN, regex=True, when=HELD),
    row(task_page("individualvetting", "verification", "assign"),
        *CLERK_OWN, regex=True, when=WAITING),
    row(task_page("individualvetting", "verification", "execute|unassign"),
        *CLERK_OWN, regex=True, when=HELD),
    row(task_page("recertification", "recert_verify", "assign"),
        *CLERK_OWN, regex=True, when=WAITING),
    row(task_page("recertification", "recert_verify", "execute|unassign"),
        *CLERK_OWN, regex=True, when=HELD),
    row(task_page("organizationselection|individualvetting", "decision", "assign"),
        *APPROVER_OWN, regex=True, when=WAITING),
    row(task_page("organizationselection|individualvetting", "decision", "execute|unassign"),
        *APPROVER_OWN, regex=True, when=HELD),
    row(task_page("recertification", "renew", "assign"), *PROVIDER_OWN, regex=True, when=WAITING),
    row(task_page("recertification", "renew", "execute|unassign"),
        *PROVIDER_OWN, regex=True, when=HELD),
    row(task_page("annualreview", "review", "assign"), *ADMIN_OWN, regex=True, when=WAITING),
    row(task_page("annualreview", "review", "execute|unassign"),
        *ADMIN_OWN, regex=True, when=HELD),
    # a review case: the clerk investigates and checks the rectification; an administrator
    # (who did not investigate) decides, another one re-examines
    row(task_page("reviewcase", "investigate|rectification_check", "assign"),
        *CLERK_OWN, regex=True, when=WAITING),
    row(task_page("reviewcase", "investigate|rectification_check", "execute|unassign"),
        *CLERK_OWN, regex=True, when=HELD),
    row(task_page("reviewcase", "decide|reexamine", "assign"),
        *ADMIN_OWN, regex=True, when=WAITING),
    row(task_page("reviewcase", "decide|reexamine", "execute|unassign"),
        *ADMIN_OWN, regex=True, when=HELD),
    # a partner department's opinion (会审) is its own department's users' alone: none of
    # these roles takes, does or hands it back (the department's user, and other
    # departments', in tests/workflows/test_partner_opinions.py)
    row(task_page("organizationselection", "partner_review", "assign|execute|unassign"),
        *NOBODY2, regex=True),
    # the flow gives an expert's review and an applicant's correction to a named person:
    # only they do it, and it is never handed back to a queue
    row(task_page("organizationselection", "expert_review", "execute"),
        *EXPERT_OWN, regex=True, when=HELD),
    row(task_page("organizationselection|individualvetting", "correction", "execute"),
        *PROVIDER_OWN, regex=True, when=HELD),
    # anything else: nobody. A finished or cancelled task is neither taken, done nor handed
    # back; cancel, undo and revive are viewflow's flow-manager actions, and no role of the
    # registry is a flow manager
    row(NODE + "(assign|unassign|execute|cancel|undo|revive)/$", *NOBODY2, regex=True),
    # --- the Django admin: its sign-in page is public; no registry role is staff ---------
    row("admin/login/", *ALL),
    row("admin/logout/", *ALL),
    row(r"^admin/", *NOBODY, regex=True),
]


def expectation(route: Route, tag: str | None = None) -> dict[str, str] | None:
    """The cells of the first row for ``route`` (and, on a task page, the task's ``tag``);
    ``tag=None``: of the first row that holds whatever the state."""
    for pattern, when, expected in TABLE:
        if pattern.search(route.pattern) and (
                when is None or (tag is not None and when.fullmatch(tag))):
            return expected
    return None


def test_every_route_is_in_the_table():
    missing = [r.pattern for r in url_patterns() if expectation(r) is None]
    assert not missing, "routes with no row in TABLE:\n" + "\n".join(missing)


def test_every_api_operation_of_the_schema_is_routed_and_in_the_table(client):
    from django.urls import Resolver404, resolve

    schema = client.get("/api/schema/?format=json").json()
    # ResolverMatch.route leaves out the "^" of regex patterns
    routes = {r.pattern.replace("^", ""): r for r in url_patterns()}
    unrouted, untabled = [], []
    for path in schema["paths"]:
        concrete = re.sub(r"\{[^}]+\}", "1", path.replace("{fmt}", "csv"))
        try:
            match = resolve(concrete)
        except Resolver404:
            unrouted.append(path)
            continue
        route = routes.get(match.route.replace("^", ""))
        if route is None or expectation(route) is None:
            untabled.append(path)
    assert not unrouted and not untabled, (unrouted, untabled)


def _users(sides):
    """(label, role, side, client) for the anonymous public and every role of both sides."""
    users = [("anon", "anon", "A", Client(raise_request_exception=False))]
    for side in ("A", "B"):
        for role in ROLES[1:]:
            client = Client(raise_request_exception=False)
            client.force_login(sides[side].users[role])
            users.append((f"{role}-{side}", role, side, client))
    return users


SHARDS = 4


def _ask_the_matrix(sides, shard: int):
    """Every role of both sides asks every route of ``shard`` (every SHARDS-th route) about
    its own side's objects and the other side's."""
    other = {"A": "B", "B": "A"}
    differences, asked = [], 0
    users = _users(sides)
    for route in url_patterns()[shard::SHARDS]:
        assert expectation(route) is not None, route.pattern  # test_every_route_is_in_...
        asked_about = {name: variants(route, side) for name, side in sides.items()}
        tags = {name: [tag for tag, _path, _data in found]
                for name, found in asked_about.items()}
        assert tags["A"] == tags["B"], (route.pattern, tags)  # the sides mirror each other
        for label, role, side, client in users:
            if not route.has_object:
                if side == "B":
                    continue  # the same role on side A answers for it
                targets = [(side, None)]
            elif side == "A":
                targets = [(side, 0), (other[side], 1)]  # own, then foreign
            else:
                targets = [(other[side], 1)]  # side B's users ask about side A's objects
            for target, column in targets:
                for tag, path, data in asked_about[target]:
                    cell = expectation(route, tag)[role]
                    want = cell if column is None else cell[column]
                    got, method, status = ask(client, path, data)
                    asked += 1
                    if got != want:
                        state = f" [{tag}]" if tag else ""
                        differences.append(f"{method} {path}{state} as {label}: expected "
                                           f"{want}, got {got} ({status})  [{route.pattern}]")
    print(f"permission matrix, shard {shard}: {asked} requests")
    assert asked > 1000 // SHARDS
    assert not differences, f"{len(differences)} differences:\n" + "\n".join(differences)


# One class per shard: pytest-xdist (`--dist loadscope`) gives each class to whichever worker
# is free, so the matrix (about five minutes in one piece) no longer ends the run alone.
@pytest.mark.heavy
class TestPermissionMatrixShard0:
    def test_permission_matrix(self, sides):
        _ask_the_matrix(sides, 0)


@pytest.mark.heavy
class TestPermissionMatrixShard1:
    def test_permission_matrix(self, sides):
        _ask_the_matrix(sides, 1)


@pytest.mark.heavy
class TestPermissionMatrixShard2:
    def test_permission_matrix(self, sides):
        _ask_the_matrix(sides, 2)


@pytest.mark.heavy
class TestPermissionMatrixShard3:
    def test_permission_matrix(self, sides):
        _ask_the_matrix(sides, 3)


def test_the_shards_cover_every_route():
    covered = [route for shard in range(SHARDS) for route in url_patterns()[shard::SHARDS]]
    assert sorted(r.pattern for r in covered) == sorted(r.pattern for r in url_patterns())


@pytest.fixture
def client():
    return Client()
