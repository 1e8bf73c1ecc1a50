"""Every URL × every role × own and foreign objects, against ONE table of expected access.

The routes come from the URL resolver (and the API's from the OpenAPI schema too), so a new
page or endpoint is in the matrix as soon as it exists: a route that no row of ``TABLE``
matches fails ``test_every_route_is_in_the_table``, and any answer that differs from its row
fails ``test_permission_matrix`` (which lists every difference at once).

Cells: ``Y`` let in (2xx, 3xx elsewhere than a login page, or a 4xx about the input),
``N`` refused (401, 403, 404 or sent to sign in). Object routes have two letters: the
user's own side's object, then the other side's. A workflow node with no task in the fixture
(and the re-certification and annual-review flows, which have no case in it) is asked with
an id that exists nowhere: it must be refused to everyone. Side A is 南昌市 (360100) with
organization A, school X and its bureau's staff; side B is 景德镇市 (360200) with organization
B, school Y.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tests.security.matrix import MISSING, Route, ask, fill, payload, url_patterns

ROLES = ("anon", "provider", "school", "clerk", "expert", "approver", "admin")


def row(pattern: str, anon: str, provider: str, school: str, clerk: str, expert: str,
        approver: str, admin: str, *, regex: bool = False):
    """One row: ``pattern`` is a route exactly as routed (``regex=True``: a regular
    expression over routes); then the expected cell of each role."""
    compiled = re.compile(pattern if regex else "^" + re.escape(pattern) + "$")
    cells = dict(zip(ROLES, (anon, provider, school, clerk, expert, approver, admin),
                     strict=True))
    return compiled, cells


def api(path: str) -> str:
    """The routed pattern of a DRF router path: ``api("cases/{pk}/")``."""
    path = path.replace("{pk}", "(?P<pk>[^/.]+)").replace("{code}", "(?P<code>[^/.]+)")
    path = path.replace("{fmt}", "(?P<fmt>csv|json|xlsx)")
    return f"api/v1/^{path}$"


ALL, USERS, NOBODY = ("Y",) * 7, ("N",) + ("Y",) * 6, ("N",) * 7
ALL2, NOBODY2 = ("YY",) * 7, ("NN",) * 7
ONLY_SCHOOL = ("N", "N", "Y", "N", "N", "N", "N")
# who may see a case, a document or a vetting of their side: its provider, the bureau's
# clerk, approver and administrator (an expert only the cases on their panel)
CASE_SEEN = ("NN", "YN", "NN", "YN", "NN", "YN", "YN")
CASE_SEEN_BY_PANEL = ("NN", "YN", "NN", "YN", "YN", "YN", "YN")
SCHOOL_OWN = ("NN", "NN", "YN", "NN", "NN", "NN", "NN")
PROVIDER_OWN = ("NN", "YN", "NN", "NN", "NN", "NN", "NN")
CLERK_OWN = ("NN", "NN", "NN", "YN", "NN", "NN", "NN")
ADMIN_OWN = ("NN", "NN", "NN", "NN", "NN", "NN", "YN")
FLOWS = r"(organizationselection|individualvetting|recertification|annualreview)"
NODE = FLOWS + r"/<int:process_pk>/(\w+)/<int:task_pk>/"
# selection nodes passed in the case in public notice (its panel expert sees them)
PANEL_NODES = ("decision|decision_gate|draw_experts|expert_review|notice|panel|panel_done|"
               "qualification_gate|start_notice|summarize")

TABLE = [
    # --- the public: health, language, sign-in, published lists, notices ---------------
    row("healthz", *ALL),
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
    row("api/schema/", *ALL),
    row("api/docs/", *ALL),
    row("registry/lists/", *ALL),
    row("registry/lists/<str:code>/", *ALL),
    row("registry/lists/p/<int:pk>/", *ALL2),
    row("registry/lists/p/<int:pk>/export.<str:fmt>", *ALL2),
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
    row(api("cases/"), *USERS),
    row(api("tasks/"), *USERS),
    row(api("vettings/"), *USERS),
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
    row(FLOWS + r"/((queue/assign|inbox/unassign|flows|tasks|chart|inbox|queue|archive)/)?$",
        *USERS, regex=True),
    # --- schools ------------------------------------------------------------------------
    row("api/v1/search/organizations/", *ONLY_SCHOOL),
    row("api/v1/search/people/", *ONLY_SCHOOL),
    row("registry/school/search/", *ONLY_SCHOOL),
    row("registry/school/engagements/", *ONLY_SCHOOL),
    row("registry/school/engagements/<int:pk>/evaluate/", *SCHOOL_OWN),
    row("registry/school/engagements/<int:pk>/incident/", *SCHOOL_OWN),
    row(api("engagements/{pk}/evaluate/"), *SCHOOL_OWN),
    row(api("engagements/{pk}/free-places/"), *SCHOOL_OWN),
    row(api("engagements/{pk}/incidents/"), *SCHOOL_OWN),
    # the school and the administrator of its bureau see an engagement
    row(api("engagements/{pk}/"), "NN", "NN", "YN", "NN", "NN", "NN", "YN"),
    # an approved provider's public profile: schools and bureau staff, any side
    row("registry/providers/<int:pk>/", "NN", "NN", "YY", "YY", "YY", "YY", "YY"),
    # --- providers ----------------------------------------------------------------------
    row("registry/portal/organizations/<int:pk>/", *PROVIDER_OWN),
    row("selection/cases/<int:pk>/withdraw/", *PROVIDER_OWN),
    row(api("cases/{pk}/withdraw/"), *PROVIDER_OWN),
    row(api("notifications/{pk}/"), *PROVIDER_OWN),  # the provider's own notification
    # --- cases, documents and vettings: the provider and its bureau ----------------------
    row("selection/cases/<int:pk>/", *CASE_SEEN),
    row(api("cases/{pk}/"), *CASE_SEEN),
    row(api("vettings/{pk}/"), *CASE_SEEN),
    row(api("documents/{pk}/"), *CASE_SEEN),
    row(api("documents/{pk}/download/"), *CASE_SEEN),
    row("documents/<int:pk>/download/", *CASE_SEEN),
    row("documents/<str:kind>/<int:pk>/", *CASE_SEEN),
    row(FLOWS + r"/<int:process_pk>/(chart/)?$", *CASE_SEEN, regex=True),
    # --- bureau clerks ------------------------------------------------------------------
    row("documents/<int:pk>/review/", *CLERK_OWN),
    row(api("documents/{pk}/verify/"), *CLERK_OWN),
    row(api("documents/{pk}/reject/"), *CLERK_OWN),
    row(api("tasks/{pk}/"), *CLERK_OWN),  # the qualification task in the clerk's queue
    row(api("tasks/{pk}/act/"), *CLERK_OWN),
    row("selection/dashboard/<int:pk>/", "NN", "NN", "NN", "YN", "NN", "YN", "YN"),
    row("selection/dashboard/<int:pk>/<slug:kind>/", "NN", "NN", "NN", "YN", "NN", "YN", "YN"),
    # --- bureau administrators ----------------------------------------------------------
    row("registry/bureau/<int:bureau_id>/", *ADMIN_OWN),
    row("registry/bureau/<int:bureau_id>/publish/", *ADMIN_OWN),
    row(api("publications/publish/"), "N", "N", "N", "N", "N", "N", "Y"),
    row(api("review-requests/{pk}/"), *ADMIN_OWN),
    # --- the workflow engine's own pages of a case and its tasks -------------------------
    row(FLOWS + r"/<int:process_pk>/cancel/$", *NOBODY2, regex=True),
    # a task's index page only redirects to its detail or execute page (rows below)
    row(NODE + "$", "NN", "YY", "YY", "YY", "YY", "YY", "YY", regex=True),
    row(r"^organizationselection/<int:process_pk>/(" + PANEL_NODES + ")/<int:task_pk>/detail/$",
        *CASE_SEEN_BY_PANEL, regex=True),
    row(NODE + "detail/$", *CASE_SEEN, regex=True),
    # the clerk takes the qualification task from the queue; the vetting's correction task
    # is the provider's own (and stays so: it cannot be handed back); a finished task is
    # neither taken nor handed back
    row(r"^organizationselection/<int:process_pk>/qualification/<int:task_pk>/assign/$",
        *CLERK_OWN, regex=True),
    row(r"^individualvetting/<int:process_pk>/correction/<int:task_pk>/execute/$",
        *PROVIDER_OWN, regex=True),
    row(NODE + "(assign|unassign|execute|cancel|undo|revive)/$", *NOBODY2, regex=True),
    # --- the Django admin: its sign-in page is public; no registry role is staff ---------
    row("admin/login/", *ALL),
    row("admin/logout/", *ALL),
    row(r"^admin/", *NOBODY, regex=True),
]


def expectation(route: Route) -> dict[str, str] | None:
    for pattern, expected in TABLE:
        if pattern.search(route.pattern):
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


def test_permission_matrix(sides):
    other = {"A": "B", "B": "A"}
    differences, asked = [], 0
    users = _users(sides)
    for route in url_patterns():
        expected = expectation(route)
        assert expected is not None, route.pattern  # test_every_route_is_in_the_table
        filled = {name: (fill(route, side), payload(route, side)) for name, side in sides.items()}
        for label, role, side, client in users:
            cell = expected[role]
            if not route.has_object:
                if side == "B":
                    continue  # the same role on side A answers for it
                targets = [(side, cell)]
            else:
                targets = [(side, cell[0]), (other[side], cell[1])]
                if side == "B":
                    if "<int:task_pk>" in route.pattern:
                        continue  # the engine's task pages: side A's users answer for them
                    targets = targets[1:]  # side B's users ask about side A's objects
            for target, want in targets:
                path, data = filled[target]
                if str(MISSING) in path:
                    # a node with no task in the fixture (or a flow with no case): there is
                    # nothing to find, for anyone; the public and an administrator ask
                    if role not in ("anon", "admin"):
                        continue
                    want = "N"
                got, method, status = ask(client, path, data)
                asked += 1
                if got != want:
                    differences.append(f"{method} {path} as {label}: expected {want}, "
                                       f"got {got} ({status})  [{route.pattern}]")
    assert asked > 1000
    assert not differences, f"{len(differences)} differences:\n" + "\n".join(differences)


@pytest.fixture
def client():
    return Client()
