"""The machinery of the permission matrix: every URL pattern, filled with ids, asked by a user.

``url_patterns()`` walks the resolver, so a new page or endpoint is in the matrix the moment
it is routed; ``fill()`` substitutes the ids of one side's objects, and ``variants()`` gives
a workflow task page once per state its node's tasks are in on that side (a task waiting in
its queue is not asked the same questions as one held or finished); ``ask()`` sends the
request inside a savepoint (rolled back) so that a POST that succeeds changes nothing for the
next one, and classifies the answer as ``Y`` (let in), ``N`` (refused: 401/403/404 or sent
to a login page) or ``E`` (a 5xx, always a failure).
"""

from __future__ import annotations

import re
from copy import deepcopy
from dataclasses import dataclass

from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver
from viewflow.workflow.models import Task

# the flows' apps, by the first segment of their addresses: the case of each that their
# process pages (``<flow>/<process_pk>/``, its chart, its cancel page) are asked about
FLOW_CASES = {
    "organizationselection": "case",
    "individualvetting": "vetting",
    "recertification": "recert",
    "annualreview": "review",
    "reviewcase": "review_case",
}
# The Django admin's own parameters: no role of the registry reaches the admin at all.
ADMIN_PARAMS = {"app_label", "content_type_id", "object_id", "object_pk", "id", "group_id",
                "user_id", "url"}


