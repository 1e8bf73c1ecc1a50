"""Attacks on which ids the registry holds, through the web pages that take a number.

The rule of ``test_privacy_probes_ids``, for pages: a number the user may not use (a
provider another bureau's sanctions reach, a provider the school may not engage, another
provider's person as a lesson's teacher, another provider's record) answers exactly as one
nobody holds: the same status, the same page, and never the name it belongs to. Each probe
is made once with a number that exists and once with one that does not.

A school's own pages about one of its terms or engagements (the term's ratings, an incident
report, the free places used) take the number in their address: another school's term or
engagement there is one nobody holds too, read or written (GET and POST).
"""

import difflib
import re
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from registry.models import EVALUATION_RUBRIC, Engagement
from tests.factories import EngagementFactory
from tests.security.test_privacy_probes_ids import NOBODY, scene  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


@dataclass
class Page:
    user: Any
    method: str
    url: str
    data: Any  # the number → the query or the form (None: the number is in the address)
    known: Any  # the number that exists and is not the user's to use → the name it shows
    form: Any = None  # what a POST sends when the number is in the address


def _pages(s) -> dict[str, Page]:
    w = s.world
    bureau = reverse("registry:bureau", args=[w.other_bureau.pk])
    propose = reverse("registry:blacklist-propose", args=[w.other_bureau.pk])
    engagements = reverse("registry:school-engagements")
    # another school's engagement, in its term (the term of ``s.other_term``)
    other = (Engagement.objects.filter(term=s.other_term).first()
             or EngagementFactory(term=s.other_term))
    rating = {"engagement": other.pk, **{f"e{other.pk}-score_{item.key}": "5"
                                         for item in EVALUATION_RUBRIC}}
    incident = {"kind": "safety", "description": "课堂秩序问题",
                "occurred_on": str(other.starts_on)}
    return {
        "bureau dashboard: a person outside the bureau's reach": Page(
            s.admin, "get", bureau, lambda x: {"person": x}, w.person),
        "bureau dashboard: an organization outside the bureau's reach": Page(
            s.admin, "get", bureau, lambda x: {"organization": x}, w.organization),
        "blacklist proposal: a person outside the bureau's reach": Page(
            s.admin, "get", propose, lambda x: {"person": x}, w.person),
        "blacklist proposal: an organization outside the bureau's reach": Page(
            s.admin, "get", propose, lambda x: {"organization": x}, w.organization),
        "school engagements: a person the school may not engage": Page(
            s.school_user, "get", engagements, lambda x: {"school": s.school.pk, "person": x},
            s.far_person),
        "school engagements: an organization the school may not engage": Page(
            s.school_user, "get", engagements,
            lambda x: {"school": s.school.pk, "organization": x}, s.far.organization),
        "school engagements: another organization's offering": Page(
            s.school_user, "get", engagements, lambda x: {
                "school": s.school.pk, "organization": s.organization.pk, "offering": x},
            w.offering),
        "school engagements: recorded in another school's term": Page(
            s.school_user, "post", f"{engagements}?school={s.school.pk}", lambda x: {
                "eng-term": x, "eng-organization": s.organization.pk,
                "eng-offering": s.offering.pk, "eng-fee_per_session": "20",
                "eng-sessions": "10"}, s.other_term),
        "lesson: taught by another organization's person": Page(
            s.provider, "post", reverse("registry:lesson-record", args=[s.engagement.pk]),
            lambda x: {"taught_on": str(s.engagement.starts_on), "period": 1, "teacher": x,
                       "pupils_present": 10}, w.person),
        "generated form: another organization's person's": Page(
            s.provider, "get", "/documents/person/{}/forms/application.pdf", None, w.person),
        "term ratings: another school's term": Page(
            s.school_user, "get", "/registry/school/terms/{}/ratings/", None, s.other_term),
        "term ratings: rating in another school's term": Page(
            s.school_user, "post", "/registry/school/terms/{}/ratings/", None, s.other_term,
            rating),
        "incident: another school's engagement": Page(
            s.school_user, "get", "/registry/school/engagements/{}/incident/", None, other),
        "incident: reported on another school's engagement": Page(
            s.school_user, "post", "/registry/school/engagements/{}/incident/", None, other,
            incident),
        "free places: recorded on another school's engagement": Page(
            s.school_user, "post", "/registry/school/engagements/{}/free-places/", None,
            other, {"used": "1"}),
    }


