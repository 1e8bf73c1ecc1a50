"""An engagement as a contract: fee limits, the roster, the status map, signed papers,
entry permits, lessons and settlement. Each refusal says why and writes nothing."""

import io
from decimal import Decimal

import openpyxl
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.utils import translation

from documents.models import EngagementPaper
from documents.papers import engagement_paper_upload
from registry import papers, selectors, services, signing
from registry.models import (
    AuditEvent,
    Engagement,
    InvalidTransition,
    Lesson,
    RosterMember,
)
from tests.contracts.conftest import days, engage, fee_cap
from tests.registry.builders import approve, bureau_admin, person


def _nothing_written(before_engagements=0):
    assert Engagement.objects.count() == before_engagements
    assert RosterMember.objects.count() == 0


@pytest.mark.django_db
def test_a_fee_above_the_approved_offering_is_refused_naming_both_figures(contract):
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        engage(contract, fee_per_session=Decimal("200"))
    message = refused.value.message_dict["fee_per_session"][0]
    assert "¥200.00" in message and "¥50.00" in message
    _nothing_written()


@pytest.mark.django_db
def test_a_fee_above_the_bureaus_cap_is_refused_naming_both_figures(contract):
    fee_cap(cap="40")
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        engage(contract, fee_per_session=Decimal("45"))
    message = refused.value.message_dict["fee_per_session"][0]
    assert "¥45.00" in message and "¥40.00" in message
    _nothing_written()
    assert engage(contract, fee_per_session=Decimal("40")).status == Engagement.Status.DRAFT


@pytest.mark.django_db
@pytest.mark.parametrize("case", ["unapproved", "other category", "suspended", "ends early"])
def test_a_roster_person_without_a_valid_approval_is_refused(contract, case):
    stranger = person("赵无证")
    if case == "other category":
        stranger = contract["painter"]
    elif case == "suspended":
        approve(person=stranger, categories=("sport",), status="suspended")
    elif case == "ends early":
        approve(person=stranger, categories=("sport",), valid_until=days(30))
    with translation.override("en"):
        with pytest.raises(ValidationError) as refused:
            engage(contract, roster=[contract["coaches"][0], stranger])
        message = refused.value.message_dict["roster"][0]
    if case in ("unapproved", "suspended"):
        # holding nothing the school may engage, the person is named by number only: the
        # school has no business learning who a number typed at random belongs to
        assert f"Person no. {stranger.pk} " in message and stranger.name not in message
    else:
        assert stranger.name in message
    _nothing_written()
    assert not AuditEvent.objects.filter(action="engagement.create").exists()


@pytest.mark.django_db
def test_dates_outside_the_approval_are_refused(contract):
    term = services.school_term_create(actor=contract["user"], school=contract["school"],
                                       name="2027 长学期", starts_on=days(-5),
                                       ends_on=days(400), project_count=10)
    with translation.override("en"), pytest.raises(ValidationError, match="approval ends"):
        engage(contract, term=term)
    _nothing_written()


def _signed_pdf() -> bytes:
    writer = papers._Writer("signed")
    writer.line("已签字 signed")
    return writer.bytes()


def sign_all(contract, engagement):
    for kind in ("agreement", "safety"):
        for side, actor in (("school", contract["user"]), ("provider", contract["provider"])):
            engagement_paper_upload(actor=actor, engagement=engagement, kind=kind, side=side,
                                    file=ContentFile(_signed_pdf()), filename=f"{kind}.pdf")
    engagement.refresh_from_db()
    return engagement


