"""A school half-way through the engagement form adds the term the engagement is for, from
the same page, and loses nothing: the fee, the sessions, the places, the grades and the
roster it typed come back as typed, with the new term chosen. The term form used to be a
form of its own, and saving a term brought back only the provider."""

import re

import pytest
from django.test import Client

from registry.models import Engagement, SchoolTerm

pytestmark = pytest.mark.django_db

PAGE = "/registry/school/engagements/"


def _client(contract) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(contract["user"])
    return client


def _typed(contract) -> dict:
    """The engagement form as the school filled it in, the new term's fields still empty
    (as the browser sends them: they are fields of the same form)."""
    coaches = contract["coaches"]
    return {"school": contract["school"].pk, "eng-term": "",
            "eng-organization": contract["org"].pk, "eng-offering": contract["offering"].pk,
            "eng-fee_per_session": "45.50", "eng-sessions": "16", "eng-places": "30",
            "eng-grade_min": "3", "eng-grade_max": "5",
            "eng-roster": f"{coaches[0].id_number}\r\n{coaches[1].id_number}",
            "term-name": "", "term-starts_on": "", "term-ends_on": "", "term-project_count": ""}


NEW_TERM = {"term-name": "2027 春季学期", "term-starts_on": "2027-02-20",
            "term-ends_on": "2027-06-30", "term-project_count": "12"}


def _value(body: str, name: str) -> str | None:
    """The value an input of ``body`` shows (a textarea's text)."""
    field = re.search(rf'<input[^>]*name="{name}"[^>]*>', body)
    if field:
        value = re.search(r'value="([^"]*)"', field.group(0))
        return value.group(1) if value else None
    area = re.search(rf'<textarea[^>]*name="{name}"[^>]*>\s*(.*?)</textarea>', body, re.S)
    return area.group(1).strip() if area else None


def _chosen_term(body: str) -> str | None:
    select = re.search(r'<select[^>]*name="eng-term"[^>]*>(.*?)</select>', body, re.S)
    chosen = re.search(r'<option value="(\d+)" selected>', select.group(1)) if select else None
    return chosen.group(1) if chosen else None


def _assert_kept(body: str, contract) -> None:
    coaches = contract["coaches"]
    assert _value(body, "eng-fee_per_session") == "45.50"
    assert _value(body, "eng-sessions") == "16"
    assert _value(body, "eng-places") == "30"
    assert _value(body, "eng-grade_min") == "3" and _value(body, "eng-grade_max") == "5"
    assert _value(body, "eng-organization") == str(contract["org"].pk)
    assert coaches[0].id_number in _value(body, "eng-roster")
    assert coaches[1].id_number in _value(body, "eng-roster")


def test_adding_a_term_from_the_engagement_form_keeps_what_was_typed(contract):
    client = _client(contract)
    url = f"{PAGE}?school={contract['school'].pk}&organization={contract['org'].pk}"
    # given the engagement form, arriving from the search with the provider filled in
    page = client.get(url).content.decode()
    assert 'id="new-term"' in page and 'name="add-term"' in page
    # when the school, having typed the engagement, saves a new term from inside the form
    response = client.post(url, {**_typed(contract), **NEW_TERM, "add-term": "1"})
    # then the term is recorded, and the form comes back as typed, for the new term
    assert response.status_code == 200
    term = SchoolTerm.objects.get(school=contract["school"], name="2027 春季学期")
    body = response.content.decode()
    assert "学期已登记" in body
    _assert_kept(body, contract)
    assert _chosen_term(body) == str(term.pk)
    assert not Engagement.objects.exists()
    # and saving it records the engagement as typed, with no second term
    saved = client.post(url, {**_typed(contract), "eng-term": term.pk})
    assert saved.status_code == 302
    engagement = Engagement.objects.get()
    assert (engagement.term, str(engagement.fee_per_session), engagement.sessions,
            engagement.places) == (term, "45.50", 16, 30)
    assert engagement.roster.count() == 2
    assert SchoolTerm.objects.filter(school=contract["school"]).count() == 2


def test_enter_in_the_new_terms_fields_adds_the_term_and_keeps_the_form(contract):
    # Enter in a field sends the form's first button, the engagement's "Save": with no term
    # chosen and a new one typed, the term is what the school means to save
    client = _client(contract)
    response = client.post(PAGE, {**_typed(contract), **NEW_TERM})
    assert response.status_code == 200
    assert SchoolTerm.objects.filter(name="2027 春季学期").exists()
    _assert_kept(response.content.decode(), contract)
    assert not Engagement.objects.exists()


def test_a_refused_term_keeps_both_what_was_typed_and_the_term(contract):
    client = _client(contract)
    response = client.post(PAGE, {**_typed(contract), **NEW_TERM, "term-name": "2026 秋季学期",
                                  "add-term": "1"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "本校已有同名学期" in body
    _assert_kept(body, contract)
    assert _value(body, "term-name") == "2026 秋季学期"
    assert _value(body, "term-project_count") == "12"
    assert SchoolTerm.objects.filter(school=contract["school"]).count() == 1
    assert not Engagement.objects.exists()


def test_saving_the_engagement_with_the_new_terms_fields_empty_adds_no_term(contract):
    client = _client(contract)
    response = client.post(PAGE, {**_typed(contract), "eng-term": contract["term"].pk})
    assert response.status_code == 302
    assert Engagement.objects.get().term == contract["term"]
    assert SchoolTerm.objects.filter(school=contract["school"]).count() == 1


def test_the_term_form_alone_still_adds_a_term(contract):
    client = _client(contract)
    response = client.post(PAGE, {"school": contract["school"].pk, **NEW_TERM})
    assert response.status_code == 302
    assert SchoolTerm.objects.filter(name="2027 春季学期").exists()