PAGES = ["bureau dashboard: a person outside the bureau's reach",
         "bureau dashboard: an organization outside the bureau's reach",
         "blacklist proposal: a person outside the bureau's reach",
         "blacklist proposal: an organization outside the bureau's reach",
         "school engagements: a person the school may not engage",
         "school engagements: an organization the school may not engage",
         "school engagements: another organization's offering",
         "school engagements: recorded in another school's term",
         "lesson: taught by another organization's person",
         "generated form: another organization's person's",
         "term ratings: another school's term",
         "term ratings: rating in another school's term",
         "incident: another school's engagement",
         "incident: reported on another school's engagement",
         "free places: recorded on another school's engagement"]


def _name(known) -> str:
    """What a page would name if it told of ``known``: its name or title, or an
    engagement's provider."""
    if isinstance(known, Engagement):
        return known.organization.name
    return getattr(known, "name", None) or known.title


def _answer(page: Page, pk: int, language: str | None) -> tuple[int, str]:
    client = Client()
    client.force_login(page.user)
    headers = {"HTTP_ACCEPT_LANGUAGE": language} if language else {}
    if page.data is None:
        response = getattr(client, page.method)(page.url.format(pk), page.form or {},
                                                **headers)
    else:
        response = getattr(client, page.method)(page.url, page.data(pk), **headers)
    text = response.content.decode(errors="replace")
    text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", text)
    # the number typed, as typed (in the page's own links and fields): no news to its typist
    typed = page.data(pk) if page.data else {}
    for field in [k for k, v in typed.items() if v != page.data(-1)[k]]:  # where it went
        text = re.sub(rf"([?&;]{field}=){pk}(?=[\"&])", r"\1{number}", text)
        text = re.sub(rf'(name="(?:eng-)?{field}"[^>]*value="){pk}"', r'\1{number}"', text)
    return response.status_code, text


def test_the_pages_cover_every_scene(scene):  # noqa: F811
    assert sorted(_pages(scene)) == sorted(PAGES)


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("language", [None, "en"])  # None: the default, zh-hans
def test_a_number_not_yours_shows_what_a_number_nobody_holds_shows(scene, name,  # noqa: F811
                                                                  language):
    page = _pages(scene)[name]
    known = _answer(page, page.known.pk, language)
    unknown = _answer(page, NOBODY, language)
    assert known == unknown, (known[0], unknown[0], [line for line in difflib.unified_diff(
        known[1].splitlines(), unknown[1].splitlines(), lineterm="", n=0)][2:])
    assert _name(page.known) not in known[1]


def test_the_pages_still_name_what_the_user_may_use(scene):  # noqa: F811
    """The scoping takes nothing from whom it should name: a provider the school may engage,
    with its offering; a provider the bureau's sanctions reach; the provider's own person."""
    s, w = scene, scene.world
    school = Client()
    school.force_login(s.school_user)
    page = school.get(reverse("registry:school-engagements"), {
        "school": s.school.pk, "organization": s.organization.pk,
        "offering": s.offering.pk}).content.decode()
    assert s.organization.name in page and s.offering.title in page
    admin = Client()
    admin.force_login(w.admin)  # 南昌's, where the person is approved
    page = admin.get(reverse("registry:bureau", args=[w.bureau.pk]),
                     {"person": w.person.pk}).content.decode()
    assert w.person.name in page
    provider = Client()
    provider.force_login(w.provider)
    assert provider.get(f"/documents/person/{w.person.pk}/forms/application.pdf"
                        ).status_code == 200
