"""Fees beside the reference and hardship places in the published list, the school
search and the bureau totals; the policy data over the API."""

import csv
import hashlib
import io

import pytest
from django.core.exceptions import ValidationError
from openpyxl import load_workbook
from rest_framework.test import APIClient

from registry import selectors, services
from registry.exports import XLSX_HEADER_ROWS
from registry.models import AuditEvent, Engagement, ServiceCategory
from tests.factories import OfferingFactory
from tests.policy.conftest import fee_reference
from tests.registry.builders import (
    approve,
    bureau_admin,
    days,
    organization,
    person,
    school_user,
)

pytestmark = pytest.mark.django_db


def _api(user=None):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture
def listed():
    """An approved organization with a sport offering (25 yuan, 3 free places)."""
    org = organization("南昌飞跃篮球俱乐部有限公司", ("少儿篮球", "sport", "25"))
    offering = org.offerings.get()
    offering.free_places_per_term = 3
    offering.save(update_fields=["free_places_per_term"])
    approve(organization=org, categories=("sport",))
    fee_reference(code="360000", reference="30", cap="40")
    fee_reference(code="360100", reference="28", cap="35")
    return {"org": org, "offering": offering}


def test_the_published_list_shows_the_fee_the_reference_in_force_and_free_places(listed,
                                                                                  client):
    admin, bureau = bureau_admin("360100")
    publication = services.publication_publish(actor=admin, bureau=bureau)
    entry = publication.entries.get()
    [offering] = entry.data["offerings"]
    assert offering["fee_per_session"] == "25.00"
    assert offering["fee_reference"] == {"reference_fee": "28.00", "cap": "35.00",
                                         "effective_from": days(-30).isoformat()}
    assert offering["free_places_per_term"] == 3
    page = client.get(f"/registry/lists/p/{publication.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    html = page.content.decode()
    # the reference and the cap in yuan, as the fee beside them
    assert "少儿篮球（¥25.00，参考价 ¥28.00，上限 ¥35.00，每学期免费名额 3 个）" in html
    page = client.get(f"/registry/lists/p/{publication.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert "少儿篮球 (¥25.00, reference ¥28.00, cap ¥35.00, 3 free places a term)" in (
        page.content.decode())


def _export(client, publication, fmt, language="zh-hans") -> list[list]:
    response = client.get(f"/registry/lists/p/{publication.pk}/export.{fmt}",
                          HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200 and response.streaming
    body = b"".join(response.streaming_content)
    if fmt == "csv":
        return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    sheet = load_workbook(io.BytesIO(body), read_only=True).active
    # the table starts below the header block (title, publication date, digest)
    return [["" if cell is None else str(cell) for cell in row]
            for row in sheet.iter_rows(min_row=XLSX_HEADER_ROWS + 1, values_only=True)]


@pytest.fixture
def published_with_fees():
    """A list of six organizations (a sport, an arts and a reading offering each) and one
    retiree; references in force for sport (the city's) and arts (the province's) only."""
    fee_reference(code="360000", category="sport", reference="30", cap="40")
    fee_reference(code="360100", category="sport", reference="28", cap="35")
    fee_reference(code="360000", category="arts", reference="22", cap="26")
    fee_reference(code="360100", category="sport", reference="99", cap="99",
                  since_days=5)  # not in force yet
    for i in range(6):
        org = organization(f"南昌第{i}培训中心有限公司", (f"篮球{i}", "sport", "25"),
                           (f"国画{i}", "arts", "20"), (f"绘本{i}", "reading", "15"))
        approve(organization=org, categories=("sport", "arts", "reading"))
    retiree = person("王秀兰")
    approve(person=retiree, categories=("reading",))
    admin, bureau = bureau_admin("360100")
    return {"publication": services.publication_publish(actor=admin, bureau=bureau),
            "retiree": retiree}


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_list_exports_give_the_reference_fee_and_cap_beside_each_offering(
        published_with_fees, client, fmt, django_assert_max_num_queries):
    publication = published_with_fees["publication"]
    # seven entries, read in one query: no query per entry or per offering (the other
    # queries read the publication and what of it no longer holds, as the list's page does:
    # a fixed number, whatever the number of entries)
    with django_assert_max_num_queries(5):
        rows = _export(client, publication, fmt)
    header, *entries = rows
    assert header[6:9] == ["课程项目", "参考收费（元/次）", "收费上限（元/次）"]
    assert len(entries) == 7
    by_name = {row[2]: row for row in entries}
    # the offerings in the Offerings column's order (by title), a value for each
    org = by_name["南昌第3培训中心有限公司"]
    assert org[6] == ("国画3（文化艺术，20.00元/次）；篮球3（体育，25.00元/次）；"
                      "绘本3（阅读，15.00元/次）")
    assert (org[7], org[8]) == ("22.00；28.00；—", "26.00；35.00；—")
    retiree = by_name["王秀兰"]
    assert (retiree[6], retiree[7], retiree[8]) == ("", "", "")
    # personal data never: the retiree's ID number is in no cell
    id_number = published_with_fees["retiree"].id_number
    assert not any(id_number in cell or id_number[6:14] in cell
                   for row in rows for cell in row)
    # the same columns in English
    header = _export(client, publication, fmt, language="en")[0]
    assert header[6:9] == ["Offerings", "Reference fee per session (CNY)",
                           "Fee cap per session (CNY)"]


def test_exports_keep_the_references_of_the_day_the_list_was_published(published_with_fees,
                                                                       client):
    # a reference set after publication changes neither the list nor its exports
    fee_reference(code="360100", category="reading", reference="12", cap="14", since_days=0)
    publication = published_with_fees["publication"]
    [row] = [r for r in _export(client, publication, "csv")[1:]
             if r[2] == "南昌第0培训中心有限公司"]
    assert (row[7], row[8]) == ("22.00；28.00；—", "26.00；35.00；—")
    body = b"".join(client.get(
        f"/registry/lists/p/{publication.pk}/export.json").streaming_content)
    assert hashlib.sha256(body).hexdigest() == publication.digest


def test_school_search_shows_the_reference_for_the_schools_jurisdiction(
        listed, django_assert_max_num_queries):
    fee_reference(code="360102", reference="26", cap="30")  # 东湖区 sets its own
    user, _school = school_user("360102")
    with django_assert_max_num_queries(12):
        body = _api(user).get("/api/v1/search/organizations/").json()
    [result] = body["results"]
    [offering] = result["offerings"]
    assert (offering["fee_per_session"], offering["fee_reference"], offering["fee_cap"]) == (
        "25.00", "26.00", "30.00")
    assert offering["free_places_per_term"] == 3
    # a school in another county of the city sees the city's reference
    other, _ = school_user("360103")
    [result] = _api(other).get("/api/v1/search/organizations/").json()["results"]
    assert result["offerings"][0]["fee_cap"] == "35.00"


def test_school_search_page_shows_fee_reference_and_free_places(listed, client):
    user, school = school_user("360102")
    client.force_login(user)
    page = client.get("/registry/school/search/", {"keyword": "篮球", "school": school.pk},
                      HTTP_ACCEPT_LANGUAGE="zh-hans")
    html = page.content.decode()
    assert page.status_code == 200
    # the city's reference and cap in yuan, as the fee beside them
    assert "（体育，¥25.00，参考价 ¥28.00，上限 ¥35.00，每学期免费名额 3 个）" in html


# --- hardship places ----------------------------------------------------------------------

def _engagement(user, school, org, offering):
    """An engagement at the offering's own approved fee (a dearer one is refused)."""
    term = services.school_term_create(actor=user, school=school, name="2026 秋季学期",
                                       starts_on=days(0), ends_on=days(120), project_count=10)
    return services.engagement_create(actor=user, school=school, term=term,
                                      fee_per_session=offering.fee_per_session, sessions=20,
                                      organization=org, offering=offering)


def test_a_school_records_free_places_used_within_what_the_offering_gives(listed):
    user, school = school_user("360102")
    engagement = _engagement(user, school, listed["org"], listed["offering"])
    services.engagement_free_places_record(actor=user, engagement=engagement, used=2)
    engagement.refresh_from_db()
    assert engagement.free_places_used == 2
    event = AuditEvent.objects.for_object(engagement).get(action="engagement.free_places")
    assert (event.from_state, event.to_state) == ("0", "2")
    for bad in (-1, 4, "x"):
        with pytest.raises(ValidationError):
            services.engagement_free_places_record(actor=user, engagement=engagement, used=bad)
    engagement.refresh_from_db()
    assert engagement.free_places_used == 2


def test_free_places_over_the_api_are_400s_for_bad_numbers(listed):
    user, school = school_user("360102")
    engagement = _engagement(user, school, listed["org"], listed["offering"])
    url = f"/api/v1/engagements/{engagement.pk}/free-places/"
    assert _api(user).post(url, {"used": -1}, format="json").status_code == 400
    response = _api(user).post(url, {"used": 9}, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400 and response.json()["free_places_used"]
    ok = _api(user).post(url, {"used": 3}, format="json")
    assert ok.status_code == 200 and ok.json()["free_places_used"] == 3
    stranger, _ = school_user("360103")
    assert _api(stranger).post(url, {"used": 1}, format="json").status_code in (403, 404)
    assert Engagement.objects.get(pk=engagement.pk).free_places_used == 3


def test_a_school_records_free_places_on_its_engagements_page(listed, client):
    user, school = school_user("360102")
    engagement = _engagement(user, school, listed["org"], listed["offering"])
    url = f"/registry/school/engagements/{engagement.pk}/free-places/"
    client.force_login(user)
    # given the engagements page: the number used so far beside what the offering gives
    page = client.get("/registry/school/engagements/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    html = page.content.decode()
    assert "免费名额" in html and "每学期共 3 个" in html
    assert f'id="free-places-{engagement.pk}" value="0" min="0"' in html
    # when the school records two places: the success message, the number, the audit
    response = client.post(url, {"used": "2"}, HTTP_ACCEPT_LANGUAGE="zh-hans", follow=True)
    assert response.redirect_chain[-1][0].endswith(f"#engagement-{engagement.pk}")
    assert "已登记免费名额：使用 2 个（该项目每学期共 3 个）。" in response.content.decode()
    assert Engagement.objects.get(pk=engagement.pk).free_places_used == 2
    event = AuditEvent.objects.for_object(engagement).get(action="engagement.free_places")
    assert (event.actor_id, event.to_state) == (user.pk, "2")


@pytest.mark.parametrize(("used", "language", "message"), [
    ("5", "zh-hans", "该项目每学期提供 3 个免费名额，不能使用 5 个。"),
    ("5", "en", "The offering gives 3 free places per term; 5 cannot be used."),
    ("-1", "zh-hans", "免费名额不能为负数。"),
    ("-1", "en", "The number of free places cannot be negative."),
    ("两个", "en", "Enter a whole number."),
    ("", "zh-hans", "该字段是必填项。"),
])
def test_a_refused_number_of_free_places_is_a_400_beside_the_engagement(listed, client, used,
                                                                       language, message):
    user, school = school_user("360102")
    engagement = _engagement(user, school, listed["org"], listed["offering"])
    services.engagement_free_places_record(actor=user, engagement=engagement, used=1)
    client.force_login(user)
    response = client.post(f"/registry/school/engagements/{engagement.pk}/free-places/",
                           {"used": used}, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 400
    html = response.content.decode()
    # the message is in the row's error list, and the number typed is kept for correcting
    assert f'<div role="alert"><ul class="errorlist" id="free-places-{engagement.pk}_errors">' \
           f"<li>{message}</li></ul></div>" in html
    assert f'value="{used}"' in html
    assert Engagement.objects.get(pk=engagement.pk).free_places_used == 1
    assert AuditEvent.objects.filter(action="engagement.free_places").count() == 1


def test_only_the_school_of_the_engagement_records_its_free_places(listed, client):
    user, school = school_user("360102")
    engagement = _engagement(user, school, listed["org"], listed["offering"])
    url = f"/registry/school/engagements/{engagement.pk}/free-places/"
    stranger, _ = school_user("360102")  # another school of the same county
    admin, _bureau = bureau_admin("360100")  # the bureau reads engagements, never records
    for other in (stranger, admin):
        client.force_login(other)
        # not theirs: one nobody holds (tests/security/test_privacy_probes_ids_web.py)
        assert client.post(url, {"used": 1}).status_code == 404
    client.force_login(user)
    assert client.post("/registry/school/engagements/999999/free-places/",
                       {"used": 1}).status_code == 404
    assert client.get(url).status_code == 405
    client.logout()
    assert client.post(url, {"used": 1}).status_code == 302  # to sign in
    assert Engagement.objects.get(pk=engagement.pk).free_places_used == 0
    assert not AuditEvent.objects.filter(action="engagement.free_places").exists()


def test_an_engagement_with_nothing_to_record_shows_no_free_places_form(listed, client):
    listed["offering"].free_places_per_term = 0
    listed["offering"].save(update_fields=["free_places_per_term"])
    user, school = school_user("360102")
    engagement = _engagement(user, school, listed["org"], listed["offering"])
    client.force_login(user)
    html = client.get("/registry/school/engagements/").content.decode()
    assert f'id="engagement-{engagement.pk}"' in html
    assert f'id="free-places-{engagement.pk}"' not in html


def test_hardship_totals_per_school_and_provider(listed, django_assert_max_num_queries):
    user, school = school_user("360102")
    engagement = _engagement(user, school, listed["org"], listed["offering"])
    services.engagement_free_places_record(actor=user, engagement=engagement, used=2)
    other_org = organization("南昌弈林围棋培训有限公司", ("围棋", "sport", "20"))
    offering = other_org.offerings.get()
    offering.free_places_per_term = 5
    offering.save(update_fields=["free_places_per_term"])
    approve(organization=other_org, categories=("sport",))
    other_user, other_school = school_user("360103")
    _engagement(other_user, other_school, other_org, offering)
    with django_assert_max_num_queries(3):
        totals = selectors.hardship_places_totals(jurisdiction_ids=[school.county.parent_id])
    assert totals["total"] == {"offered": 8, "used": 2}
    assert (totals["offered"], totals["used"]) == (8, 2)
    by_school = {r["id"]: (r["offered"], r["used"]) for r in totals["schools"]}
    assert by_school == {school.pk: (3, 2), other_school.pk: (5, 0)}
    by_provider = {r["name"]: (r["offered"], r["used"]) for r in totals["providers"]}
    assert by_provider == {"南昌飞跃篮球俱乐部有限公司": (3, 2), "南昌弈林围棋培训有限公司": (5, 0)}
    # a county sees its own schools only
    county = selectors.hardship_places_totals(jurisdiction_ids=[school.county_id])
    assert county["total"] == {"offered": 3, "used": 2}


# --- policy data over the API -------------------------------------------------------------

def test_policy_data_is_public_and_read_only():
    signals = _api().get("/api/v1/policy/signals/").json()
    assert any(s["word"] == "奥数" and s["explanation"] for s in signals)
    allowed = _api().get("/api/v1/policy/allowed-categories/",
                         {"jurisdiction": "360102"}).json()
    assert allowed["list_kept_by"] == "360000"
    assert {c["code"] for c in allowed["categories"]} == set(
        ServiceCategory.objects.values_list("code", flat=True))
    fee_reference(code="360100", reference="28", cap="35")
    rows = {row["category_code"]: row for row in _api().get(
        "/api/v1/policy/fee-references/", {"jurisdiction": "360102"}).json()}
    # sport's, and its sub-item swimming's (游泳, a high-risk sport), inherited from it
    assert set(rows) == {"sport", "swimming"}
    row = rows["sport"]
    assert (row["category_code"], row["cap"], row["jurisdiction"]) == ("sport", "35.00",
                                                                       "南昌市")
    assert rows["swimming"]["cap"] == "35.00"
    assert _api().post("/api/v1/policy/signals/", {"word": "x"}).status_code in (403, 405)


@pytest.mark.parametrize("query", [{}, {"jurisdiction": "999999"}, {"jurisdiction": "x" * 50}])
def test_policy_api_refuses_a_missing_or_unknown_jurisdiction_with_a_400(query):
    response = _api().get("/api/v1/policy/fee-references/", query,
                          HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400 and response.json()["jurisdiction"]


def test_an_offering_factory_default_is_not_flagged():
    # the shared factories stay clean, so other suites' applications need no extra step
    from registry.models import Jurisdiction

    offering = OfferingFactory()
    assert services.offering_screen(offering=offering,
                                    jurisdiction=Jurisdiction.objects.get(code="360100")) == []
