from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from registry import services
from registry.models import AuditEvent, Organization, Person, ServiceCategory
from registry.roles import Role
from tests.factories import OrganizationFactory, UserFactory


@pytest.fixture
def user(db):
    return UserFactory()


def _register(user, donghu, **overrides):
    data = dict(
        actor=user, name="南昌市星光艺术培训有限公司", uscc="91350100m000100y43",
        registration_kind="company", legal_representative="王五", county=donghu,
        address="东湖区八一大道1号", contact_name="王五", contact_phone="13800000000",
    )
    data.update(overrides)
    return services.organization_register(**data)


def test_register_organization_normalises_code_audits_and_grants_provider_role(user, donghu):
    org = _register(user, donghu)
    assert org.uscc == "91350100M000100Y43"
    assert AuditEvent.objects.for_object(org).filter(action="organization.register").exists()
    assert user.has_perm("registry.act_for_organization", org)
    assert user.groups.filter(name=Role.PROVIDER).exists()


@pytest.mark.parametrize("bad", ["91350100M000100Y44", "123", "91350100M000100I43"])
def test_register_organization_with_bad_code_writes_nothing(user, donghu, bad):
    with pytest.raises(ValidationError) as excinfo:
        _register(user, donghu, uscc=bad)
    assert "uscc" in excinfo.value.message_dict
    assert not Organization.objects.exists()
    assert not AuditEvent.objects.exists()


def test_register_organization_twice_is_refused(user, donghu):
    _register(user, donghu)
    with pytest.raises(ValidationError):
        _register(user, donghu, name="另一个名字")
    assert Organization.objects.count() == 1


def test_organization_must_register_in_a_county(user, nanchang):
    with pytest.raises(ValidationError):
        _register(user, nanchang)
    assert not Organization.objects.exists()


def test_person_register_validates_id_and_shows_it_masked(user):
    person = services.person_register(actor=user, name="王秀兰", id_number="11010519491231002x",
                                      kind=Person.Kind.RETIREE)
    assert person.id_number == "11010519491231002X"
    assert "1101**********002X" in str(person)
    event = AuditEvent.objects.for_object(person).get()
    assert "11010519491231002X" not in event.target_repr
    with pytest.raises(ValidationError):
        services.person_register(actor=user, name="李四", id_number="110105194912310021",
                                 kind=Person.Kind.VOLUNTEER)
    assert Person.objects.count() == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [("grade_min", 0), ("grade_max", 10), ("fee_per_session", Decimal("-1")),
     ("capacity", 0), ("weekdays", 0), ("weekdays", 128)],
)
def test_offering_refuses_out_of_range_values(user, field, value):
    org = OrganizationFactory()
    data = dict(actor=user, organization=org, category=ServiceCategory.objects.get(code="sport"),
                title="少儿篮球", description="", grade_min=1, grade_max=6,
                fee_per_session=Decimal("20"), capacity=30, weekdays=5)
    data[field] = value
    with pytest.raises(ValidationError):
        services.offering_create(**data)
    assert not org.offerings.exists()


def test_offering_grade_range_must_be_ordered(user):
    org = OrganizationFactory()
    with pytest.raises(ValidationError):
        services.offering_create(
            actor=user, organization=org, category=ServiceCategory.objects.get(code="sport"),
            title="x", description="", grade_min=5, grade_max=2,
            fee_per_session=Decimal("1"), capacity=1, weekdays=1)
