"""Screening in the organization application: refusals at application, flags on the
clerk's qualification check, decisions recorded, clean applications untouched."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from rest_framework.test import APIClient

from documents.models import Document
from documents.services import document_upload
from registry.models import AuditEvent, ServiceCategory
from tests.factories import AllowedCategoryFactory, OfferingFactory, category, city
from tests.policy.conftest import fee_reference, open_tasks
from tests.workflows.conftest import pdf, worker_runs
from workflows import task_actions
from workflows.models import OfferingFlag, SelectionProcess
from workflows.services import selection


def _api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def _apply(w, *offerings):
    # the offerings made by the test carry their course plan (课程方案), as the world's does
    planned = set(Document.objects.filter(document_type__code="course_plan",
                                          superseded_at=None).values_list("offering", flat=True))
    for offering in w.organization.offerings.filter(is_active=True).exclude(pk__in=planned):
        w.documents.append(document_upload(
            actor=w.provider, subject=w.organization, document_type="course_plan",
            file=pdf(), filename="plan.pdf", issued_on=timezone.localdate(),
            offering=offering))
    return selection.selection_apply(actor=w.provider, organization=w.organization,
                                     bureau=w.bureau, offerings=list(offerings) or [w.offering])


def _verify_data(w):
    return {f"doc_{d.pk}": "verify" for d in w.documents}


def _tutoring(w, **kwargs):
    return OfferingFactory(organization=w.organization, title="小学数学同步辅导班",
                           description="提前预习新课", **kwargs)


# --- refusals at application --------------------------------------------------------------

def test_a_category_not_allowed_in_the_bureaus_jurisdiction_is_refused_and_nothing_written(
        world):
    w = world
    # 南昌市 keeps its own list, without sport
    AllowedCategoryFactory(jurisdiction=w.bureau.jurisdiction, category=category("arts"))
    with pytest.raises(ValidationError) as error:
        _apply(w)
    [message] = error.value.message_dict["offerings"]
    assert "少儿围棋启蒙班" in message and "体育" in message and "南昌市" in message
    assert not SelectionProcess.objects.exists()
    assert not OfferingFlag.objects.exists()


def test_a_retired_category_is_refused_at_application_with_a_clear_message(world):
    w = world
    ServiceCategory.objects.filter(code="sport").update(is_active=False)
    with pytest.raises(ValidationError) as error:
        _apply(w)
    assert "已停用" in error.value.message_dict["offerings"][0]
    assert not SelectionProcess.objects.exists()


def test_the_api_answers_a_disallowed_category_with_a_translated_400(world):
    w = world
    AllowedCategoryFactory(jurisdiction=w.bureau.jurisdiction, category=category("arts"))
    response = _api(w.provider).post(
        "/api/v1/cases/", {"organization": w.organization.pk, "bureau": w.bureau.pk,
                           "offerings": [w.offering.pk]}, format="json",
        HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400
    [message] = response.json()["offerings"]
    assert "不属于" in message and "南昌市" in message
    assert not SelectionProcess.objects.exists()


# --- clean applications --------------------------------------------------------------------

def test_a_clean_application_has_no_flags_and_passes_with_the_documents_alone(world):
    w = world
    fee_reference(reference="30", cap="40")  # the offering costs 20
    case = _apply(w)
    assert not case.flags.exists()
    [task] = open_tasks(case, "qualification")
    assert task_actions.task_perform(actor=w.clerk, task=task, data=_verify_data(w))
    assert len(open_tasks(case, "expert_review")) == 3
    assert not AuditEvent.objects.for_object(case).filter(action="case.flagged").exists()


# --- flags -----------------------------------------------------------------------------------

def test_tutoring_wording_and_a_fee_above_the_cap_arrive_flagged_with_the_reasons(world):
    w = world
    fee_reference(reference="30", cap="40")
    tutoring = _tutoring(w)
    pricey = OfferingFactory(organization=w.organization, title="篮球精英班",
                             fee_per_session=Decimal("45"))
    case = _apply(w, w.offering, tutoring, pricey)
    flags = {f.offering_id: f for f in case.flags.all()}
    assert set(flags) == {tutoring.pk, pricey.pk}
    assert flags[tutoring.pk].kind == "academic_signal"
    assert set(flags[tutoring.pk].matched_words) == {"数学", "同步辅导", "预习", "新课"}
    assert flags[pricey.pk].kind == "fee_above_cap"
    assert flags[pricey.pk].detail["fee"] == "45.00"
    assert flags[pricey.pk].detail["cap"] == "40.00"
    assert all(f.decision == "pending" for f in flags.values())
    event = AuditEvent.objects.for_object(case).get(action="case.flagged")
    assert len(event.data["flags"]) == 2


def test_the_clerk_must_decide_each_flag_with_a_reason(world):
    w = world
    tutoring = _tutoring(w)
    case = _apply(w, w.offering, tutoring)
    [flag] = case.flags.all()
    [task] = open_tasks(case, "qualification")
    # the documents alone are not enough
    with pytest.raises(ValidationError) as error:
        task_actions.task_perform(actor=w.clerk, task=task, data=_verify_data(w))
    assert f"flag_{flag.pk}" in error.value.message_dict
    assert f"flag_{flag.pk}_reason" in error.value.message_dict
    # nothing was recorded, the task is still open
    flag.refresh_from_db()
    assert flag.decision == "pending" and flag.decided_by is None
    assert open_tasks(case, "qualification")


def test_confirming_the_flag_lets_the_case_go_on_and_records_the_decision(world):
    w = world
    tutoring = _tutoring(w)
    case = _apply(w, tutoring)
    [flag] = case.flags.all()
    [task] = open_tasks(case, "qualification")
    data = {**_verify_data(w), f"flag_{flag.pk}": "confirm",
            f"flag_{flag.pk}_reason": "课程实为数学思维游戏，不涉及学科进度"}
    assert task_actions.task_perform(actor=w.clerk, task=task, data=data)
    flag.refresh_from_db()
    assert (flag.decision, flag.decided_by) == ("confirmed", w.clerk)
    assert flag.decided_at is not None and "数学思维" in flag.reason
    event = AuditEvent.objects.for_object(case).get(action="case.flag_decided")
    assert (event.actor, event.from_state, event.to_state) == (w.clerk, "pending", "confirmed")
    assert len(open_tasks(case, "expert_review")) == 3


def test_rejecting_the_flag_sends_the_case_back_and_it_comes_back_for_a_new_decision(world):
    w = world
    fee_reference(reference="30", cap="40")
    pricey = OfferingFactory(organization=w.organization, title="篮球精英班",
                             fee_per_session=Decimal("45"))
    case = _apply(w, pricey)
    [flag] = case.flags.all()
    [task] = open_tasks(case, "qualification")
    data = {**_verify_data(w), f"flag_{flag.pk}": "reject",
            f"flag_{flag.pk}_reason": "收费高于本地上限，请调整"}
    assert task_actions.task_perform(actor=w.clerk, task=task, data=data)
    assert worker_runs() == 1  # the worker sends the case back right after the check
    case.refresh_from_db()
    assert case.correction_rounds == 0  # counted when the provider submits
    [item] = case.missing
    assert item["subject"] == "篮球精英班" and item["reason"] == "收费高于本地上限，请调整"
    # the provider corrects (lowers the fee) and resubmits
    pricey.fee_per_session = Decimal("38")
    pricey.save(update_fields=["fee_per_session"])
    [correction] = open_tasks(case, "correction")
    # an item without a document needs the provider's answer
    with pytest.raises(ValidationError):
        task_actions.task_perform(actor=w.provider, task=correction, data={})
    assert task_actions.task_perform(actor=w.provider, task=correction,
                                 data={"item0_answer": "已将收费调整为每次38元"})
    # the rejected flag is back on the clerk's check; confirming it moves the case on
    [task] = open_tasks(case, "qualification")
    data = {f"flag_{flag.pk}": "confirm", f"flag_{flag.pk}_reason": "已调整为38元"}
    assert task_actions.task_perform(actor=w.clerk, task=task, data=data)
    flag.refresh_from_db()
    assert flag.decision == "confirmed"
    assert len(open_tasks(case, "expert_review")) == 3
    decisions = list(AuditEvent.objects.for_object(case).filter(action="case.flag_decided")
                     .order_by("pk").values_list("to_state", flat=True))
    assert decisions == ["rejected", "confirmed"]


def test_a_decision_on_a_flag_of_another_case_is_refused(world):
    w = world
    case = _apply(w, _tutoring(w))
    with pytest.raises(ValidationError):
        selection.qualification_check(actor=w.clerk, case=case, decisions={},
                                      flag_decisions={999999: ("confirm", "x")})


# --- what people see -------------------------------------------------------------------------

def test_the_clerks_form_marks_the_matched_words_and_escapes_the_text(world):
    from workflows.forms import QualificationForm

    w = world
    tutoring = OfferingFactory(organization=w.organization, title="<script>奥数</script>冲刺",
                               description="")
    case = _apply(w, tutoring)
    [task] = open_tasks(case, "qualification")
    form = QualificationForm(activation=task.flow_task.activation_class(task), user=w.clerk)
    [flag] = form.flags
    assert str(flag.highlighted) == "&lt;script&gt;<mark>奥数</mark>&lt;/script&gt;冲刺"
    field = form.fields[f"flag_{flag.pk}"]
    assert "奥数" in str(field.label) and "竞赛" in str(field.help_text)
    assert form.fields[f"flag_{flag.pk}_reason"].required


def test_case_api_and_page_show_the_flags(world, client, django_assert_max_num_queries):
    w = world
    case = _apply(w, _tutoring(w))
    with django_assert_max_num_queries(12):
        body = _api(w.provider).get("/api/v1/cases/").json()
    [flag] = body["results"][0]["flags"]
    assert flag["kind"] == "academic_signal" and flag["decision"] == "pending"
    assert "数学" in flag["matched_words"] and flag["offering_title"] == "小学数学同步辅导班"
    client.force_login(w.provider)
    page = client.get(f"/selection/cases/{case.pk}/").content.decode()
    assert "<mark>数学</mark>" in page


def test_the_province_list_still_applies_to_another_citys_bureau(world):
    w = world
    AllowedCategoryFactory(jurisdiction=city("360100"), category=category("arts"))
    # 景德镇市 inherits the province's list: sport is allowed there
    case = selection.selection_apply(actor=w.provider, organization=w.organization,
                                     bureau=w.other_bureau, offerings=[w.offering])
    assert case.pk and not case.flags.exists()


def test_the_clerks_task_page_marks_the_matched_words_and_escapes_the_text(world, client):
    w = world
    tutoring = OfferingFactory(organization=w.organization, title="<script>奥数</script>冲刺",
                               description="")
    case = _apply(w, tutoring)
    [task] = open_tasks(case, "qualification")
    client.force_login(w.clerk)
    base = f"/organizationselection/{case.pk}/qualification/{task.pk}"
    assert client.post(f"{base}/assign/").status_code == 302
    page = client.get(f"{base}/execute/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 200
    html = page.content.decode()
    assert "&lt;script&gt;<mark>奥数</mark>&lt;/script&gt;冲刺" in html
    assert "<script>奥数" not in html
    assert "政策筛查" in html


def test_the_case_page_shows_a_price_flag_in_yuan(world, client):
    w = world
    fee_reference(reference="30", cap="40")
    pricey = OfferingFactory(organization=w.organization, title="篮球精英班",
                             fee_per_session=Decimal("1045"))
    case = _apply(w, pricey)
    client.force_login(w.provider)
    page = client.get(f"/selection/cases/{case.pk}/").content.decode()
    # the fee, the cap and the reference as every other page writes money
    assert "收费高于上限：¥1,045.00 &gt; ¥40.00（参考价 ¥30.00）" in page
    assert "篮球精英班 · 体育 · ¥1,045.00</li>" in page
    english = client.get(f"/selection/cases/{case.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert "¥1,045.00 &gt; ¥40.00 (reference ¥30.00)" in english.content.decode()
