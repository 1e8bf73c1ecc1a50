"""factory_boy factories. Identifiers are built with the real check algorithms."""

import dataclasses
import datetime
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from documents.models import DocumentType
from registry import services
from registry.identifiers import make_id_number, make_uscc
from registry.models import (
    AcademicSignal,
    AllowedCategory,
    Approval,
    Blacklisting,
    Bureau,
    Engagement,
    FeeReference,
    Jurisdiction,
    Offering,
    Organization,
    Person,
    School,
    SchoolTerm,
    ServiceCategory,
)
from registry.roles import Role
from workflows.models import CalendarOverride, ExpertAssignment


def jurisdiction(code: str) -> Jurisdiction:
    return Jurisdiction.objects.get(code=code)


def county(code: str = "360102") -> Jurisdiction:
    return jurisdiction(code)


def city(code: str = "360100") -> Jurisdiction:
    return jurisdiction(code)


def category(code: str = "sport") -> ServiceCategory:
    return ServiceCategory.objects.get(code=code)


def _days(n: int):
    return lambda: timezone.localdate() + datetime.timedelta(days=n)


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


class OwnAccountPersonFactory(PersonFactory):
    """A qualified professional of no organization, in their own account (``person.user``),
    which holds the provider role over them."""

    class Meta:
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    organization = None
    kind = Person.Kind.PROFESSIONAL

    @factory.post_generation
    def provider_role(obj, create, extracted, **kwargs):
        services.role_grant(actor=None, user=obj.user, role=Role.PROVIDER, target=obj)


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


class InForceApprovalFactory(ApprovalFactory):
    """An approval opened and taking effect through the services, as a bureau's decision
    does (audited, the search index told): of ``organization`` (a new one unless given) or
    ``person``, decided by ``actor`` (none), for ``categories``, in 南昌市 unless
    ``jurisdiction`` says where."""

    person = None
    organization = factory.Maybe("person", yes_declaration=None,
                                 no_declaration=factory.SubFactory(OrganizationFactory))
    actor = None
    categories = ()

    @classmethod
    def _create(cls, model_class, *, actor, categories, jurisdiction, organization, person,
                valid_from, valid_until):
        approval = services.approval_create(
            actor=actor, jurisdiction=jurisdiction, organization=organization, person=person,
            categories=list(categories))
        services.approval_approve(actor=actor, approval=approval, valid_from=valid_from,
                                  valid_until=valid_until)
        approval.refresh_from_db()
        return approval


class GroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Group

    name = factory.Sequence(lambda n: f"测试组{n}")


class JurisdictionFactory(factory.django.DjangoModelFactory):
    """A county under 南昌市 (pass ``code``, ``name`` and ``parent`` for another)."""

    class Meta:
        model = Jurisdiction

    code = factory.Sequence(lambda n: f"3601{50 + n % 50}")
    name = factory.Sequence(lambda n: f"测试区{n}")
    level = Jurisdiction.Level.COUNTY
    parent = factory.LazyFunction(city)


class ServiceCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceCategory

    code = factory.Sequence(lambda n: f"test-category-{n}")
    name = factory.Sequence(lambda n: f"测试项目{n}")


class AllowedCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AllowedCategory

    jurisdiction = factory.LazyFunction(city)
    category = factory.LazyFunction(category)


class FeeReferenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FeeReference

    jurisdiction = factory.LazyFunction(city)
    category = factory.LazyFunction(category)
    effective_from = factory.LazyFunction(_days(-30))
    reference_fee = Decimal("30")
    cap = Decimal("40")


class AcademicSignalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AcademicSignal

    word = factory.Sequence(lambda n: f"测试词{n}")
    explanation = "测试用"


class SchoolTermFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SchoolTerm

    school = factory.SubFactory(SchoolFactory)
    name = "2026秋"
    starts_on = factory.LazyFunction(_days(0))
    ends_on = factory.LazyFunction(_days(120))
    project_count = 5


class EngagementFactory(factory.django.DjangoModelFactory):
    """An organization's engagement by a school for a term, under an approval in force."""

    class Meta:
        model = Engagement

    term = factory.SubFactory(SchoolTermFactory)
    school = factory.SelfAttribute("term.school")
    approval = factory.SubFactory(ApprovalFactory, status=Approval.Status.APPROVED)
    organization = factory.SelfAttribute("approval.organization")
    starts_on = factory.SelfAttribute("term.starts_on")
    ends_on = factory.LazyAttribute(lambda o: o.starts_on + datetime.timedelta(days=100))
    fee_per_session = Decimal("20")
    sessions = 10


