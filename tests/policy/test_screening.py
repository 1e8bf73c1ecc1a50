"""Screening rules: allowed categories inherited down the tree, academic-subject signals,
fee references in force, and the refusals of bad numbers."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from registry import selectors, services
from registry.models import (
    AcademicSignal,
    AllowedCategory,
    AuditEvent,
    Jurisdiction,
    Offering,
    ServiceCategory,
)
from tests.factories import (
    AcademicSignalFactory,
    AllowedCategoryFactory,
    OfferingFactory,
    OrganizationFactory,
)
from tests.policy.conftest import fee_reference

pytestmark = pytest.mark.django_db


def _j(code):
    return Jurisdiction.objects.get(code=code)


def _c(code):
    return ServiceCategory.objects.get(code=code)


# --- defaults ---------------------------------------------------------------------------

def test_defaults_allow_every_category_at_the_province_and_list_the_notices_signals():
    province = _j("360000")
    assert set(AllowedCategory.objects.filter(jurisdiction=province)
               .values_list("category__code", flat=True)) == set(
        ServiceCategory.objects.values_list("code", flat=True))
    words = set(AcademicSignal.objects.values_list("word", flat=True))
    assert {"语文", "数学", "英语", "物理", "化学", "奥数", "作文提高", "同步辅导", "预习",
            "新课"} <= words
    assert all(s.explanation and s.explanation_en for s in AcademicSignal.objects.all())


# --- allowed categories ---------------------------------------------------------------

def test_a_county_inherits_the_province_list_until_its_city_keeps_one():
    county = _j("360102")  # 东湖区 under 南昌市
    assert selectors.allowed_categories_source(jurisdiction=county) == _j("360000")
    assert selectors.category_allowed(category=_c("sport"), jurisdiction=county)
    # 南昌市 keeps its own, shorter list: arts only (sub-items included)
    AllowedCategoryFactory(jurisdiction=_j("360100"), category=_c("arts"))
    assert selectors.allowed_categories_source(jurisdiction=county) == _j("360100")
    assert not selectors.category_allowed(category=_c("sport"), jurisdiction=county)
    assert selectors.category_allowed(category=_c("intangible-heritage"), jurisdiction=county)
    assert set(selectors.allowed_categories_for(jurisdiction=county)
               .values_list("code", flat=True)) == {"arts", "intangible-heritage"}
    # another city still inherits the province's
    assert selectors.category_allowed(category=_c("sport"), jurisdiction=_j("360200"))


def test_a_retired_category_is_never_allowed():
    category = _c("study-tour")
    category.is_active = False
    category.save()
    assert not selectors.category_allowed(category=category, jurisdiction=_j("360102"))


# --- academic-subject signals -------------------------------------------------------------

def test_subject_tutoring_wording_is_flagged_with_every_matched_word():
    offering = OfferingFactory(title="小学数学同步辅导班", description="提前预习下学期新课")
    [flag] = services.offering_screen(offering=offering, jurisdiction=_j("360100"))
    assert flag.kind == "academic_signal"
    assert set(flag.matched_words) == {"数学", "同步辅导", "预习", "新课"}
    assert {s["word"] for s in flag.detail["signals"]} == set(flag.matched_words)
    assert all(s["explanation"] for s in flag.detail["signals"])


def test_an_inactive_or_added_signal_follows_the_data():
    offering = OfferingFactory(title="趣味英语绘本阅读", category=_c("reading"))
    AcademicSignal.objects.filter(word="英语").update(is_active=False)
    assert services.offering_screen(offering=offering, jurisdiction=_j("360100")) == []
    AcademicSignalFactory(word="绘本", explanation="测试用", explanation_en="test")
    [flag] = services.offering_screen(offering=offering, jurisdiction=_j("360100"))
    assert flag.matched_words == ["绘本"]


def test_a_clean_offering_raises_no_flag():
    offering = OfferingFactory(title="少儿篮球训练营", description="基础运球与传球",
                               fee_per_session=Decimal("25"))
    fee_reference(cap="40")
    assert services.offering_screen(offering=offering, jurisdiction=_j("360100")) == []


def test_highlighting_escapes_the_text_and_marks_the_words():
    html = selectors.highlight_words("<b>数学</b> & 奥数", ["数学", "奥数"])
    assert html == "&lt;b&gt;<mark>数学</mark>&lt;/b&gt; &amp; <mark>奥数</mark>"


# --- fee references -------------------------------------------------------------------------

def test_a_fee_above_the_cap_is_flagged_with_fee_reference_and_cap():
    offering = OfferingFactory(title="篮球精英班", fee_per_session=Decimal("45"))
    fee_reference(code="360000", reference="30", cap="40")
    [flag] = services.offering_screen(offering=offering, jurisdiction=_j("360102"))
    assert flag.kind == "fee_above_cap"
    assert flag.detail["fee"] == "45.00"
    assert (flag.detail["reference_fee"], flag.detail["cap"]) == ("30.00", "40.00")
    assert flag.detail["jurisdiction"] == "江西省"
    # exactly at the cap is fine
    offering.fee_per_session = Decimal("40")
    assert services.offering_screen(offering=offering, jurisdiction=_j("360102")) == []


def test_the_reference_in_force_is_the_nearest_jurisdictions_latest_started_one():
    sport = _c("sport")
    fee_reference(code="360000", reference="30", cap="40", since_days=-100)
    fee_reference(code="360000", reference="32", cap="42", since_days=-10)
    fee_reference(code="360000", reference="99", cap="99", since_days=5)  # not yet
    found = selectors.fee_reference_for(category=sport, jurisdiction=_j("360102"))
    assert (found.reference_fee, found.cap) == (Decimal("32"), Decimal("42"))
    # the city sets its own: it wins over the province's for its counties only
    fee_reference(code="360100", reference="20", cap="25", since_days=-200)
    found = selectors.fee_reference_for(category=sport, jurisdiction=_j("360102"))
    assert (found.cap, found.jurisdiction) == (Decimal("25"), "南昌市")
    assert selectors.fee_reference_for(category=sport, jurisdiction=_j("360200")).cap == 42
    # a sub-item without a reference of its own takes its parent category's
    fee_reference(code="360000", category="arts", reference="50", cap="60")
    found = selectors.fee_reference_for(category=_c("intangible-heritage"),
                                        jurisdiction=_j("360102"))
    assert found.cap == Decimal("60") and found.category == "arts"
    assert selectors.fee_reference_for(category=_c("labour"), jurisdiction=_j("360102")) is None


def test_fee_reference_annotations_agree_with_the_python_rule():
    fee_reference(code="360000", reference="30", cap="40", since_days=-100)
    fee_reference(code="360100", reference="20", cap="25", since_days=-50)
    fee_reference(code="360102", reference="18", cap="22", since_days=3)  # future
    fee_reference(code="360000", category="arts", reference="50", cap="60")
    sport = OfferingFactory(category=_c("sport"))
    heritage = OfferingFactory(category=_c("intangible-heritage"))
    labour = OfferingFactory(category=_c("labour"))
    lineage = [j.pk for j in _j("360102").lineage()]
    rows = {o.pk: (o.fee_reference, o.fee_cap) for o in Offering.objects.annotate(
        **selectors.fee_reference_annotations(lineage_ids=lineage))}
    assert rows[sport.pk] == (Decimal("20"), Decimal("25"))
    assert rows[heritage.pk] == (Decimal("50"), Decimal("60"))
    assert rows[labour.pk] == (None, None)


# --- bad numbers ------------------------------------------------------------------------------

def _create(**overrides):
    kwargs = {"actor": None, "organization": OrganizationFactory(), "category": _c("sport"),
              "title": "少儿足球", "description": "", "grade_min": 1, "grade_max": 6,
              "fee_per_session": "20", "capacity": 30, "weekdays": 1, **overrides}
    return services.offering_create(**kwargs)


@pytest.mark.parametrize(("overrides", "field"), [
    ({"fee_per_session": "-1"}, "fee_per_session"),
    ({"fee_per_session": "abc"}, "fee_per_session"),
    ({"free_places_per_term": -1}, "free_places_per_term"),
    ({"free_places_per_term": 31}, "free_places_per_term"),
])
def test_offering_create_refuses_bad_fees_and_free_places(overrides, field):
    before = Offering.objects.count()
    with pytest.raises(ValidationError) as error:
        _create(**overrides)
    assert field in error.value.message_dict
    assert Offering.objects.count() == before


def test_offering_create_keeps_the_free_places_and_audits():
    offering = _create(free_places_per_term=30)
    assert offering.free_places_per_term == 30
    assert AuditEvent.objects.for_object(offering).filter(action="offering.create").exists()


def test_the_database_refuses_free_places_above_capacity_too():
    offering = OfferingFactory(capacity=10)
    offering.free_places_per_term = 11
    with pytest.raises(IntegrityError), transaction.atomic():
        offering.save(update_fields=["free_places_per_term"])