@dataclass(frozen=True)
class Route:
    pattern: str  # the pattern as routed, e.g. "api/v1/^cases/(?P<pk>[0-9]+)/$"
    name: str

    @property
    def has_object(self) -> bool:
        if self.pattern.startswith("admin/"):
            return False
        return bool(re.search(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>", self.pattern)) and not (
            # parameters that name no object of a side
            set(self.params) <= ADMIN_PARAMS | {"format", "fmt", "uidb64", "token", "code"})

    @property
    def params(self) -> list[str]:
        return [a or b for a, b in re.findall(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>", self.pattern)]

    @property
    def task_node(self) -> tuple[str, str] | None:
        """(flow, node) of a task page ``<flow>/<process_pk>/<node>/<task_pk>/…``."""
        match = re.match(r"(\w+)/<int:process_pk>/(\w+)/<int:task_pk>/", self.pattern)
        return (match.group(1), match.group(2)) if match else None


def url_patterns() -> list[Route]:
    """Every routed URL pattern of the project, with its namespaced name."""
    def walk(patterns, prefix="", namespace=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = namespace + (f"{p.namespace}:" if p.namespace else "")
                yield from walk(p.url_patterns, prefix + str(p.pattern), ns)
            elif isinstance(p, URLPattern):
                yield Route(prefix + str(p.pattern), namespace + (p.name or ""))

    seen, routes = set(), []
    for route in walk(get_resolver().url_patterns):
        if route.pattern not in seen:  # the DRF root view is routed twice
            seen.add(route.pattern)
            routes.append(route)
    return routes


def side_tasks(side) -> dict[tuple[str, str], dict[str, Task]]:
    """One task of the side's cases per (flow, node) and state, the first made: ``{(flow,
    node): {tag: task}}``. The tag is the task's status in lower case (``new``,
    ``assigned``, ``done``, ``canceled``, ``scheduled``), followed by `` panel`` when the
    task's case is on the side's expert's panel (the expert then sees it)."""
    if getattr(side, "_tasks", None) is None:
        from workflows.models import ExpertAssignment
        from workflows.selectors import SELECTORS

        panel = set(ExpertAssignment.objects.filter(expert=side.users["expert"])
                    .values_list("case_id", flat=True))
        processes = {pk for model in SELECTORS for pk in model.objects.filter(
            bureau=side.bureau).values_list("pk", flat=True)}
        side._tasks = {}
        for task in (Task.objects.filter(process_id__in=processes)
                     .select_related("process").order_by("pk")):
            node = (task.process.flow_class.instance.flow_label, task.flow_task.name)
            tag = task.status.lower() + (" panel" if task.process_id in panel else "")
            side._tasks.setdefault(node, {}).setdefault(tag, task)
    return side._tasks


API_OBJECTS = {
    "case": "case", "task": "task", "notice": "notice", "vetting": "vetting",
    "notification": "notification", "publication": "publication",
    "engagement": "engagement", "review-request": "review_request",
    "document": "document", "jurisdiction": "jurisdiction", "category": "category",
    "document-type": "document_type", "invitation": "invitation", "consent": "consent",
    "blacklist-proposal": "proposal",
    "my-sanction": "proposal", "recheck": "recheck", "token": "token",
    "organization": "organization", "offering": "offering", "person": "person",
    "change-request": "change_request",
}
WEB_OBJECTS = {
    "documents:review": "document", "documents:download": "document",
    "registry:list-detail": "publication", "registry:list-export": "publication",
    "registry:engagement-incident": "engagement",
    "registry:engagement-free-places": "engagement",
    "workflows:case": "case", "workflows:withdraw": "case", "workflows:object": "notice",
    "workflows:case-of": "case", "workflows:objection-handle": "case",
    "documents:view": "document",
    "workflows:dashboard": "bureau", "workflows:dashboard-list": "bureau",
    "registry:portal-organization": "organization", "registry:provider-profile": "approved",
    "registry:my-invitation-answer": "invitation", "registry:my-consent-withdraw": "consent",
    "registry:school-invitation-withdraw": "invitation", "workflows:school-vetting": "invitation",
    "registry:blacklist-confirm": "proposal", "registry:blacklist-refuse": "proposal",
    "registry:record-hit-notice": "proposal", "registry:record-hit-told": "proposal",
    "registry:sanction-evidence": "evidence",
    "registry:portal-person": "person", "registry:portal-roster-remove": "person",
    "registry:portal-organization-edit": "organization", "registry:portal-invite": "organization",
    "registry:portal-offering-edit": "offering",
    "documents:generated-form": "organization", "documents-api:generated-form": "organization",
    # the contract's: side A's term, school and published list
    "api-parents-page": "school", "registry:parents-page": "school",
    "registry:term-plan": "term", "registry:term-settlement": "term",
    "registry:list-export-signature": "publication", "registry:list-export-job": "publication",
    "registry:lesson-record": "engagement", "registry:lesson-decide": "engagement",
    "registry:engagement-roster": "engagement",
    "registry:engagement-roster-accept": "engagement",
    "registry:engagement-roster-remove": "engagement",
    "registry:portal-person-photo": "person",
    # after-approval rows the sides do not build: asked about one that is not there
    "registry:requery-record": "absent", "workflows:review-case": "review_case",
}
# API resources whose rows the sides do not build: an absent row, or the side's term
API_ABSENT = {"term": "term", "requery": "absent", "review-case": "review_case",
              "list-review": "absent", "job": "absent"}


def _object_id(side, route: Route) -> str:
    name = route.name.split(":")[-1]
    for prefix, attribute in sorted({**API_OBJECTS, **API_ABSENT}.items(),
                                    key=lambda kv: -len(kv[0])):
        if name.startswith(prefix + "-"):
            return str(_attribute(side, attribute))
    if route.name in WEB_OBJECTS:
        return str(_attribute(side, WEB_OBJECTS[route.name]))
    raise LookupError(f"no object for {route.pattern} ({route.name})")


def _attribute(side, attribute):
    if attribute == "jurisdiction":
        return side.bureau.jurisdiction_id
    if attribute == "category":
        return side.offering.category_id
    if attribute == "document_type":
        return side.document.document_type.code
    if attribute == "task":
        return side.task.pk
    if attribute == "term":
        return side.engagement.term_id
    if attribute == "absent":
        return 999999
    return getattr(side, attribute).pk


def fill(route: Route, side, task: Task | None = None) -> str:
    """The path of ``route`` with the ids of ``side``'s objects (for a task page, those of
    ``task``)."""
    path = route.pattern
    flow = path.split("/")[0]
    values = {
        "format": "json", "fmt": "csv", "uidb64": "MQ", "token": "set-password",
        "form": "application",
        **dict.fromkeys(ADMIN_PARAMS, "1"),
        "code": side.document.document_type.code if route.name.startswith("documents-api")
        else side.city,
        "bureau_id": str(side.bureau.pk),
        "kind": {"workflows:dashboard-list": "cases",
                 "workflows:case-of": "selection"}.get(route.name, "organization"),
        # an objection of no case of the side's: answered 404 to everyone (its handling by
        # the bureau's clerk is tested in tests/workflows/test_review_evidence.py)
        "objection_pk": "999999",
        "lesson_id": "999999", "lesson_pk": "999999",
        "evidence_pk": "999999",  # a review case's evidence file: the sides have none
        "member_id": "999999", "member_pk": "999999",
    }
    # the contract's papers and settlement: a paper and a format that exist, so
    # that a refusal is about who asks
    if route.name == "registry:engagement-paper-pdf":
        values["kind"] = "agreement"
    if route.name == "registry:engagement-settlement":
        values["fmt"] = "pdf"
    if task is not None:
        values["process_pk"], values["task_pk"] = str(task.process_id), str(task.pk)
    elif flow in FLOW_CASES:
        values["process_pk"] = str(getattr(side, FLOW_CASES[flow]).pk)
    elif path.startswith("admin/"):
        values["pk"] = "1"
    elif route.name == "documents:subject":
        values["pk"] = str(side.organization.pk)
    elif "pk" in route.params:
        values["pk"] = _object_id(side, route)

    def substitute(match):
        key = match.group(1) or match.group(2)
        if key == "app_label":  # the admin's alternation of the apps it shows
            return match.group(3).split("|")[0]
        return values[key]

    path = re.sub(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>([^)]*)\)", substitute, path)
    path = path.replace("^", "").replace("\\.", ".").replace("/?$", "").replace("$", "")
    return "/" + path


def variants(route: Route, side) -> list[tuple[str, str, dict]]:
    """(tag, path, POST body) of each thing ``route`` is asked about on ``side``: its one
    object (tag ``""``), or, for a task page, one task of the node in each state the side
    has it in (tagged as in ``side_tasks``). A node with no task on the side is a
    ``LookupError``: the fixture must give every node of every flow a task."""
    node = route.task_node
    if node is None:
        return [("", fill(route, side), payload(route, side))]
    tasks = side_tasks(side).get(node)
    if not tasks:
        raise LookupError(f"no task of {node[0]}.{node[1]} on side {side.name}")
    return [(tag, fill(route, side, task), {}) for tag, task in sorted(tasks.items())]


def outcome(response) -> str:
    if response.status_code >= 500:
        return "E"
    if response.status_code in (401, 403, 404):
        return "N"
    location = response.get("Location", "") if response.status_code in (301, 302, 303) else ""
    if "/login/" in location or "/accounts/2fa/" in location:
        return "N"
    return "Y"


def payload(route: Route, side) -> dict:
    """A body an authorized user's POST would succeed with: so that a refusal is about who
    asks, never about what was sent."""
    from django.utils import timezone

    from registry.models import EVALUATION_RUBRIC, Incident

    today = timezone.localdate().isoformat()
    name = route.name.split(":")[-1]
    evaluation = {"scores": dict.fromkeys((i.key for i in EVALUATION_RUBRIC), 4),
                  "comments": "良好"}
    incident = {"kind": Incident.Kind.values[0], "description": "课堂秩序问题",
                "occurred_on": today}
    return {
        "task-act": {"data": {f"doc_{d.pk}": "verify" for d in side.case_documents}},
        "document-reject": {"reason": "扫描件不清晰"},
        "engagement-evaluate": evaluation, "engagement-incident": incident,
        "engagement-incidents": incident, "engagement-free-places": {"used": 1},
        "notice-objections": {"real_name": "王小明", "contact": "13900000000",
                              "reason": "该机构曾多收费用"},
        "publication-publish": {"bureau": side.bureau.pk},
        "list-export-job": {"format": "csv"},
        "review-request-close": {"reason": "已约谈机构负责人"},
        "blacklist-proposal-refuse": {"reason": "证据不足"},
        "blacklist-refuse": {"reason": "证据不足"},
        "my-sanction-recheck": {"statement": "申请复查"},
        "recheck-decide": {"outcome": "upheld", "reason": "经复查，记录属实"},
        "record-hit-told": {"told_on": today, "way": "in_person"},
        "change-request-reject": {"reason": "收费高于指导价"},
        # a bureau administrator's move on an engagement: the side's own bureau
        **dict.fromkeys(("engagement-suspend", "engagement-restore", "engagement-terminate"),
                        {"bureau": side.bureau.pk, "reason": "机构被暂停资格"}),
        # a review case's provider steps: valid, so that a refusal is about who asks
        "review-case-respond": {"text": "已退还多收费用"},
        "review-case-reexamination": {"statement": "已主动退费"},
        "review-case-rectification": {"evidence": "退费凭证"},
    }.get(name, {})


def ask(client, path: str, data: dict | None = None) -> tuple[str, str, int]:
    """GET ``path`` (POST ``data`` when GET is not allowed), in a savepoint that is rolled
    back; the client's cookies are put back afterwards (a POST to logout ends the session
    only for that request)."""
    cookies = deepcopy(client.cookies)
    try:
        with transaction.atomic():
            response = client.get(path)
            method = "GET"
            if response.status_code == 405:
                if path.startswith("/api/"):
                    response = client.post(path, data or {}, content_type="application/json")
                    if response.status_code == 415:  # an endpoint that takes forms only
                        response = client.post(path, data or {})
                else:
                    response = client.post(path, data or {})
                method = "POST"
            transaction.set_rollback(True)
    finally:
        client.cookies = cookies
    return outcome(response), method, response.status_code
