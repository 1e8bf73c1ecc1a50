"""A school's incident reports (事件报告) through its pages: a refused report comes back as
the form with what was typed, and the school lists the incidents it reported, with where
each stands — its own only."""

from decimal import Decimal

import pytest

from registry import services
from registry.models import Incident
from tests.registry.builders import approve, bureau_admin, days, organization, school_user


@pytest.fixture
def setting(db):
    user, school = school_user("360102")
    term = services.school_term_create(actor=user, school=school, name="2026 秋季学期",
                                       starts_on=days(0), ends_on=days(120), project_count=10)
    org = organization("南昌星光艺术培训有限公司", ("少儿美术", "arts", "30"))
    approve(organization=org, where="360100", categories=("arts",))
    engagement = services.engagement_create(
        actor=user, school=school, term=term, organization=org,
        offering=org.offerings.first(), fee_per_session=Decimal("25"), sessions=16)
    return {"user": user, "school": school, "engagement": engagement, "org": org}


DESCRIPTION = "课后服务期间，外聘教师擅自讲授数学新课，学生家长反映强烈。"


@pytest.mark.django_db
def test_a_refused_report_comes_back_with_the_description_kept(setting, client):
    client.force_login(setting["user"])
    url = f"/registry/school/engagements/{setting['engagement'].pk}/incident/"
    # an incident dated in the future: the service refuses it
    response = client.post(url, {"kind": "new_lessons", "description": DESCRIPTION,
                                 "occurred_on": days(3).isoformat()})
    assert response.status_code == 400
    page = response.content.decode()
    assert DESCRIPTION in page
    assert "问题发生日期不能晚于今天" in page
    assert response.context["form"].errors["occurred_on"]
    assert 'value="new_lessons" selected' in page
    # a missing date: the form's own refusal, next to the field, the text kept too
    response = client.post(url, {"kind": "safety", "description": DESCRIPTION,
                                 "occurred_on": ""})
    assert response.status_code == 400
    assert DESCRIPTION in response.content.decode()
    assert response.context["form"].errors["occurred_on"]
    assert not Incident.objects.exists()


@pytest.mark.django_db
def test_the_form_page_itself_opens_for_the_school(setting, client):
    client.force_login(setting["user"])
    page = client.get(f"/registry/school/engagements/{setting['engagement'].pk}/incident/")
    assert page.status_code == 200
    assert "南昌星光艺术培训有限公司" in page.content.decode()
    assert 'name="description"' in page.content.decode()


@pytest.mark.django_db
def test_a_report_is_listed_with_its_state_for_its_school_only(
        setting, client, django_assert_max_num_queries):
    client.force_login(setting["user"])
    url = f"/registry/school/engagements/{setting['engagement'].pk}/incident/"
    response = client.post(url, {"kind": "new_lessons", "description": DESCRIPTION,
                                 "occurred_on": days(0).isoformat()})
    assert response.status_code == 302
    assert response["Location"].startswith("/registry/school/incidents/")
    for n in range(3):  # more reports: the page's queries do not grow with them
        client.post(url, {"kind": "fees", "description": f"第{n}次多收费用",
                          "occurred_on": days(0).isoformat()})
    with django_assert_max_num_queries(12):
        page = client.get("/registry/school/incidents/")
    assert page.status_code == 200
    text = page.content.decode()
    assert DESCRIPTION in text and "讲授新课" in text and "收费" in text
    assert "南昌星光艺术培训有限公司" in text
    # the first report opened a review case at the bureau, the others joined it as further
    # causes: the school sees each of the four being handled
    assert text.count("教育局处理中") == 4
    # another school sees none of them, and may not name the first school
    other, other_school = school_user("360102")
    client.force_login(other)
    assert DESCRIPTION not in client.get("/registry/school/incidents/").content.decode()
    foreign = client.get(f"/registry/school/incidents/?school={setting['school'].pk}")
    assert foreign.status_code == 403
    assert client.get(url).status_code == 404  # another school's engagement: nobody's
    # a bureau's staff does not read the list (the bureau reads incidents on its cases)
    client.force_login(bureau_admin("360100")[0])
    assert client.get(f"/registry/school/incidents/?school={setting['school'].pk}"
                      ).status_code == 403


@pytest.mark.django_db
def test_an_incident_without_a_review_case_is_listed_as_reported(setting, client):
    Incident.objects.create(engagement=setting["engagement"], kind="safety",
                            description="学生在操场摔伤", occurred_on=days(0),
                            created_by=setting["user"])
    client.force_login(setting["user"])
    text = client.get("/registry/school/incidents/").content.decode()
    assert "学生在操场摔伤" in text and "已报告" in text


@pytest.mark.django_db
def test_an_incident_whose_case_is_closed_is_listed_as_closed(setting, client):
    from workflows.models import ReviewCaseProcess

    client.force_login(setting["user"])
    client.post(f"/registry/school/engagements/{setting['engagement'].pk}/incident/",
                {"kind": "conduct", "description": DESCRIPTION,
                 "occurred_on": days(0).isoformat()})
    # the bureau's due process ended (its own tests drive it there step by step)
    ReviewCaseProcess.objects.filter(organization=setting["org"]).update(
        stage=ReviewCaseProcess.Stage.CLOSED)
    text = client.get("/registry/school/incidents/").content.decode()
    assert "教育局已办结" in text and "教育局处理中" not in text


@pytest.mark.django_db
def test_each_engagement_links_to_its_report_page_and_no_id_is_repeated(setting, client):
    """The report was a form inside each row's last cell: opened, it squeezed the row's
    other cells to a character's width at 1280 px, and every row repeated the same field
    ids (id_kind, id_description…), so a label named the first row's field."""
    import re

    # given a school with two engagements
    org = organization("南昌青苗体育培训有限公司", ("少儿篮球", "sport", "30"))
    approve(organization=org, where="360100", categories=("sport",))
    second = services.engagement_create(
        actor=setting["user"], school=setting["school"], term=setting["engagement"].term,
        organization=org, offering=org.offerings.first(), fee_per_session=Decimal("25"),
        sessions=16)
    client.force_login(setting["user"])
    # when it opens its engagements page
    page = client.get("/registry/school/engagements/").content.decode()
    # then each row links to the report page of its own engagement
    for engagement in (setting["engagement"], second):
        row = re.search(rf'<tr id="engagement-{engagement.pk}">.*?</tr>', page, re.S).group(0)
        assert (f'href="/registry/school/engagements/{engagement.pk}/incident/"' in row), row
        assert "<textarea" not in row
    # and no element's id is given twice
    ids = re.findall(r'\sid="([^"]+)"', page)
    assert not {i for i in ids if ids.count(i) > 1}
