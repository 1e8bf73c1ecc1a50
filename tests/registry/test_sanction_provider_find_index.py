"""The provider finder of the sanction and blacklisting forms asks the keyword index
(registry.selectors.sanctions.providers_in_reach_find).

It matched names with ``icontains``: on PostgreSQL, with a million people, a scan of the
whole people table (behind an EXISTS on the approvals) on every search. It now takes its
candidates from the n-gram index of the search documents, which hold every registered
organization and person whatever their approvals' status, and checks the name on those
only. Who is found does not change: part of a name, anywhere in it, one character too;
only providers holding an approval (any status) in the bureau's jurisdiction or below.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from registry import services
from registry.identifiers import make_id_number, make_uscc
from registry.models import Approval, Organization, Person, ProviderSearchDocument
from registry.search_text import county_token, document_fields
from registry.selectors import sanctions
from registry.selectors.sanctions import providers_in_reach_find
from tests.factories import jurisdiction
from tests.registry.builders import approve, bureau_admin, organization, person


def _names(found: dict, key: str) -> list[str]:
    return [row.name for row in found[key]]


@pytest.fixture
def reach(db):
    """Nanchang's providers, one of each approval status, and their namesakes approved
    only in Jingdezhen (outside Nanchang's reach)."""
    inside = {
        "suspended": person("欧阳建华"),
        "revoked": person("李建华"),
        "expired": person("王晓华"),
        "approved": organization("南昌晨光体育培训有限公司"),
        "latin": organization("南昌ABC英语培训中心"),
        "dotted": person("阿依古丽·买买提"),
        "reordered": person("华建明"),
    }
    approve(person=inside["suspended"], where="360100", status="suspended")
    approve(person=inside["revoked"], where="360102", status="revoked")
    approve(person=inside["expired"], where="360100", status="expired")
    approve(organization=inside["approved"], where="360100")
    approve(organization=inside["latin"], where="360102", status="pending")
    approve(person=inside["dotted"], where="360100")
    approve(person=inside["reordered"], where="360100")
    # registered through the services with only an undecided approval: its document is
    # written on registering, not when an approval is decided
    inside["pending"] = services.person_register(
        actor=None, name="陈建国", id_number=make_id_number(901, region="360111"),
        kind="retiree")
    approve(person=inside["pending"], where="360100", status="pending")
    outside = {"person": person("欧阳建军"), "organization": organization("景德镇晨光体育有限公司")}
    approve(person=outside["person"], where="360200")
    approve(organization=outside["organization"], where="360200")
    _, bureau = bureau_admin("360100")
    return {"bureau": bureau, "inside": inside, "outside": outside}


def test_the_finder_takes_its_candidates_from_the_keyword_index(reach):
    # given: a bureau's search by name, and one by a code (which also searches names)
    bureau, code = reach["bureau"], reach["inside"]["approved"].uscc
    for text in ("阳建", code):
        # when
        with CaptureQueriesContext(connection) as captured:
            providers_in_reach_find(bureau, text)
        # then: both queries (organizations, people) ask the search documents' n-grams
        assert len(captured.captured_queries) == 2
        for query in captured.captured_queries:
            assert "registry_providersearchdocument" in query["sql"], query["sql"]
            assert '"grams"' in query["sql"], query["sql"]


def test_part_of_a_name_from_its_middle_finds_the_provider_within_reach_only(reach):
    inside, outside = reach["inside"], reach["outside"]
    found = providers_in_reach_find(reach["bureau"], "阳建")
    assert _names(found, "people") == ["欧阳建华"]  # not 欧阳建军, approved in Jingdezhen
    found = providers_in_reach_find(reach["bureau"], "建")
    assert _names(found, "people") == sorted(
        ["欧阳建华", "李建华", "陈建国", "华建明"])  # suspended, revoked, pending, approved
    found = providers_in_reach_find(reach["bureau"], "光体")
    assert _names(found, "organizations") == [inside["approved"].name]
    assert outside["organization"].name not in _names(found, "organizations")


def test_one_character_finds_every_name_holding_it_in_any_status(reach):
    found = providers_in_reach_find(reach["bureau"], "华")
    assert _names(found, "people") == sorted(["欧阳建华", "李建华", "王晓华", "华建明"])
    assert not found["more"]


def test_a_latin_name_is_found_in_either_case_and_a_code_still_finds_its_organization(reach):
    bureau, latin = reach["bureau"], reach["inside"]["latin"]
    for text in ("abc", "ABC英语", "bc英"):
        assert _names(providers_in_reach_find(bureau, text), "organizations") == [latin.name]
    by_code = providers_in_reach_find(bureau, latin.uscc.lower())
    assert _names(by_code, "organizations") == [latin.name]
    outside = providers_in_reach_find(bureau, reach["outside"]["organization"].uscc)
    assert outside == {"organizations": [], "people": [], "more": False}


def test_the_grams_are_only_candidates_the_name_itself_must_hold_the_text(reach):
    # 华建明 holds both characters of "建华", not the two together
    found = providers_in_reach_find(reach["bureau"], "建华")
    assert _names(found, "people") == ["李建华", "欧阳建华"]
    # a name typed in full, with its middle dot, is found; the dot alone names nobody
    assert _names(providers_in_reach_find(reach["bureau"], "阿依古丽·买买提"),
                  "people") == ["阿依古丽·买买提"]
    assert providers_in_reach_find(reach["bureau"], "·") == {
        "organizations": [], "people": [], "more": False}


def test_a_code_and_a_name_are_still_two_queries_at_their_limit(
        reach, django_assert_max_num_queries):
    for n in range(3):
        approve(person=person(f"张建华{n}"), where="360100")
    with django_assert_max_num_queries(2):
        found = providers_in_reach_find(reach["bureau"], "建华", limit=2)
    assert len(found["people"]) == 2 and found["more"]
    with django_assert_max_num_queries(2):
        found = providers_in_reach_find(reach["bureau"], reach["inside"]["approved"].uscc)
    assert _names(found, "organizations") == [reach["inside"]["approved"].name]


def test_past_its_bound_the_search_shows_the_first_by_name_of_those_it_read(
        reach, monkeypatch):
    # given: more people holding "建" in reach than the search reads (one character)
    monkeypatch.setattr(sanctions, "PROVIDER_FIND_CANDIDATES", 3)
    holding = {"欧阳建华", "李建华", "陈建国", "华建明"}
    # when
    found = providers_in_reach_find(reach["bureau"], "建", limit=2)
    # then: two of them, in name order, and the form asks for more of the name
    names = _names(found, "people")
    assert len(names) == 2 and names == sorted(names) and set(names) <= holding
    assert found["more"]
    # within the bound, the first by name of all, as before
    assert _names(providers_in_reach_find(reach["bureau"], "建华", limit=1),
                  "people") == ["李建华"]


def _plan(on_postgres, sql: str) -> str:
    """The plan of ``sql`` as captured (its parameters inlined, hence none passed)."""
    with on_postgres.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql)
        return "\n".join(row[0] for row in cursor.fetchall())


