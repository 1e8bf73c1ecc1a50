"""factory_boy factories. Identifiers are built with the real check algorithms."""

import datetime
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from registry.identifiers import make_id_number, make_uscc
from registry.models import (
    Approval,
    Jurisdiction,
    Offering,
    Organization,
    Person,
    School,
    ServiceCategory,
)


def county(code: str = "360102") -> Jurisdiction:
    return Jurisdiction.objects.get(code=code)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.invalid")
    password = factory.django.Password("pw-for-tests-1")


class SchoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = School

    name = factory.Sequence(lambda n: f"测试小学{n}")
    code = factory.Sequence(lambda n: f"T{n:09d}")
    county = factory.LazyFunction(county)


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"南昌测试培训机构{n}有限公司")
    uscc = factory.Sequence(lambda n: make_uscc(50_000 + n))
    registration_kind = Organization.RegistrationKind.COMPANY
    legal_representative = "张三"
    county = factory.LazyFunction(county)
    address = "江西省南昌市东湖区测试路1号"
    contact_name = "李四"
    contact_phone = "0791-88000000"


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    name = factory.Sequence(lambda n: f"测试人员{n}")
    id_number = factory.Sequence(lambda n: make_id_number(500 + n))
    kind = Person.Kind.RETIREE


class OfferingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Offering

    organization = factory.SubFactory(OrganizationFactory)
    category = factory.LazyFunction(lambda: ServiceCategory.objects.get(code="sport"))
    title = factory.Sequence(lambda n: f"少儿篮球班{n}")
    description = "基础运球与传球"
    grade_min = 1
    grade_max = 6
    fee_per_session = Decimal("20.00")
    capacity = 30
    weekdays = 0b0000101


class ApprovalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Approval

    organization = factory.SubFactory(OrganizationFactory)
    jurisdiction = factory.LazyFunction(lambda: Jurisdiction.objects.get(code="360100"))
    valid_from = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=1))
    valid_until = factory.LazyFunction(
        lambda: timezone.localdate() + datetime.timedelta(days=364)
    )