class BlacklistingFactory(factory.django.DjangoModelFactory):
    """A blacklisting of ``organization`` or ``person``, by its credit code or ID number."""

    class Meta:
        model = Blacklisting

    bureau = factory.LazyFunction(lambda: Bureau.objects.get(jurisdiction__code="360100"))
    organization = None
    person = None
    uscc = factory.LazyAttribute(lambda o: o.organization.uscc if o.organization else "")
    id_number = factory.LazyAttribute(lambda o: o.person.id_number if o.person else "")
    starts_on = factory.LazyFunction(_days(0))
    ends_on = factory.LazyAttribute(lambda o: o.starts_on.replace(year=o.starts_on.year + 3))
    reason = "严重违规"


class DocumentTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DocumentType

    code = factory.Sequence(lambda n: f"extra-{n}")
    name = factory.Sequence(lambda n: f"补充材料{n}")
    subject = "organization"
    is_required = False


class CalendarOverrideFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CalendarOverride

    is_workday = False


class ExpertAssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ExpertAssignment

    expert = factory.SubFactory(UserFactory)
    slot = 1


class GoClassOrganizationFactory(OrganizationFactory):
    """南昌弈林围棋培训有限公司 with a 围棋 class (arts, 25 a session) in its catalogue, added as
    its provider adds one, and in the search index."""

    class Meta:
        skip_postgeneration_save = True

    name = "南昌弈林围棋培训有限公司"

    @factory.post_generation
    def offering(obj, create, extracted, **kwargs):
        services.offering_create(
            actor=None, organization=obj, category=category("arts"), title="少儿围棋启蒙班",
            description="", grade_min=1, grade_max=6, fee_per_session=Decimal("25"),
            capacity=30, weekdays=0b0000101)
        services.search_index_refresh(organization=obj)


def _school_of(account) -> School:
    """A school of 东湖区 (360102), ``account`` holding its role."""
    school = SchoolFactory()
    services.role_grant(actor=None, user=account, role=Role.SCHOOL, target=school)
    return school


@dataclasses.dataclass
class Engaged:
    """What :class:`EngagedOrganizationFactory` made, each part by its name."""

    organization: Organization
    approval: Approval
    account: object  # the school's account: a user holding the school's role
    school: School
    term: SchoolTerm
    engagement: Engagement


class EngagedOrganizationFactory(factory.Factory):
    """An organization (:class:`GoClassOrganizationFactory`) approved in 南昌市 for arts and
    engaged by a school of 东湖区 for a term, every step through the services (audited, and
    checked as a school's engagement is). Unless given: approved from 10 days ago
    (``valid_from``) for a year (``valid_until``); the term ``term_name`` of 10 projects from
    today (``starts_on``) for ``term_days`` 100 (to ``ends_on``); ``sessions`` 8, at 20 a
    session; ``spring=True``: a 春季 term of 120 days, 16 sessions. Pass ``organization`` and
    ``approval``, or ``account`` and ``school``, to use ones already made."""

    class Meta:
        model = Engaged

    class Params:
        valid_from = factory.LazyFunction(_days(-10))
        valid_until = factory.LazyFunction(_days(365))
        term_name = "2026 秋季学期"
        starts_on = factory.LazyFunction(_days(0))
        term_days = 100
        ends_on = factory.LazyAttribute(
            lambda o: o.starts_on + datetime.timedelta(days=o.term_days))
        sessions = 8
        spring = factory.Trait(term_name="春季", term_days=120, sessions=16)

    organization = factory.SubFactory(GoClassOrganizationFactory)
    approval = factory.LazyAttribute(lambda o: InForceApprovalFactory(
        organization=o.organization, categories=[category("arts")], valid_from=o.valid_from,
        valid_until=o.valid_until))
    account = factory.SubFactory(UserFactory)
    school = factory.LazyAttribute(lambda o: _school_of(o.account))
    term = factory.LazyAttribute(lambda o: services.school_term_create(
        actor=o.account, school=o.school, name=o.term_name, starts_on=o.starts_on,
        ends_on=o.ends_on, project_count=10))
    engagement = factory.LazyAttribute(lambda o: services.engagement_create(
        actor=o.account, school=o.school, term=o.term, organization=o.organization,
        fee_per_session=Decimal("20"), sessions=o.sessions))