@pytest.mark.django_db
def test_the_contract_runs_from_draft_to_active_and_permits_follow_it(contract):
    engagement = engage(contract)
    assert engagement.status == "draft" and engagement.roster.count() == 2
    assert selectors.permits_of(engagement) == []
    # the provider cannot sign for the school
    with pytest.raises(PermissionDenied):
        engagement_paper_upload(actor=contract["provider"], engagement=engagement,
                                kind="agreement", side="school",
                                file=ContentFile(_signed_pdf()), filename="a.pdf")
    sign_all(contract, engagement)
    assert engagement.status == "signed"
    assert EngagementPaper.objects.filter(engagement=engagement, superseded_at=None).count() == 4
    services.engagement_activate(actor=contract["user"], engagement=engagement)
    permits = selectors.permits_of(engagement)
    assert [p["masked_name"] for p in permits] == ["张*华", "李*"]
    token = permits[0]["token"]
    assert selectors.permit_check(token)["status"] == "valid"
    assert contract["coaches"][0].id_number not in str(signing.token_read(token))
    # the provider is suspended: the same token answers "suspended" at once
    admin, bureau = bureau_admin("360100")
    services.provider_suspend(actor=admin, bureau=bureau, reason="检查",
                              organization=contract["org"])
    assert selectors.permit_check(token)["status"] == "suspended"
    services.provider_reinstate(actor=admin, bureau=bureau, reason="整改完成",
                                organization=contract["org"])
    assert selectors.permit_check(token)["status"] == "valid"
    # the engagement is suspended, restored, then terminated by the bureau
    services.engagement_suspend(actor=admin, bureau=bureau, engagement=engagement,
                                reason="处分")
    assert selectors.permit_check(token)["status"] == "suspended"
    services.engagement_restore(actor=admin, bureau=bureau, engagement=engagement,
                                reason="解除")
    services.engagement_terminate(actor=admin, bureau=bureau, engagement=engagement,
                                  reason="吊销")
    assert selectors.permit_check(token)["status"] == "revoked"
    with pytest.raises(InvalidTransition):
        services.engagement_restore(actor=admin, bureau=bureau, engagement=engagement,
                                    reason="x")
    assert list(AuditEvent.objects.filter(action__startswith="engagement.").values_list(
        "action", flat=True).order_by("pk")) == [
        "engagement.create", "engagement.paper_upload", "engagement.paper_upload",
        "engagement.paper_upload", "engagement.paper_upload", "engagement.sign",
        "engagement.activate",
        # the provider's suspension and reinstatement reach the engagement on their own
        "engagement.suspend", "engagement.restore",
        # then the bureau's own steps on this engagement
        "engagement.suspend", "engagement.restore", "engagement.terminate"]


@pytest.mark.django_db
def test_a_person_whose_own_approval_lapses_loses_the_permit(contract):
    engagement = sign_all(contract, engage(contract))
    services.engagement_activate(actor=contract["user"], engagement=engagement)
    token = selectors.permits_of(engagement)[1]["token"]
    approval = contract["coaches"][1].approvals.get()
    services.approval_revoke(actor=None, approval=approval, reason="记录")
    assert selectors.permit_check(token)["status"] == "revoked"


@pytest.mark.django_db
def test_a_tampered_token_or_another_keys_token_is_invalid(contract, settings, tmp_path):
    engagement = sign_all(contract, engage(contract))
    services.engagement_activate(actor=contract["user"], engagement=engagement)
    token = selectors.permits_of(engagement)[0]["token"]
    version, body, signature = token.split(".")
    payload = signing.token_read(token)
    forged_body = signing.token_make({**payload, "r": payload["r"] + 1}).split(".")[1]
    assert selectors.permit_check(f"{version}.{forged_body}.{signature}") == {
        "status": "invalid"}
    flipped = signature[:-2] + ("A" if signature[-2] != "A" else "B") + signature[-1]
    assert selectors.permit_check(f"{version}.{body}.{flipped}")["status"] == "invalid"
    for junk in ("", "v1..", "x" * 5000, "v1.%%%.%%%", "v2." + body + "." + signature):
        assert selectors.permit_check(junk)["status"] == "invalid"
    # signed by another key with the very same payload
    other = Ed25519PrivateKey.generate()
    signed = f"v1.{body}"
    foreign = f"{signed}.{signing._b64(other.sign(signed.encode()))}"
    assert selectors.permit_check(foreign)["status"] == "invalid"


