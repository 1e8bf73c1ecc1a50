"""The process's snapshots of reference data (registry.reference) and what school search
reads per request because of them."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from registry import reference
from registry.forms import ProviderSearchForm
from registry.models import Jurisdiction, ServiceCategory
from tests.registry.builders import approve, category, organization, school_user

pytestmark = pytest.mark.django_db


def _api_categories(client) -> list[str]:
    response = client.get("/api/v1/search/organizations/", {"keyword": "围棋"})
    assert response.status_code == 200, response.content
    return [o["category_name"] for r in response.json()["results"] for o in r["offerings"]]


@pytest.fixture
def searching(client):
    user, school = school_user("360102")
    org = organization("南昌弈林文化有限公司", ("少儿围棋启蒙班", "arts", "25"))
    approve(organization=org, where="360102", categories=("arts",))
    client.force_login(user)
    return client


def test_a_category_saved_in_this_process_shows_at_once(searching):
    arts = category("arts")
    assert _api_categories(searching) == [arts.name]  # the snapshot is read here
    arts.name = "艺术（新）"
    arts.save()
    assert _api_categories(searching) == ["艺术（新）"]


def test_a_change_no_signal_announces_shows_once_the_snapshot_is_max_age_old(
        searching, monkeypatch):
    """What another process's change looks like here: no signal; the snapshot is read
    again once it is MAX_AGE old, not before."""
    arts = category("arts")
    assert _api_categories(searching) == [arts.name]
    ServiceCategory.objects.filter(pk=arts.pk).update(name="艺术（他处改）")
    assert _api_categories(searching) == [arts.name]
    monkeypatch.setattr(reference, "MAX_AGE", 0.0)
    assert _api_categories(searching) == ["艺术（他处改）"]


def test_a_code_the_snapshot_does_not_hold_is_read_again_at_once():
    assert reference.category_by_code("sport") is not None  # snapshot read
    # created elsewhere: no signal reaches this process
    ServiceCategory.objects.bulk_create([ServiceCategory(code="go-new", name="新项目")])
    form = ProviderSearchForm({"category": "go-new"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["category"].name == "新项目"


@pytest.mark.parametrize("field,value", [("category", "maths"), ("county", "360100"),
                                         ("county", "999999"), ("category", "sport\x00")])
def test_the_search_form_refuses_what_the_querysets_would(field, value):
    form = ProviderSearchForm({field: value})
    assert not form.is_valid()
    assert field in form.errors


def test_an_inactive_category_is_refused_by_the_search_form():
    assert ProviderSearchForm({"category": "sport"}).is_valid()
    sport = category("sport")
    sport.is_active = False
    sport.save()
    form = ProviderSearchForm({"category": "sport"})
    assert not form.is_valid()
    unknown = ProviderSearchForm.base_fields["category"].error_messages["invalid_choice"]
    assert form.errors["category"] == [str(unknown)]


def test_a_county_is_taken_from_the_snapshot_with_its_lineage(django_assert_num_queries):
    reference.jurisdictions()
    with django_assert_num_queries(0):
        form = ProviderSearchForm({"county": "360102"})
        assert form.is_valid(), form.errors
        county = form.cleaned_data["county"]
        assert [j.code for j in county.lineage()] == ["360102", "360100", "360000"]


def test_a_jurisdiction_saved_in_this_process_drops_the_snapshot():
    donghu = reference.jurisdiction_by_code("360102")
    row = Jurisdiction.objects.get(pk=donghu.pk)
    row.name_en = "Donghu (renamed)"
    row.save()
    assert reference.jurisdiction_by_code("360102").name_en == "Donghu (renamed)"


def test_the_snapshot_is_dropped_again_when_the_change_commits(
        django_capture_on_commit_callbacks):
    """A read between the save and the commit may come from another connection that
    does not see the change yet: the commit drops whatever was read meanwhile."""
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            arts = category("arts")
            arts.name = "艺术（提交）"
            arts.save()
            reference.categories()  # read before the commit
            assert reference._categories._value is not None
    assert callbacks  # the commit's clear ran
    assert reference._categories._value is None
    assert reference.category_by_code("arts").name == "艺术（提交）"


def test_a_read_overtaken_by_a_change_is_not_kept():
    calls = []

    def load():
        calls.append(1)
        if len(calls) == 1:
            snapshot.clear()  # a change lands while the first read runs
        return len(calls)

    snapshot = reference.Snapshot(load)
    assert snapshot.get() == 1  # answered, but not kept
    assert snapshot.get() == 2
    assert snapshot.get() == 2  # kept


def test_a_school_search_reads_no_reference_data_and_no_permission_tables(searching):
    """Per request: the session, the user, the school with its grants (one statement),
    the ranking, the page's approvals with their category links and the organizations'
    active offerings (one statement). Categories, jurisdictions and fee references come from
    the snapshots."""
    _api_categories(searching)  # snapshots read
    with CaptureQueriesContext(connection) as captured:
        _api_categories(searching)
    tables = " ".join(q["sql"] for q in captured.captured_queries)
    assert len(captured.captured_queries) == 5, tables
    for table in ("registry_servicecategory", "registry_jurisdiction", "registry_feereference",
                  "django_content_type"):
        assert f'"{table}"' not in tables


def _api_fees(client) -> list:
    response = client.get("/api/v1/search/organizations/", {"keyword": "围棋"})
    assert response.status_code == 200, response.content
    return [(o["fee_reference"], o["fee_cap"])
            for r in response.json()["results"] for o in r["offerings"]]


def test_a_fee_reference_saved_in_this_process_shows_at_once(searching):
    from registry.models import FeeReference
    from tests.factories import FeeReferenceFactory
    from tests.registry.builders import days, jurisdiction

    assert _api_fees(searching) == [(None, None)]
    fee = FeeReferenceFactory(jurisdiction=jurisdiction("360100"), category=category("arts"),
                              effective_from=days(-1), reference_fee="20", cap="30",
                              source="test")
    assert _api_fees(searching) == [("20.00", "30.00")]
    # the county's own reference, once in force, is nearer than the city's
    FeeReferenceFactory(jurisdiction=jurisdiction("360102"), category=category("arts"),
                        effective_from=days(0), reference_fee="22", cap="33", source="test")
    FeeReferenceFactory(jurisdiction=jurisdiction("360102"), category=category("arts"),
                        effective_from=days(5), reference_fee="99", cap="99", source="not yet")
    assert _api_fees(searching) == [("22.00", "33.00")]
    fee.delete()
    FeeReference.objects.filter(jurisdiction__code="360102").delete()  # (signals per row)
    assert _api_fees(searching) == [(None, None)]


def test_a_school_number_beyond_any_key_is_refused_not_an_error(searching):
    for school in ("99999999999999999999", "-99999999999999999999", "0"):
        response = searching.get("/api/v1/search/organizations/", {"school": school})
        assert response.status_code == 403, (school, response.content)
