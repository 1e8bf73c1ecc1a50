"""schemathesis against the live OpenAPI schema, in-process over WSGI, as every role.

Each API operation × each role (the public, a provider, a school and the four bureau roles)
gets ``EXAMPLES`` generated requests (about 1,500 in all): no answer may be a 5xx, and every
answer with a documented status must match the schema's description of its body and content
type. Generation is derandomized so that a failure in CI is reproducible on a laptop.
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from registry import services as registry_services
from registry.models import Bureau, School
from registry.roles import Role
from tests.factories import OrganizationFactory, SchoolFactory, UserFactory

EXAMPLES = 6
ROLES = ["anon", "provider", "school", "clerk", "expert", "approver", "admin"]


def _user_for(role: str):
    if role == "anon":
        return None
    user = UserFactory(username=f"fuzz-{role}")
    bureau = Bureau.objects.get(jurisdiction__code="360100")
    target = {"provider": lambda: OrganizationFactory(),
              "school": lambda: School.objects.first() or SchoolFactory()}.get(
        role, lambda: bureau)()
    enum = {"provider": Role.PROVIDER, "school": Role.SCHOOL, "clerk": Role.BUREAU_CLERK,
            "expert": Role.BUREAU_EXPERT, "approver": Role.BUREAU_APPROVER,
            "admin": Role.BUREAU_ADMIN}[role]
    registry_services.role_grant(actor=None, user=user, role=enum, target=target)
    return user


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
def role_headers(db, _keep_the_test_connection):
    """Token headers of one user per role (the public sends none)."""
    from accounts.services import token_create

    headers = {}
    for role in ROLES:
        user = _user_for(role)
        if user is None:
            headers[role] = {}
            continue
        _token, secret = token_create(actor=user, name="fuzzing")
        headers[role] = {"Authorization": f"Bearer {secret}"}
    return headers


def _operations():
    from config.wsgi import application

    api = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
    return [result.ok() for result in api.get_all_operations()]


def test_api_never_answers_5xx_and_matches_its_schema(role_headers):
    calls, failures = [0], []
    operations = _operations()
    assert len(operations) >= 40

    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def run(case):
            for role, headers in role_headers.items():
                response = case.call(headers={**(case.headers or {}), **headers})
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
    assert calls[0] >= 1000, calls[0]
