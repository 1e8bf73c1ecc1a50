"""Whether a person's yearly record query found a record is sensitive personal data (PIPL
art. 28): the bureau's other clerks and its administrator, listing the re-queries on the
page or through the API, read that each was done, never what it found; the schools told of
the suspension a record found causes read no reason that says so."""

import datetime

import pytest
from django.urls import reverse

from registry import services
from registry.models import Approval, RecordRequery
from registry.roles import Role
from tests.after.beat import at, beat_day
from tests.factories import UserFactory
from workflows.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def recorded(people):
    """The willing person's re-query recorded as a hit by the clerk; the silent one's
    still waiting. A second clerk and an administrator of the bureau."""
    beat_day(datetime.date(2027, 3, 1))
    requery = RecordRequery.objects.get(person=people["willing"]["person"])
    with at(datetime.date(2027, 3, 5)):
        services.requery_record(actor=people["clerk"], requery=requery,
                                query_reference="CX-2027-009",
                                query_date=datetime.date(2027, 3, 4), result="hit")
    other_clerk, admin = UserFactory(), UserFactory()
    services.role_grant(actor=None, user=other_clerk, role=Role.BUREAU_CLERK,
                        target=people["bureau"])
    services.role_grant(actor=None, user=admin, role=Role.BUREAU_ADMIN, target=people["bureau"])
    return {**people, "requery": requery, "other_clerk": other_clerk, "admin": admin}


def test_the_page_lists_a_hit_as_recorded_only(recorded, client):
    assert RecordRequery.objects.get(pk=recorded["requery"].pk).status == "hit"
    for user in (recorded["other_clerk"], recorded["clerk"]):
        with at(datetime.date(2027, 3, 6)):
            client.force_login(user)
            page = client.get(reverse("registry:requeries", args=[recorded["bureau"].pk]))
        assert page.status_code == 200
        # the done ones, below the open ones' forms (whose choices name both results)
        done = page.content.decode().split("<table")[1]
        assert "willing" in done and "已登记" in done  # done, said as such
        assert "查到记录" not in done and "无记录" not in done


def test_the_api_says_done_and_refuses_to_filter_the_hits(recorded, client):
    for user in (recorded["other_clerk"], recorded["admin"]):
        with at(datetime.date(2027, 3, 6)):
            client.force_login(user)
            listing = client.get("/api/v1/requeries/")
            one = client.get(f"/api/v1/requeries/{recorded['requery'].pk}/")
            hits = client.get("/api/v1/requeries/?status=hit")
            done = client.get("/api/v1/requeries/?status=done")
        statuses = {row["person_name"]: row["status"] for row in listing.json()["results"]}
        assert statuses == {"willing": "done", "silent": "open"}
        assert one.status_code == 200 and one.json()["status"] == "done"
        assert hits.status_code == 400
        assert [row["person_name"] for row in done.json()["results"]] == ["willing"]


def test_the_schools_are_not_told_a_record_query_is_behind_the_suspension(recorded, client):
    approval = Approval.objects.get(pk=recorded["willing"]["approval"].pk)
    assert approval.status == "suspended"
    school = recorded["school_account"]
    told = " ".join(f"{n.subject} {n.body}" for n in Notification.objects.filter(user=school))
    assert "暂停" in told
    assert "查询" not in told and "记录" not in told
    with at(datetime.date(2027, 3, 6)):
        client.force_login(school)
        pages = [client.get(reverse("registry:school-engagements")),
                 client.get(reverse("registry:engagement-detail",
                                    args=[recorded["willing"]["engagement"].pk]))]
    for page in pages:
        assert page.status_code == 200
        assert "查询" not in page.content.decode()
