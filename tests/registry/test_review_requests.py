"""The bureau's page of open review requests (复核任务): what its administrator sees, and
closing one with a reason."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from registry import services
from registry.models import AuditEvent, ReviewRequest
from registry.roles import Role
from tests.factories import UserFactory
from tests.registry.builders import bureau_admin, organization, person, school_user

pytestmark = pytest.mark.django_db

LOW = ReviewRequest.Trigger.LOW_SATISFACTION


def _open(bureau, *, org=None, someone=None, share=0.7):
    return services.review_request_open(
        actor=None, bureau=bureau, trigger=LOW, organization=org, person=someone,
        details={"satisfaction_share": share, "threshold": 0.8})


@pytest.fixture
def requests_():
    admin, bureau = bureau_admin("360100")
    other_admin, other_bureau = bureau_admin("360200")
    go = organization("南昌弈林围棋培训有限公司")
    retiree = person("王秀兰")
    first = _open(bureau, org=go)
    second = _open(bureau, someone=retiree, share=0.64)
    closed = _open(bureau, org=organization("已处理机构有限公司"))
    services.review_request_close(actor=admin, review_request=closed, reason="已约谈")
    foreign = _open(other_bureau, org=organization("景德镇瓷艺培训有限公司"))
    return {"admin": admin, "bureau": bureau, "first": first, "second": second,
            "closed": closed, "foreign": foreign, "other_admin": other_admin,
            "other_bureau": other_bureau}


def _url(bureau, review_request=None):
    base = f"/registry/bureau/{bureau.pk}/review-requests/"
    return f"{base}{review_request.pk}/close/" if review_request else base


def test_the_administrator_sees_the_open_requests_of_the_bureau_only(
        requests_, client, django_assert_max_num_queries):
    for i in range(4):  # more rows, no more queries: 11 for 6 requests as for 2
        _open(requests_["bureau"], someone=person(f"志愿者{i}号", kind="volunteer"))
    client.force_login(requests_["admin"])
    with django_assert_max_num_queries(11):
        page = client.get(_url(requests_["bureau"]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 200
    html = page.content.decode()
    assert "南昌弈林围棋培训有限公司" in html and "王秀兰" in html and "退休教师" in html
    assert "满意度偏低" in html and "平均满意度 70%，低于 80%" in html
    assert "平均满意度 64%" in html
    assert "6 个复核任务待处理" in html and "志愿者3号" in html
    opened = timezone.localtime(requests_["first"].created_at)
    assert f"{opened.year}年{opened.month}月{opened.day}日" in html
    assert "已处理机构有限公司" not in html  # closed
    assert "景德镇瓷艺培训有限公司" not in html  # another bureau's
    assert requests_["second"].person.id_number not in html


def test_closing_with_a_reason_is_recorded_and_audited(requests_, client):
    client.force_login(requests_["admin"])
    response = client.post(_url(requests_["bureau"], requests_["first"]),
                           {"reason": "已约谈机构负责人，整改完成"},
                           HTTP_ACCEPT_LANGUAGE="zh-hans", follow=True)
    assert response.redirect_chain[-1][0] == _url(requests_["bureau"])
    html = response.content.decode()
    assert "复核任务已办结：南昌弈林围棋培训有限公司 · 满意度偏低。" in html
    assert "1 个复核任务待处理" in html
    first = ReviewRequest.objects.get(pk=requests_["first"].pk)
    assert first.status == ReviewRequest.Status.CLOSED
    event = AuditEvent.objects.for_object(first).get(action="review_request.close")
    assert (event.actor_id, event.reason, event.from_state, event.to_state) == (
        requests_["admin"].pk, "已约谈机构负责人，整改完成", "open", "closed")


@pytest.mark.parametrize(("reason", "language", "message"), [
    ("", "zh-hans", "请填写理由，理由将记入审计记录。"),
    ("   ", "en", "Give a reason; it is recorded in the audit trail."),
    ("很" * 4001, "en", "Ensure this value has at most 4000 characters (it has 4001)."),
])
def test_a_missing_reason_is_a_400_beside_the_request(requests_, client, reason, language,
                                                       message):
    client.force_login(requests_["admin"])
    review_request = requests_["second"]
    response = client.post(_url(requests_["bureau"], review_request), {"reason": reason},
                           HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 400
    assert (f'<ul class="errorlist" id="reason-{review_request.pk}_errors" role="alert">'
            f"<li>{message}</li></ul>") in response.content.decode()
    assert ReviewRequest.objects.get(pk=review_request.pk).status == ReviewRequest.Status.OPEN
    assert not AuditEvent.objects.for_object(review_request).filter(
        action="review_request.close").exists()


def test_closing_twice_is_a_400_with_the_message_above_the_list(requests_, client):
    client.force_login(requests_["admin"])
    response = client.post(_url(requests_["bureau"], requests_["closed"]), {"reason": "再次"},
                           HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "This review request cannot change that way." in response.content.decode()
    assert AuditEvent.objects.filter(action="review_request.close").count() == 1


def test_only_the_bureaus_administrator_sees_and_closes_its_requests(requests_, client):
    bureau, first, foreign = requests_["bureau"], requests_["first"], requests_["foreign"]
    client.force_login(requests_["admin"])
    # another bureau's request is not found through one's own bureau; its page is refused
    assert client.post(_url(bureau, foreign), {"reason": "越权"}).status_code == 404
    assert client.post(_url(requests_["other_bureau"], foreign),
                       {"reason": "越权"}).status_code == 403
    assert client.get(_url(requests_["other_bureau"])).status_code == 403
    assert client.get(_url(bureau, first)).status_code == 405
    clerk = UserFactory()
    services.role_grant(actor=None, user=clerk, role=Role.BUREAU_CLERK, target=bureau)
    school, _ = school_user("360102")
    for user in (requests_["other_admin"], clerk, school):
        client.force_login(user)
        assert client.get(_url(bureau)).status_code == 403
        assert client.post(_url(bureau, first), {"reason": "越权"}).status_code == 403
    client.logout()
    assert client.post(_url(bureau, first), {"reason": "越权"}).status_code == 302  # sign in
    assert ReviewRequest.objects.get(pk=first.pk).status == ReviewRequest.Status.OPEN
    assert ReviewRequest.objects.get(pk=foreign.pk).status == ReviewRequest.Status.OPEN


def test_the_bureau_pages_link_to_the_open_requests(requests_, client):
    bureau = requests_["bureau"]
    client.force_login(requests_["admin"])
    page = client.get(f"/registry/bureau/{bureau.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert f'href="{_url(bureau)}">2 个待处理的复核任务' in page.content.decode()
    dashboard = client.get(f"/selection/dashboard/{bureau.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert f'href="{_url(bureau)}"><strong>2</strong>' in dashboard.content.decode()
    # a clerk sees the dashboard, but closing review requests is not theirs: no figure
    clerk = UserFactory()
    services.role_grant(actor=None, user=clerk, role=Role.BUREAU_CLERK, target=bureau)
    client.force_login(clerk)
    dashboard = client.get(f"/selection/dashboard/{bureau.pk}/")
    assert dashboard.status_code == 200 and _url(bureau) not in dashboard.content.decode()


@pytest.mark.parametrize(("language", "message"), [
    ("zh-hans", "未知的复核原因：incident。"),
    ("en", "Unknown cause of review: incident."),
])
def test_a_review_request_with_an_unknown_trigger_is_refused(language, message):
    # given: a trigger that is not one of ReviewRequest.Trigger (the column's choices are
    # not checked by create())
    _admin, bureau = bureau_admin("360100")
    go = organization("南昌弈林围棋培训有限公司")
    # when / then
    with translation.override(language):
        with pytest.raises(ValidationError) as refused:
            services.review_request_open(actor=None, bureau=bureau, trigger="incident",
                                         organization=go)
        assert refused.value.message_dict == {"trigger": [message]}
    assert not ReviewRequest.objects.exists()
    assert not AuditEvent.objects.filter(action="review_request.open").exists()


# --- the API: POST /api/v1/review-requests/{id}/close/ ----------------------------------

def _api_close(client, review_request, body, language="zh-hans"):
    return client.post(f"/api/v1/review-requests/{review_request.pk}/close/", body,
                       content_type="application/json", HTTP_ACCEPT_LANGUAGE=language)


def test_the_administrator_closes_a_request_through_the_api_and_it_is_audited(requests_, client):
    client.force_login(requests_["admin"])
    response = _api_close(client, requests_["first"], {"reason": "已约谈机构负责人，整改完成"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["id"], body["status"], body["provider_name"]) == (
        requests_["first"].pk, "closed", "南昌弈林围棋培训有限公司")
    first = ReviewRequest.objects.get(pk=requests_["first"].pk)
    assert first.status == ReviewRequest.Status.CLOSED
    event = AuditEvent.objects.for_object(first).get(action="review_request.close")
    assert (event.actor_id, event.reason, event.from_state, event.to_state) == (
        requests_["admin"].pk, "已约谈机构负责人，整改完成", "open", "closed")
    # and it is gone from the open ones
    listing = client.get("/api/v1/review-requests/", {"status": "open"}).json()
    assert [r["id"] for r in listing["results"]] == [requests_["second"].pk]


@pytest.mark.parametrize(("body", "language", "errors"), [
    ({"reason": ""}, "zh-hans", {"reason": ["请填写理由，理由将记入审计记录。"]}),
    ({"reason": "   "}, "en", {"reason": ["Give a reason; it is recorded in the audit trail."]}),
    ({}, "zh-hans", {"reason": ["该字段是必填项。"]}),
    ({"reason": "很" * 4001}, "en",
     {"reason": ["Ensure this field has no more than 4000 characters."]}),
    (["已约谈"], "en",
     {"non_field_errors": ["Invalid data. Expected a dictionary, but got list."]}),
])
def test_bad_input_to_the_api_is_a_400_with_the_message(requests_, client, body, language,
                                                         errors):
    client.force_login(requests_["admin"])
    review_request = requests_["second"]
    response = _api_close(client, review_request, body, language)
    assert response.status_code == 400
    assert response.json() == errors
    assert ReviewRequest.objects.get(pk=review_request.pk).status == ReviewRequest.Status.OPEN
    assert not AuditEvent.objects.for_object(review_request).filter(
        action="review_request.close").exists()


def test_closing_twice_through_the_api_is_a_400(requests_, client):
    client.force_login(requests_["admin"])
    response = _api_close(client, requests_["closed"], {"reason": "再次"}, "en")
    assert response.status_code == 400
    assert response.json() == {"detail": ["This review request cannot change that way."]}
    assert AuditEvent.objects.filter(action="review_request.close").count() == 1


def test_only_the_bureaus_administrator_closes_its_requests_through_the_api(requests_, client):
    first, foreign = requests_["first"], requests_["foreign"]
    # another bureau's request is not found, as on the page
    client.force_login(requests_["admin"])
    assert _api_close(client, foreign, {"reason": "越权"}).status_code == 404
    clerk = UserFactory()
    services.role_grant(actor=None, user=clerk, role=Role.BUREAU_CLERK,
                        target=requests_["bureau"])
    school, _ = school_user("360102")
    for user in (requests_["other_admin"], clerk, school):
        client.force_login(user)
        assert _api_close(client, first, {"reason": "越权"}).status_code == 404
    client.logout()
    assert _api_close(client, first, {"reason": "越权"}).status_code in (401, 403)
    assert client.get(f"/api/v1/review-requests/{first.pk}/close/").status_code in (401, 403)
    client.force_login(requests_["admin"])
    assert client.get(f"/api/v1/review-requests/{first.pk}/close/").status_code == 405
    assert ReviewRequest.objects.get(pk=first.pk).status == ReviewRequest.Status.OPEN
    assert ReviewRequest.objects.get(pk=foreign.pk).status == ReviewRequest.Status.OPEN
    assert not AuditEvent.objects.filter(action="review_request.close").exclude(
        target_id=str(requests_["closed"].pk)).exists()


def test_the_schema_documents_closing_a_review_request(client):
    schema = client.get("/api/schema/?format=json").json()
    operation = schema["paths"]["/api/v1/review-requests/{id}/close/"]["post"]
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/ReviewRequestClose"}
    close = schema["components"]["schemas"]["ReviewRequestClose"]
    assert close["required"] == ["reason"] and close["properties"]["reason"]["maxLength"] == 4000
    assert operation["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ReviewRequest"}
    assert "audit trail" in operation["description"]
