"""Malformed ids in paths and query strings: a 404 (or a 400 with a message), never a 5xx.

Every routed URL pattern with a parameter (walked from the resolver, so a new route is
covered the day it is added) is filled with the security world's real ids, then one
parameter at a time — and all of them at once — is replaced by each hostile value. Each
path that reaches a view is asked by the public and by a signed-in user of every role, with
GET and POST; a path that no route matches never reaches a view (Django's resolver answers
it), so it is asked once by the public and once by a signed-in user.

The query-string ids the views read by hand (``school``, ``bureau``, ``page``, …) get the
same hostile values on every page and endpoint without a path parameter.
"""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from django.db import transaction
from django.test import Client
from django.urls import Resolver404, resolve

from registry import services as registry_services
from registry.roles import Role
from tests.factories import UserFactory
from tests.security.matrix import FLOW_CASES, fill, side_tasks, url_patterns

pytestmark = pytest.mark.heavy  # minutes long: started first under xdist (tests/conftest.py)

# fullwidth and superscript digits: str.isdigit() says yes; int() reads "１２" as 12 and
# refuses "²"
HOSTILE = ["abc", "-1", "1.5", "99999999999999999999999", "%00", quote("１２"), quote("²"),
           "x" * 3000, quote("'; DROP TABLE x; --", safe="")]
QUERY_HOSTILE = ["abc", "99999999999999999999999", "%00", quote("²")]
ROLES = ("provider", "individual", "school", "clerk", "expert", "approver", "admin")
# the ids the views and endpoints read from a query string
QUERY_IDS = ("school", "bureau", "organization", "offering", "person", "term", "page",
             "jurisdiction", "category", "year", "within_days", "days", "process", "task",
             "case", "type", "kind", "grade", "min_age", "max_fee")
PARAM = re.compile(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>[^)]*\)")


def _clients(side) -> dict[str, Client]:
    """The public and one signed-in user of each role of the side; the individual applicant
    is a person's own account (the provider role, granted on the person)."""
    individual = UserFactory(username=f"individual_{side.name}")
    side.person.user = individual
    side.person.save(update_fields=["user"])
    registry_services.role_grant(actor=None, user=individual, role=Role.PROVIDER,
                                 target=side.person)
    users = {**side.users, "individual": individual}
    clients = {"anon": Client(raise_request_exception=False)}
    for role in ROLES:
        clients[role] = Client(raise_request_exception=False)
        clients[role].force_login(users[role])
    return clients


def _hostile_paths(route, side, task) -> set[str]:
    """The route's path with one parameter hostile, the others filled with the side's real
    ids (``task``'s, for a task page); and, but for task pages, every parameter at once."""
    valid = fill(route, side, task)
    slots = list(PARAM.finditer(route.pattern))
    combinations = [[i] for i in range(len(slots))]
    if task is None and len(slots) > 1:
        combinations.append(list(range(len(slots))))
    paths = set()
    for value in HOSTILE:
        for chosen in combinations:
            pattern = route.pattern
            for i in sorted(chosen, reverse=True):  # from the end: offsets stay valid
                match = slots[i]
                pattern = pattern[:match.start()] + "\0HOSTILE\0" + pattern[match.end():]
            # fill() substitutes the remaining parameters; the placeholder survives it
            filled = fill(type(route)(pattern, route.name), side, task)
            paths.add(filled.replace("\0HOSTILE\0", value))
    paths.discard(valid)
    return paths


def _resolves(path: str) -> bool:
    from urllib.parse import unquote

    try:
        resolve(unquote(path.split("?")[0]))
    except Resolver404:
        return False
    except Exception:  # noqa: BLE001 - a converter that raises is a reached view, too
        return True
    return True


def _ask(clients, path, roles) -> list[str]:
    """GET and POST ``path`` as each of ``roles``, in a savepoint rolled back; the 5xx."""
    errors = []
    for role in roles:
        client = clients[role]
        for method in ("get", "post"):
            with transaction.atomic():
                response = getattr(client, method)(path)
                transaction.set_rollback(True)
            if response.status_code >= 500:
                errors.append(f"{method.upper()} {path[:120]} as {role}: "
                              f"{response.status_code}")
    return errors


@pytest.mark.django_db
def test_hostile_ids_in_paths_answer_4xx_never_5xx(sides):
    side = sides["A"]
    clients = _clients(side)
    everyone = ("anon", *ROLES)
    errors, reached, unrouted = [], 0, set()
    turn = 0
    for route in url_patterns():
        if not PARAM.search(route.pattern) or route.pattern.startswith("admin/"):
            continue
        node = route.task_node
        task = next(iter(side_tasks(side)[node].values())) if node else None
        for path in sorted(_hostile_paths(route, side, task)):
            if not _resolves(path):
                # no view runs: Django's resolver answers; its 404 page is asked once per
                # area of the site and hostile value
                area = (path.split("/")[1], next(v for v in HOSTILE if v in path))
                if area not in unrouted:
                    unrouted.add(area)
                    errors += _ask(clients, path, ("anon", "provider"))
                continue
            reached += 1
            if task is None:
                errors += _ask(clients, path, everyone)
            else:
                # the engine's task pages are the same few views for every node: each page
                # is asked by the public and by one role, the roles taking turns
                turn += 1
                errors += _ask(clients, path, ("anon", ROLES[turn % len(ROLES)]))
    assert reached > 500 and len(unrouted) > 20, (reached, len(unrouted))
    assert not errors, f"{len(errors)} answers 5xx:\n" + "\n".join(errors)


@pytest.mark.django_db
def test_hostile_ids_in_query_strings_answer_4xx_never_5xx(sides):
    side = sides["A"]
    clients = _clients(side)
    errors, asked = [], 0
    for route in url_patterns():
        # the task pages of the workflow engine read no query string of their own
        if route.pattern.startswith(("admin/", "accounts/", "i18n/")) or "task_pk" in \
                route.pattern:
            continue
        base = fill(route, side)
        engine = base.split("/")[1] in FLOW_CASES or base == "/workspace/"
        # the engine's own lists read only its paging and filters: the public and one role
        roles = ("anon", ROLES[asked % len(ROLES)]) if engine else ("anon", *ROLES)
        for turn, role in enumerate(roles):
            # every id hostile; then the side's own school and bureau with the rest hostile
            # (a malformed school would be refused before the other ids are read). The
            # values go round the names, shifted for each role and page, so that every
            # name meets every value.
            for n, context in enumerate(({}, {"school": side.school.pk,
                                              "bureau": side.bureau.pk})):
                query = "&".join(
                    f"{name}={context.get(name, QUERY_HOSTILE[(i + turn + n + asked) % 4])}"
                    for i, name in enumerate(QUERY_IDS))
                with transaction.atomic():
                    response = clients[role].get(f"{base}?{query}")
                    transaction.set_rollback(True)
                if response.status_code >= 500:
                    errors.append(f"GET {base}?{query[:80]}… as {role}: "
                                  f"{response.status_code}")
        asked += 1
    assert asked > 100, asked
    assert not errors, f"{len(errors)} answers 5xx:\n" + "\n".join(errors)
