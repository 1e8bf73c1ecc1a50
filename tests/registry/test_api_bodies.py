"""A write to the API whose JSON body is not an object (a list, a string, a number, null) is
the caller's mistake: a 400 that says so, in the caller's language, never a 500."""

import json
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from registry import services
from registry.models import ReviewRequest
from tests.registry.builders import approve, bureau_admin, days, organization, school_user

pytestmark = pytest.mark.django_db

NOT_OBJECTS = [[1, 2], "x", 3, None]
MESSAGES = {"zh-hans": "请求正文必须是一个 JSON 对象，字段作为其成员。",
            "en": "The request body must be a JSON object, with the fields as its members."}


@pytest.fixture
def callers():
    """Who may call each write: a school user with a term and an engagement, and the
    administrator of the bureau that approved the provider, with an open review request."""
    school_user_, school = school_user("360102")
    org = organization("南昌弈林围棋培训有限公司", ("少儿围棋", "arts", "25"))
    approve(organization=org, where="360100", categories=("arts",))
    term = services.school_term_create(actor=school_user_, school=school, name="2026 秋季学期",
                                       starts_on=days(0), ends_on=days(120), project_count=10)
    engagement = services.engagement_create(
        actor=school_user_, school=school, term=term, organization=org,
        offering=org.offerings.get(), fee_per_session=Decimal("25"), sessions=16)
    admin, bureau = bureau_admin("360100")
    review = services.review_request_open(
        actor=None, bureau=bureau, trigger=ReviewRequest.Trigger.LOW_SATISFACTION,
        organization=org, details={"satisfaction_share": 0.7, "threshold": 0.8})
    return {"school": school_user_, "admin": admin, "engagement": engagement.pk,
            "review": review.pk}


# (who calls, the URL): every POST of the registry's API
WRITES = [
    ("school", "/api/v1/terms/"),
    ("school", "/api/v1/engagements/"),
    ("school", "/api/v1/engagements/{engagement}/evaluate/"),
    ("school", "/api/v1/engagements/{engagement}/incidents/"),
    ("school", "/api/v1/engagements/{engagement}/free-places/"),
    ("admin", "/api/v1/sanctions/"),
    ("admin", "/api/v1/review-requests/{review}/close/"),
    ("admin", "/api/v1/publications/publish/"),
]


@pytest.mark.parametrize(("caller", "url"), WRITES)
@pytest.mark.parametrize("body", NOT_OBJECTS, ids=["list", "string", "number", "null"])
def test_a_body_that_is_not_an_object_is_a_400(callers, caller, url, body):
    api = APIClient()
    api.force_authenticate(callers[caller])
    # encoded here: the test client would send no body at all for None
    response = api.post(url.format(**callers), json.dumps(body),
                        content_type="application/json", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400, response.content.decode()[:500]


@pytest.mark.parametrize("language", MESSAGES)
def test_the_400_says_what_is_wrong_in_the_callers_language(callers, language):
    api = APIClient()
    api.force_authenticate(callers["school"])
    response = api.post(f"/api/v1/engagements/{callers['engagement']}/incidents/", [1, 2],
                        format="json", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 400
    assert response.json() == {"detail": [MESSAGES[language]]}


def test_fields_are_single_values_and_numbers_are_read_as_text(callers):
    api = APIClient()
    api.force_authenticate(callers["school"])
    url = f"/api/v1/engagements/{callers['engagement']}/incidents/"
    # a list or an object where one value belongs: named, and refused
    response = api.post(url, {"kind": ["safety"], "description": {"what": "x"},
                              "occurred_on": "2026-01-01"}, format="json",
                        HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json() == {name: ["Give one value here, not a list or an object."]
                               for name in ("kind", "description")}
    # a number where a date belongs: the form's own message
    response = api.post(url, {"kind": "safety", "description": "x", "occurred_on": 20260101},
                        format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json() == {"occurred_on": [{"message": "Enter a valid date.",
                                                "code": "invalid"}]}
    # a number where a number belongs is read as the form reads posted text; null is absent
    response = api.post("/api/v1/terms/", {
        "school": None, "name": "2027 春季学期", "starts_on": "2027-02-20",
        "ends_on": "2027-06-30", "project_count": 12}, format="json")
    assert response.status_code == 201, response.content.decode()
    assert response.json()["project_count"] == 12
