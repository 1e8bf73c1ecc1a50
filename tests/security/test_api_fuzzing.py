"""schemathesis against the live OpenAPI schema, in-process over WSGI, as every role.

The security world (``tests/security/conftest.py``: two sides, each with every flow's cases,
documents reviewed and not, notifications, a published list) is asked, through every API
operation, by the public and by a signed-in user of each role — a provider, an individual
applicant (a person's own account), a school and the four bureau roles — with ``EXAMPLES``
generated requests per operation, each sent as every role: no answer may be a 5xx, and every
answer with a documented status must match the schema's description of its body and content
type. Users sign in with Django sessions (a session cookie and the CSRF pair), as the web
client does. Generation is derandomized so that a failure in CI is reproducible on a laptop.
"""

import pytest
import schemathesis
from django.conf import settings as django_settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.middleware.csrf import _get_new_csrf_string
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from registry import services as registry_services
from registry.roles import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.heavy  # minutes long: started first under xdist (tests/conftest.py)

EXAMPLES = 5
ROLES = ["anon", "provider", "individual", "school", "clerk", "expert", "approver", "admin"]


def _session_headers(user) -> dict:
    """A signed-in session for ``user`` (as ``Client.force_login`` makes one) and a CSRF
    token pair: the cookies and headers of a raw WSGI request."""
    from importlib import import_module

    engine = import_module(django_settings.SESSION_ENGINE)
    session = engine.SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    token = _get_new_csrf_string()
    return {"cookies": {django_settings.SESSION_COOKIE_NAME: session.session_key,
                        django_settings.CSRF_COOKIE_NAME: token},
            "headers": {"X-CSRFToken": token}}


@pytest.fixture
def _keep_the_test_connection():
    """Django's WSGI handler closes the database connection after each request; the test
    client stops that (it would end the test's transaction), and so must a raw WSGI call."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def role_headers(sides, _keep_the_test_connection):
    """Session headers of side A's user of each role (the public sends none)."""
    side = sides["A"]
    individual = UserFactory(username="individual_a")
    side.person.user = individual
    side.person.save(update_fields=["user"])
    registry_services.role_grant(actor=None, user=individual, role=Role.PROVIDER,
                                 target=side.person)
    users = {**side.users, "individual": individual}
    return {role: _session_headers(users[role]) if role != "anon" else {"headers": {}}
            for role in ROLES}


def _operations():
    from config.wsgi import application

    api = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
    return [result.ok() for result in api.get_all_operations()]


# the first segment of an API path → the side's object its ``{id}`` names (tests.security.matrix)
OBJECTS = {"jurisdictions": "jurisdiction", "categories": "category",
           "publications": "publication", "engagements": "engagement",
           "review-requests": "review_request", "cases": "case", "tasks": "task",
           "notices": "notice", "vettings": "vetting", "notifications": "notification",
           "documents": "document", "document-types": "document_type",
           "invitations": "invitation", "consents": "consent", "tokens": "token",
           "blacklist-proposals": "proposal", "my-sanctions": "proposal",
           "rechecks": "recheck"}


def _real_case(operation, side):
    """A request of ``operation`` about side A's own objects (what generated ids seldom
    find): the answers then carry real rows for the schema to describe."""
    from tests.security.matrix import _attribute

    segment = operation.path.removeprefix("/api/v1/").split("/")[0]
    # the public permit check answers "invalid" about a token that is none; the parents'
    # page is about side A's school
    values = {"fmt": "json", "token": "not-a-permit", "evidence_pk": 0}
    if segment in OBJECTS:
        values["id"] = values["code"] = _attribute(side, OBJECTS[segment])
    else:
        # resources the sides do not build rows of (requeries, review-cases,
        # list-reviews): asked about a row that is not there, the 404 must match the schema
        values["id"] = values["code"] = 0
    pending = side.case_documents[0]  # a document still waiting for the clerk's verdict
    if segment == "documents":
        values["id"] = pending.pk
    if segment == "terms":
        values["id"] = side.engagement.term_id
    if segment == "schools":
        values["id"] = side.school.pk
    if segment == "generated-forms":  # side A's organization's application form
        values.update(kind="organization", id=side.organization.pk, form="application")
    names = {p.name for p in operation.path_parameters}
    query = {"organization": pending.organization_id, "school": side.school.pk}
    wanted = {p.name for p in operation.query}
    return operation.Case(path_parameters={n: values[n] for n in names},
                          query={k: v for k, v in query.items() if k in wanted} or None)


def test_api_answers_about_real_rows_match_the_schema(sides, role_headers):
    """Every GET operation, about side A's own objects, as every role: the rows each may see
    are described truthfully (nullable where they may be null, and so on)."""
    failures, calls = [], 0
    for operation in _operations():
        if operation.method.upper() != "GET":
            continue
        case = _real_case(operation, sides["A"])
        for role, headers in role_headers.items():
            response = case.call(**headers)
            calls += 1
            try:
                case.validate_response(response, checks=[
                    not_a_server_error, response_schema_conformance, content_type_conformance])
            except (AssertionError, FailureGroup) as error:
                failures.append(f"{operation.label} as {role} ({response.status_code}): "
                                f"{str(error)[:700]}")
    assert calls > 150, calls
    assert not failures, f"{len(failures)} failures:\n" + "\n\n".join(failures)


def test_api_never_answers_5xx_and_matches_its_schema(role_headers):
    calls, failures = [0], []
    operations = _operations()
    assert len(operations) >= 40

    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def run(case):
            for role, auth in role_headers.items():
                response = case.call(headers={**(case.headers or {}), **auth["headers"]},
                                     cookies=auth.get("cookies"))
                calls[0] += 1
                try:
                    case.validate_response(response, checks=[
                        not_a_server_error, response_schema_conformance,
                        content_type_conformance])
                except (AssertionError, FailureGroup) as error:
                    failures.append(f"{case.operation.label} as {role}: "
                                    f"{case.as_curl_command()}\n{str(error)[:600]}")
                    return

        run()
    assert not failures, f"{len(failures)} failures:\n" + "\n\n".join(failures[:20])
    assert calls[0] >= 1500, calls[0]
