"""The words of the term's rating page and of the annual review's case and task pages, as
they were found in the browser: a term that has ended is told in the past; an annual
review's case page says whether it is decided (its status was blank) and how (a 1+1
renewal read "不予批准"); its task page counts in the reader's number ("1 engagements")
and puts no space between Chinese sentences."""

import datetime
import html
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from registry import services
from tests.after.annual_pages import review_page, review_task
from tests.after.beat import at
from tests.registry.builders import approve, bureau_admin, organization, rubric, school_user
from workflows.models import AnnualReviewProcess
from workflows.services.annual_review import annual_review_decide, annual_reviews_open

pytestmark = pytest.mark.django_db
D = datetime.timedelta
START = datetime.date(2027, 1, 11)
REVIEW = datetime.date(2027, 6, 1)


def _text(body: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body)))


@pytest.fixture
def year():
    """A provider approved in January, engaged by a school for its spring term (rated, an
    incident reported), its annual review opened on 1 June."""
    admin, _bureau = bureau_admin("360100")
    org = organization("南昌弈林围棋培训有限公司", ("少儿围棋启蒙班", "arts", "25"))
    with at(START):
        approval = approve(organization=org, where="360100", categories=("arts",),
                           valid_from=START, valid_until=START + D(364))
        account, school = school_user("360102", name="南昌市东湖区滨江小学")
        term = services.school_term_create(actor=account, school=school, name="2027年春季学期",
                                           starts_on=START + D(30), ends_on=START + D(120),
                                           project_count=20)
        engagement = services.engagement_create(
            actor=account, school=school, term=term, organization=org,
            fee_per_session=Decimal("20"), sessions=16)
    with at(START + D(60)):
        services.incident_report(actor=account, engagement=engagement, kind="fees",
                                 occurred_on=START + D(55), description="多收了教材费")
    with at(START + D(121), 10):
        services.engagement_evaluate(actor=account, engagement=engagement, scores=rubric(4))
    with at(REVIEW, 3):
        assert annual_reviews_open(today=REVIEW) == 1
    return {"admin": admin, "approval": approval, "account": account, "term": term,
            "case": AnnualReviewProcess.objects.get(approval=approval)}


@pytest.mark.parametrize(("language", "told"), [
    ("zh-hans", "本学期已于2027年5月11日结束。请按评价表"),
    ("en", "The term ended on May 11, 2027. Rate each engagement"),
])
def test_a_term_that_has_ended_is_told_in_the_past(client, year, language, told):
    with at(REVIEW, 10):
        client.force_login(year["account"])
        page = client.get(reverse("registry:term-ratings", args=[year["term"].pk]),
                          HTTP_ACCEPT_LANGUAGE=language)
    assert page.status_code == 200
    assert told in _text(page.content.decode())


def test_the_annual_review_case_page_says_it_is_in_progress_then_how_it_was_decided(
        client, year):
    case, admin = year["case"], year["admin"]
    url = reverse("workflows:case-of", args=["annual-review", case.pk])
    with at(REVIEW, 10):
        client.force_login(admin)
        before = _text(client.get(url).content.decode())
    assert "状态 办理中 考核期间 2027年1月11日 – 2027年6月1日" in before, before
    with at(REVIEW, 11):
        annual_review_decide(actor=admin, case=case, decision="renew", reason="一年来表现良好")
        after = _text(client.get(url).content.decode())
    assert "状态 保留并续期一个期限（1+1）" in after, after
    assert "审批决定 保留并续期一个期限（1+1）" in after, after
    assert "不予批准" not in after and "驳回" not in after


@pytest.mark.parametrize(("language", "words"), [
    ("zh-hans", ("考核期内引进 1 次；事件报告 1 起。考核期间（2027年1月11日 – 2027年6月1日）",
                 "分学期：南昌市东湖区滨江小学（2027年春季学期）80.0%，评价 1 份。事件报告：",
                 "未完成的年度入职查询：0 项；可续期一次（1+1）。")),
    ("en", ("1 engagement began in the period reviewed; 1 incident occurred in it. "
            "Satisfaction",
            "By term: 2027年春季学期 at 南昌市东湖区滨江小学, 80.0% (1 rating).",
            "not done: 0; the approval may be renewed once (1+1).")),
])
def test_the_annual_review_task_counts_in_the_readers_words(client, year, language, words):
    task = review_task(year["approval"], REVIEW)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    with at(REVIEW, 10):
        body = review_page(client, year["admin"], task)
    text = html.unescape(body)
    for sentence in words:
        assert sentence in text, (sentence, text)


@pytest.mark.parametrize(("language", "label"), [
    ("zh-hans", ">安全：学生有人看护，落实安全预案</label>"),
    ("en", ">Safety: pupils supervised, the safety plan followed</label>"),
])
def test_a_rubric_item_is_labelled_without_a_second_colon(language, label):
    from django.utils import translation

    from registry.forms import RubricForm
    with translation.override(language):
        form = str(RubricForm(prefix="e1"))
    assert label in form, form
