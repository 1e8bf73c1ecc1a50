"""Sanctions reach only the actor's jurisdiction; a blacklisting (which bars
applications province-wide) takes effect only when a provincial administrator other than
the proposer confirms it. Everything here goes through HTTP, as the attacker would."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from registry import selectors
from registry.models import Approval, AuditEvent, Blacklisting
from tests.registry.builders import approve, bureau_admin, organization, school_user

pytestmark = pytest.mark.django_db
S = Approval.Status
PDF = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def side():
    """東湖区 (360102) and its sibling 西湖区 (360103) under 南昌市, and the province."""
    donghu_admin, donghu = bureau_admin("360102")
    xihu_admin, xihu = bureau_admin("360103")
    city_admin, city = bureau_admin("360100")
    province_admin, province = bureau_admin("360000")
    second_province_admin, _ = bureau_admin("360000")
    ours = organization("南昌东湖青苗体育", ("少儿篮球", "sport", "20"), county="360102")
    theirs = organization("南昌西湖翰墨书法", ("书法入门", "arts", "20"), county="360103")
    return {
        "donghu_admin": donghu_admin, "donghu": donghu, "xihu_admin": xihu_admin,
        "xihu": xihu, "city_admin": city_admin, "city": city,
        "province_admin": province_admin, "province": province,
        "second_province_admin": second_province_admin,
        "ours": ours, "ours_approval": approve(organization=ours, where="360102"),
        "theirs": theirs, "theirs_approval": approve(organization=theirs, where="360103"),
    }


def _status(approval):
    return Approval.objects.get(pk=approval.pk).status


def _propose(client, bureau, org, **extra):
    return client.post("/api/v1/blacklist-proposals/", {
        "bureau": bureau.pk, "organization": org.pk, "reason": "多次违规讲授学科内容",
        "years": 3, **extra})


# --- suspension and revocation: the actor's subtree only ---------------------------------

def test_county_admin_cannot_suspend_or_revoke_a_sibling_countys_approval(side, client):
    client.force_login(side["donghu_admin"])
    for action in ("suspend", "revoke"):
        response = client.post("/api/v1/sanctions/", {
            "bureau": side["donghu"].pk, "action": action,
            "organization": side["theirs"].pk, "reason": "越权"})
        assert response.status_code == 400, response.content
        page = client.post(f"/registry/bureau/{side['donghu'].pk}/", {
            "action": action, "organization": side["theirs"].pk, "reason": "越权"})
        assert page.status_code == 400
    assert _status(side["theirs_approval"]) == S.APPROVED


def test_an_admin_may_not_act_for_a_bureau_they_do_not_administer(side, client):
    client.force_login(side["donghu_admin"])
    response = client.post("/api/v1/sanctions/", {
        "bureau": side["xihu"].pk, "action": "suspend", "organization": side["theirs"].pk,
        "reason": "越权"})
    assert response.status_code == 403
    assert client.post(f"/registry/bureau/{side['xihu'].pk}/", {
        "action": "suspend", "organization": side["theirs"].pk,
        "reason": "越权"}).status_code == 403
    assert _propose(client, side["xihu"], side["theirs"]).status_code == 403
    assert _status(side["theirs_approval"]) == S.APPROVED


def test_city_admin_suspends_within_the_city(side, client):
    client.force_login(side["city_admin"])
    response = client.post("/api/v1/sanctions/", {
        "bureau": side["city"].pk, "action": "suspend", "organization": side["theirs"].pk,
        "reason": "安全事故调查"})
    assert response.status_code == 201, response.content
    assert _status(side["theirs_approval"]) == S.SUSPENDED


# --- blacklisting: proposed below, confirmed at the province by someone else ------------

def test_county_admin_cannot_blacklist_at_once_any_more(side, client):
    client.force_login(side["donghu_admin"])
    api = client.post("/api/v1/sanctions/", {
        "bureau": side["donghu"].pk, "action": "blacklist", "organization": side["theirs"].pk,
        "reason": "越权拉黑", "years": 5})
    assert api.status_code == 400
    page = client.post(f"/registry/bureau/{side['donghu'].pk}/", {
        "action": "blacklist", "organization": side["ours"].pk, "reason": "直接拉黑",
        "years": "5"})
    assert page.status_code == 400
    assert not Blacklisting.objects.exists()
    assert not selectors.is_blacklisted(uscc=side["theirs"].uscc)
    assert not selectors.is_blacklisted(uscc=side["ours"].uscc)


def test_county_admin_cannot_propose_a_provider_beyond_their_reach(side, client):
    client.force_login(side["donghu_admin"])
    response = _propose(client, side["donghu"], side["theirs"])
    # not found, as a number nobody holds (tests/security/test_privacy_probes_ids.py)
    assert response.status_code == 404, response.content
    assert not selectors.is_blacklisted(uscc=side["theirs"].uscc)
    assert _status(side["theirs_approval"]) == S.APPROVED


def test_a_proposal_bars_nobody_until_a_provincial_admin_confirms(side, client):
    from workflows.models import Notification

    provider = side["ours"]
    provider_user = _provider_user(provider)
    client.force_login(side["donghu_admin"])
    evidence = SimpleUploadedFile("inspection.pdf", PDF, content_type="application/pdf")
    response = client.post("/api/v1/blacklist-proposals/", {
        "bureau": side["donghu"].pk, "organization": provider.pk,
        "reason": "多次违规讲授学科内容", "years": 3, "evidence_references": "督查通报 2026-12",
        "evidence": evidence})
    assert response.status_code == 201, response.content
    proposal = response.json()
    assert proposal["status"] == "proposed"
    assert len(proposal["evidence"]) == 1
    assert not selectors.is_blacklisted(uscc=provider.uscc)
    assert _status(side["ours_approval"]) == S.APPROVED
    # the provincial administrators are told there is one to decide
    assert Notification.objects.filter(user=side["province_admin"]).exists()
    # the city administrator is not the province: may not confirm
    client.force_login(side["city_admin"])
    url = f"/api/v1/blacklist-proposals/{proposal['id']}/"
    assert client.post(url + "confirm/", {"reason": "同意"}).status_code in (403, 404)
    assert not selectors.is_blacklisted(uscc=provider.uscc)
    # the provincial administrator confirms
    client.force_login(side["province_admin"])
    listed = client.get("/api/v1/blacklist-proposals/?status=proposed").json()
    assert [p["id"] for p in listed["results"]] == [proposal["id"]]
    confirmed = client.post(url + "confirm/", {"reason": "证据充分"})
    assert confirmed.status_code == 200, confirmed.content
    assert confirmed.json()["status"] == "confirmed"
    assert selectors.is_blacklisted(uscc=provider.uscc)
    assert _status(side["ours_approval"]) == S.REVOKED
    # confirming twice does nothing more
    assert client.post(url + "confirm/", {"reason": "再次"}).status_code == 400
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"blacklist.propose", "blacklist.confirm"} <= actions
    # the proposer hears of the decision; the provider hears there is news, not the reason
    assert Notification.objects.filter(user=side["donghu_admin"]).exists()
    # two messages: the blacklisting's news, and the revocation's, which reaches the
    # provider (its staff and the schools too) the same day; neither gives the reason
    told = list(Notification.objects.filter(user=provider_user).order_by("pk"))
    assert len(told) == 2, [n.subject for n in told]
    for news in told:
        assert "多次违规" not in news.subject + news.body and "证据充分" not in news.body
        assert news.url


def test_the_proposer_cannot_confirm_their_own_proposal_even_at_the_province(side, client):
    client.force_login(side["province_admin"])
    response = _propose(client, side["province"], side["theirs"])
    assert response.status_code == 201, response.content
    url = f"/api/v1/blacklist-proposals/{response.json()['id']}/"
    assert client.post(url + "confirm/", {"reason": "自己确认"}).status_code == 403
    page = client.post(f"/registry/bureau/{side['province'].pk}/blacklist-proposals/"
                       f"{response.json()['id']}/confirm/", {"reason": "自己确认"})
    assert page.status_code == 403
    assert not selectors.is_blacklisted(uscc=side["theirs"].uscc)
    # a second provincial administrator may
    client.force_login(side["second_province_admin"])
    assert client.post(url + "confirm/", {"reason": "复核同意"}).status_code == 200
    assert selectors.is_blacklisted(uscc=side["theirs"].uscc)


def test_a_refused_proposal_bars_nobody_and_the_proposer_is_told(side, client):
    from workflows.models import Notification

    client.force_login(side["donghu_admin"])
    proposal = _propose(client, side["donghu"], side["ours"]).json()
    client.force_login(side["province_admin"])
    url = f"/registry/bureau/{side['province'].pk}/blacklist-proposals/"
    page = client.get(url)
    assert page.status_code == 200
    assert "南昌东湖青苗体育" in page.content.decode()
    # refusing needs a reason
    assert client.post(f"{url}{proposal['id']}/refuse/", {"reason": " "}).status_code == 400
    refused = client.post(f"{url}{proposal['id']}/refuse/", {"reason": "证据不足"})
    assert refused.status_code == 302
    assert not selectors.is_blacklisted(uscc=side["ours"].uscc)
    assert AuditEvent.objects.filter(action="blacklist.refuse").exists()
    assert Notification.objects.filter(user=side["donghu_admin"],
                                       subject__isnull=False).count() >= 1


def test_the_county_page_proposes_instead_of_blacklisting(side, client):
    client.force_login(side["donghu_admin"])
    page = client.post(f"/registry/bureau/{side['donghu'].pk}/blacklist-proposals/new/", {
        "organization": side["ours"].pk, "reason": "严重违规", "years": "2",
        "evidence": SimpleUploadedFile("e.pdf", PDF, content_type="application/pdf")})
    assert page.status_code == 302, page.content.decode()[:2000]
    assert not selectors.is_blacklisted(uscc=side["ours"].uscc)
    # a school may not look at proposals at all
    user, _school = school_user("360102")
    client.force_login(user)
    assert client.get("/api/v1/blacklist-proposals/").json()["count"] == 0
    assert client.get(f"/registry/bureau/{side['province'].pk}/blacklist-proposals/"
                      ).status_code == 403


def _provider_user(org):
    from registry import services
    from registry.roles import Role
    from tests.factories import UserFactory

    user = UserFactory()
    services.role_grant(actor=None, user=user, role=Role.PROVIDER, target=org)
    return user


def test_evidence_files_are_checked_and_shown_only_to_who_decides(side, client):
    client.force_login(side["donghu_admin"])
    refused = client.post("/api/v1/blacklist-proposals/", {
        "bureau": side["donghu"].pk, "organization": side["ours"].pk, "reason": "违规",
        "years": 2, "evidence": SimpleUploadedFile("x.html", b"<script>alert(1)</script>",
                                                   content_type="application/pdf")})
    assert refused.status_code == 400
    proposal = client.post("/api/v1/blacklist-proposals/", {
        "bureau": side["donghu"].pk, "organization": side["ours"].pk, "reason": "违规",
        "years": 2, "evidence": SimpleUploadedFile("e.pdf", PDF,
                                                   content_type="application/pdf")}).json()
    url = proposal["evidence"][0]["url"]
    client.force_login(side["province_admin"])
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    for outsider in (side["xihu_admin"], school_user("360102")[0], _provider_user(side["ours"])):
        client.force_login(outsider)
        assert client.get(url).status_code == 404


def test_a_provider_with_only_a_case_in_the_county_is_within_reach(side, client):
    from tests.factories import PersonFactory, UserFactory
    from workflows.services import vetting

    # a person of another county's organization, vetted by the 东湖区 bureau
    person = PersonFactory(organization=side["theirs"], user=UserFactory())
    vetting.vetting_start(actor=person.user, person=person, bureau=side["donghu"])
    client.force_login(side["donghu_admin"])
    response = client.post("/api/v1/blacklist-proposals/", {
        "bureau": side["donghu"].pk, "person": person.pk, "reason": "伪造证明", "years": 5})
    assert response.status_code == 201, response.content


def test_proposal_lists_read_a_fixed_number_of_queries(side, client,
                                                       django_assert_max_num_queries):
    client.force_login(side["donghu_admin"])
    for org in (side["ours"], organization("东湖第二机构", county="360102"),
                organization("东湖第三机构", county="360102")):
        assert _propose(client, side["donghu"], org).status_code == 201
    client.force_login(side["province_admin"])
    with django_assert_max_num_queries(12):
        listed = client.get("/api/v1/blacklist-proposals/")
    assert listed.json()["count"] == 3
    with django_assert_max_num_queries(12):
        assert client.get(f"/registry/bureau/{side['province'].pk}/blacklist-proposals/"
                          ).status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get("/api/v1/rechecks/").status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get("/api/v1/my-sanctions/").status_code == 200