@pytest.mark.django_db
def test_lessons_by_the_roster_are_settled_on_what_the_school_confirmed(contract):
    engagement = sign_all(contract, engage(contract))
    services.engagement_activate(actor=contract["user"], engagement=engagement)
    coach, other = contract["coaches"]
    first = services.lesson_record(actor=contract["provider"], engagement=engagement,
                                   taught_on=days(-2), period=1, teacher=coach,
                                   pupils_present=25)
    second = services.lesson_record(actor=contract["provider"], engagement=engagement,
                                    taught_on=days(-1), period=1, teacher=other,
                                    pupils_present=24)
    with translation.override("en"), pytest.raises(ValidationError, match="roster"):
        services.lesson_record(actor=contract["provider"], engagement=engagement,
                               taught_on=days(0), period=1, teacher=contract["painter"],
                               pupils_present=20)
    assert Lesson.objects.count() == 2
    with pytest.raises(PermissionDenied):  # the school does not record the provider's lessons
        services.lesson_record(actor=contract["user"], engagement=engagement,
                               taught_on=days(0), period=2, teacher=coach, pupils_present=1)
    with pytest.raises(PermissionDenied):  # nor does the provider confirm them
        services.lesson_decide(actor=contract["provider"], lesson=first, confirm=True)
    services.lesson_decide(actor=contract["user"], lesson=first, confirm=True)
    services.lesson_decide(actor=contract["user"], lesson=second, confirm=False,
                           reason="当天停课")
    statement = selectors.settlement_of(engagement)
    assert (statement["confirmed"], statement["disputed"], statement["amount"]) == (
        1, 1, Decimal("45.00"))
    from registry import exports
    sheet = openpyxl.load_workbook(exports.settlement_xlsx(
        selectors.settlement_rows(Engagement.objects.filter(pk=engagement.pk)))).active
    row = [c.value for c in sheet[2]]
    assert row[0] == engagement.pk and row[9:13] == [1, 1, 0, 45]
    assert papers.settlement_pdf(statement).startswith(b"%PDF")


@pytest.mark.django_db
def test_the_roster_person_is_tied_to_the_school(contract):
    engagement = sign_all(contract, engage(contract))
    coach = contract["coaches"][0]
    assert not selectors.person_tied_to_school(coach, contract["school"])
    services.engagement_activate(actor=contract["user"], engagement=engagement)
    assert selectors.person_tied_to_school(coach, contract["school"])


@pytest.mark.django_db
def test_the_gate_list_and_the_parents_page_show_only_what_they_should(
        contract, django_assert_max_num_queries):
    engagement = sign_all(contract, engage(contract))
    services.engagement_activate(actor=contract["user"], engagement=engagement)
    with django_assert_max_num_queries(2):
        rows = selectors.gate_list(contract["school"])
    assert [(r["name"], r["status"]) for r in rows] == [("张建华", "valid"), ("李明", "valid")]
    with django_assert_max_num_queries(4):
        page = selectors.parents_page(contract["school"])
    assert page["activities"][0]["teachers"] == ["张*华", "李*"]


@pytest.mark.django_db
def test_the_signed_papers_are_pdfs_with_the_cjk_font_embedded(contract):
    engagement = engage(contract)
    import pikepdf
    for content in (papers.agreement_pdf(engagement, selectors.roster_of(engagement)),
                    papers.safety_letter_pdf(engagement, selectors.roster_of(engagement))):
        pdf = pikepdf.open(io.BytesIO(content))
        fonts = [str(f.get("/BaseFont")) for page in pdf.pages
                 for f in page.Resources.Font.values()]
        assert any("RegistryCJK" in f or "WenQuanYi" in f for f in fonts), fonts