def _reads_every_row(plan: str, table: str) -> bool:
    """Whether ``plan`` reads ``table`` whole: a scan of it (sequential scans being off,
    along its primary key) with no index condition to narrow it."""
    lines = plan.splitlines()
    for at, line in enumerate(lines):
        if f" on {table} " in line and "Scan" in line:
            depth = len(line) - len(line.lstrip())
            details = []
            for below in lines[at + 1:]:
                if len(below) - len(below.lstrip()) <= depth or "->" in below:
                    break
                details.append(below)
            if "Seq Scan" in line or not any("Index Cond" in d or "Recheck Cond" in d
                                             for d in details):
                return True
    return False


def test_postgres_serves_the_names_from_the_gin_index_of_the_search_documents(
        reach, on_postgres):
    # given: a district's worth of people and organizations in the bureau's reach (each
    # with an approval and the document registering writes), so that reading every name,
    # or every approval in reach, is not the cheap way; none holds "阳建" or "晨光"
    fields = {name: document_fields(names=[name]) for name in ("刘德明", "孙丽华", "周志强")}
    people = Person.objects.bulk_create(
        Person(name=name, id_number=make_id_number(2000 + i, region="360111"), kind="retiree")
        for i, name in enumerate(list(fields) * 7000))
    ProviderSearchDocument.objects.bulk_create(
        ProviderSearchDocument(person=p, **fields[p.name]) for p in people)
    county = jurisdiction("360102")
    named = {name: document_fields(names=[name], tokens=[county_token(county.pk)])
             for name in ("南昌启明书法培训有限公司", "南昌育才科技有限公司")}
    organizations = Organization.objects.bulk_create(
        Organization(name=name, uscc=make_uscc(200_000 + i, region="360111"), county=county,
                     registration_kind=Organization.RegistrationKind.COMPANY,
                     legal_representative="张三", address="东湖区", contact_name="李四",
                     contact_phone="0791-88000000")
        for i, name in enumerate(list(named) * 3000))
    ProviderSearchDocument.objects.bulk_create(
        ProviderSearchDocument(organization=o, **named[o.name]) for o in organizations)
    Approval.objects.bulk_create(
        [*(Approval(jurisdiction=county, person=p) for p in people),
         *(Approval(jurisdiction=county, organization=o) for o in organizations)])
    with on_postgres.cursor() as cursor:
        for table in ("providersearchdocument", "person", "organization", "approval"):
            cursor.execute(f"ANALYZE registry_{table}")
    for text in ("阳建", "晨光", reach["inside"]["approved"].uscc):
        # when
        with CaptureQueriesContext(on_postgres) as captured:
            found = providers_in_reach_find(reach["bureau"], text)
        # then: each query takes its candidates from the GIN index of the n-grams, and
        # reads no table of names whole
        assert found["organizations"] or found["people"]
        organizations, people = (query["sql"] for query in captured.captured_queries)
        assert "string_to_array" in people and "@>" in people, people
        plan = _plan(on_postgres, people)
        assert "registry_searchdoc_person_gin" in plan, plan
        assert not _reads_every_row(plan, "registry_person"), plan
        plan = _plan(on_postgres, organizations)
        assert "registry_searchdoc_organization_gin" in plan, plan
        assert not _reads_every_row(plan, "registry_organization"), plan
