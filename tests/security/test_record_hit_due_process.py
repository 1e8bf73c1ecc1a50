"""A record hit (入职查询 found a record) bars the person only when the bureau's
administrator, not the clerk who recorded it, confirms it; the person is told, sees the
reason, and may ask once for a re-check (复查). Whether an ID number is blacklisted is
answered to bureau staff only. Through HTTP, as the users would."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from registry import selectors
from registry import services as registry_services
from registry.models import AuditEvent
from registry.roles import Role
from tests.factories import BlacklistingFactory, PersonFactory, SchoolFactory, UserFactory
from tests.workflows.conftest import clerk_verifies, upload_all
from workflows.models import CaseOutcome, Notification
from workflows.services import vetting

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def hit(world):
    """A person with an account of their own, vetted at the world's bureau; the clerk
    records that the record query found a record."""
    person_user = UserFactory()
    person = PersonFactory(organization=world.organization, kind="retiree", user=person_user)
    documents = upload_all(world.provider, person)
    case = vetting.vetting_start(actor=world.provider, person=person, bureau=world.bureau)
    clerk_verifies(world.clerk, case, documents, result="hit")
    return {"person": person, "user": person_user, "case": case}


def _pending(client):
    listed = client.get("/api/v1/blacklist-proposals/?status=proposed")
    assert listed.status_code == 200, listed.content
    return listed.json()["results"]


def test_a_record_hit_does_not_bar_until_the_administrator_confirms(world, hit, client):
    person = hit["person"]
    assert hit["case"].outcome == CaseOutcome.REJECTED  # the case is still not approved
    assert not selectors.is_blacklisted(id_number=person.id_number)
    client.force_login(world.admin)
    [proposal] = _pending(client)
    assert proposal["kind"] == "record_hit"
    response = client.post(f"/api/v1/blacklist-proposals/{proposal['id']}/confirm/",
                           {"reason": "查询结果经核实"})
    assert response.status_code == 200, response.content
    assert selectors.is_blacklisted(id_number=person.id_number)
    assert AuditEvent.objects.filter(action="blacklist.confirm").exists()


def test_the_clerk_who_recorded_the_hit_cannot_confirm_it(world, hit, client):
    # even holding the administrator role as well
    registry_services.role_grant(actor=world.root, user=world.clerk, role=Role.BUREAU_ADMIN,
                                 target=world.bureau)
    client.force_login(world.clerk)
    [proposal] = _pending(client)
    response = client.post(f"/api/v1/blacklist-proposals/{proposal['id']}/confirm/",
                           {"reason": "自己确认"})
    assert response.status_code == 403
    page = client.post(f"/registry/bureau/{world.bureau.pk}/blacklist-proposals/"
                       f"{proposal['id']}/confirm/", {"reason": "自己确认"})
    assert page.status_code == 403
    assert not selectors.is_blacklisted(id_number=hit["person"].id_number)
    # another bureau's administrator may not either
    other_admin = world.staff(Role.BUREAU_ADMIN, bureau=world.other_bureau)
    client.force_login(other_admin)
    assert client.post(f"/api/v1/blacklist-proposals/{proposal['id']}/confirm/",
                       {"reason": "越权"}).status_code in (403, 404)
    assert not selectors.is_blacklisted(id_number=hit["person"].id_number)


def test_the_person_is_told_sees_the_reason_and_may_ask_for_a_recheck_once(world, hit,
                                                                           client):
    person, user = hit["person"], hit["user"]
    [news] = Notification.objects.filter(user=user, url="/registry/me/sanctions/")
    client.force_login(user)
    page = client.get(news.url)
    assert page.status_code == 200
    mine = client.get("/api/v1/my-sanctions/")
    assert mine.status_code == 200
    [entry] = mine.json()["results"]
    assert str(hit["case"].pk) in entry["reason"]
    assert entry["reason"] in page.content.decode()
    # the re-check, with a statement and a file
    url = f"/api/v1/my-sanctions/{entry['id']}/recheck/"
    first = client.post(url, {"statement": "查询对象系同名同姓，附派出所证明",
                              "evidence": SimpleUploadedFile("proof.pdf", PDF,
                                                             content_type="application/pdf")})
    assert first.status_code == 201, first.content
    second = client.post(url, {"statement": "再次申请"})
    assert second.status_code == 400
    assert AuditEvent.objects.filter(action="blacklist.recheck_request").count() == 1
    # the bureau's clerks see it in their queue; the administrator lifts the pending bar
    client.force_login(world.clerk)
    queue = client.get("/api/v1/rechecks/")
    assert queue.status_code == 200
    [recheck] = queue.json()["results"]
    assert recheck["statement"].startswith("查询对象")
    assert Notification.objects.filter(user=world.clerk).exists()
    client.force_login(world.admin)
    decided = client.post(f"/registry/bureau/{world.bureau.pk}/rechecks/{recheck['id']}/"
                          f"decide/", {"outcome": "lifted", "reason": "经复查，系同名误报"})
    assert decided.status_code == 302
    assert not selectors.is_blacklisted(id_number=person.id_number)
    assert AuditEvent.objects.filter(action="blacklist.recheck_decide").exists()
    assert Notification.objects.filter(user=user).count() >= 2


def test_lifting_after_confirmation_ends_the_blacklisting(world, hit, client):
    client.force_login(world.admin)
    [proposal] = _pending(client)
    client.post(f"/api/v1/blacklist-proposals/{proposal['id']}/confirm/", {"reason": "核实"})
    assert selectors.is_blacklisted(id_number=hit["person"].id_number)
    client.force_login(hit["user"])
    assert client.post(f"/api/v1/my-sanctions/{proposal['id']}/recheck/",
                       {"statement": "申请复查"}).status_code == 201
    # the administrator who confirmed it does not decide the re-check; another one does
    client.force_login(world.admin)
    [recheck] = client.get("/api/v1/rechecks/").json()["results"]
    assert client.post(f"/api/v1/rechecks/{recheck['id']}/decide/", {
        "outcome": "lifted", "reason": "自己复查"}).status_code == 403
    second_admin = world.staff(Role.BUREAU_ADMIN)
    client.force_login(second_admin)
    response = client.post(f"/api/v1/rechecks/{recheck['id']}/decide/", {
        "outcome": "lifted", "reason": "复查后撤销"})
    assert response.status_code == 200, response.content
    assert not selectors.is_blacklisted(id_number=hit["person"].id_number)


def test_nobody_else_sees_the_reason(world, hit, client):
    school_user = UserFactory()
    registry_services.role_grant(actor=world.root, user=school_user, role=Role.SCHOOL,
                                 target=SchoolFactory())
    for outsider in (world.provider, world.other_provider, school_user, world.other_clerk):
        client.force_login(outsider)
        assert client.get("/api/v1/my-sanctions/").json()["count"] == 0
        assert client.get("/api/v1/blacklist-proposals/").json()["count"] == 0
        assert client.get("/api/v1/rechecks/").json()["count"] == 0
        assert client.get("/registry/me/sanctions/").status_code in (200, 403)
        assert "NC-2026" not in client.get("/registry/me/sanctions/").content.decode()


# --- whether an ID is blacklisted: bureau staff only --------------------------------------

def _blacklist(world, **subject):
    """A blacklisting in force (set up directly: how it came about is tested above)."""
    BlacklistingFactory(bureau=world.bureau, reason="严重违规", **subject)


def _says_nothing(response):
    assert response.status_code == 400, response.content
    text = response.content.decode().lower()
    assert "blacklist" not in text and "黑名单" not in text


def test_a_provider_starting_a_vetting_does_not_learn_the_id_is_blacklisted(world, client):
    person = PersonFactory(organization=world.organization)
    _blacklist(world, person=person)
    client.force_login(world.provider)
    _says_nothing(client.post("/api/v1/vettings/", {"person": person.pk,
                                                    "bureau": world.other_bureau.pk}))


def test_an_organization_applying_does_not_learn_the_code_is_blacklisted(world, client):
    _blacklist(world, organization=world.organization)
    client.force_login(world.provider)
    _says_nothing(client.post("/api/v1/cases/", {
        "organization": world.organization.pk, "bureau": world.bureau.pk,
        "offerings": [world.offering.pk]}, content_type="application/json"))
    page = client.post("/selection/apply/", {
        "organization": world.organization.pk, "bureau": world.bureau.pk,
        "offerings": [world.offering.pk]})
    body = page.content.decode().lower()
    assert "blacklist" not in body and "黑名单" not in body


def test_the_recheck_through_the_page_and_its_file(world, hit, client):
    from registry.models import BlacklistProposal, SanctionEvidence

    proposal = BlacklistProposal.objects.get(person=hit["person"])
    client.force_login(hit["user"])
    url = f"/registry/me/sanctions/{proposal.pk}/recheck/"
    assert client.post(url, {"statement": " "}).status_code == 400
    page = client.post(url, {"statement": "申请复查", "evidence": SimpleUploadedFile(
        "proof.pdf", PDF, content_type="application/pdf")})
    assert page.status_code == 302
    assert client.post(url, {"statement": "再来一次"}).status_code == 400
    evidence = SanctionEvidence.objects.get()
    download = f"/registry/sanctions/evidence/{evidence.pk}/"
    assert client.get(download).status_code == 200
    client.force_login(world.clerk)
    got = client.get(download)
    assert got.status_code == 200 and b"".join(got.streaming_content) == PDF
    # each read is audited on the re-check: who read which file
    reads = list(AuditEvent.objects.for_object(proposal.recheck)
                 .filter(action="blacklist.evidence_read").order_by("pk"))
    assert [e.actor for e in reads] == [hit["user"], world.clerk]
    assert reads[0].data == {"evidence": evidence.pk, "file": "proof.pdf", "via": "web"}
    queue = client.get(f"/registry/bureau/{world.bureau.pk}/rechecks/")
    assert queue.status_code == 200 and "申请复查" in queue.content.decode()
    # the clerk recorded the hit: another decides the re-check
    assert client.post(f"/registry/bureau/{world.bureau.pk}/rechecks/{proposal.recheck.pk}/"
                       "decide/", {"outcome": "lifted", "reason": "自己"}).status_code == 403
    for outsider in (world.other_provider, world.other_clerk):
        client.force_login(outsider)
        assert client.get(download).status_code == 404
    # a refused read records nothing
    assert AuditEvent.objects.filter(action="blacklist.evidence_read").count() == 2


def test_a_refused_recheck_comes_back_with_what_the_person_wrote(world, hit, client):
    """The page's re-check form, refused (an evidence file that is no PDF, JPEG or PNG; no
    statement): the statement typed comes back in its box, each refusal is said beside what
    it is about, and nothing is recorded."""
    from registry.models import BlacklistProposal, RecheckRequest

    proposal = BlacklistProposal.objects.get(person=hit["person"])
    client.force_login(hit["user"])
    url = f"/registry/me/sanctions/{proposal.pk}/recheck/"
    statement = "查询对象系同名同姓，本人从无违法犯罪记录，附派出所证明"
    # when the evidence file is refused
    page = client.post(url, {"statement": statement, "evidence": SimpleUploadedFile(
        "proof.pdf", b"<html><script>alert(1)</script></html>", content_type="application/pdf")},
        HTTP_ACCEPT_LANGUAGE="zh-hans")
    # then the statement is still there, with the refusal and a word about the file
    assert page.status_code == 400
    body = page.content.decode()
    assert statement in body
    assert "证据须为 PDF、JPEG 或 PNG 文件" in body and "请重新选择文件" in body
    assert not RecheckRequest.objects.exists()
    # when the statement is left empty, the refusal is said beside its box
    page = client.post(url, {"statement": " "}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 400
    errors = page.content.decode().split(f'id="id_recheck{proposal.pk}_statement_errors"')
    assert len(errors) == 2 and "请说明申请复查的理由" in errors[1].split("</ul>")[0]
    # and sent again, it is recorded once
    assert client.post(url, {"statement": statement}).status_code == 302
    assert RecheckRequest.objects.get().statement == statement


def test_the_person_s_rejected_case_page_leads_to_the_reason_and_the_recheck(world, hit,
                                                                             client):
    """The news of the case leads the person to its page, which said only 已驳回: it now
    points them to 我的入职查询, where the reason is and the re-check is asked. Only the
    person reads that pointer; the organization that employs them reads the outcome as
    before, the same whether it ended on a hit or otherwise."""
    case_url = f"/selection/cases/vetting/{hit['case'].pk}/"
    assert Notification.objects.filter(user=hit["user"], url=case_url).exists()
    client.force_login(hit["user"])
    page = client.get(case_url, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 200
    pointer = page.content.decode().split('id="record-hit-next"')[1].split("</p>")[0]
    assert 'href="/registry/me/sanctions/"' in pointer and "申请一次复查" in pointer
    client.force_login(world.provider)
    page = client.get(case_url, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 200
    assert "record-hit-next" not in page.content.decode()
