"""A school, an approved organization with an offering, and approved individuals: the
setting of an engagement as a contract."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from registry import services
from registry.models import Jurisdiction, ServiceCategory
from registry.roles import Role
from tests.factories import FeeReferenceFactory, UserFactory
from tests.registry.builders import approve, days, organization, person, school_user


@pytest.fixture(autouse=True)
def _signing_key(settings, tmp_path_factory):
    """One key for the tests, outside the work tree."""
    settings.REGISTRY_SIGNING_KEY_FILE = str(tmp_path_factory.getbasetemp() / "signing.pem")


def fee_cap(*, code="360000", category="sport", cap="40"):
    return FeeReferenceFactory(
        jurisdiction=Jurisdiction.objects.get(code=code),
        category=ServiceCategory.objects.get(code=category),
        effective_from=timezone.localdate() - datetime.timedelta(days=30),
        reference_fee=Decimal("30"), cap=Decimal(cap), source="青少年宫")


@pytest.fixture
def contract(db):
    """School user + school + term; organization (offering ¥50, sport) approved with a
    provider user; two coaches approved individually for sport; one approved for arts."""
    user, school = school_user("360102")
    term = services.school_term_create(actor=user, school=school, name="2026 秋季学期",
                                       starts_on=days(-5), ends_on=days(120), project_count=10)
    org = organization("南昌飞跃体育培训有限公司", ("少儿篮球", "sport", "50"))
    org_approval = approve(organization=org, where="360100", categories=("sport",))
    provider = UserFactory()
    services.role_grant(actor=None, user=provider, role=Role.PROVIDER, target=org)
    coaches = []
    for name in ("张建华", "李明"):
        coach = person(name)
        approve(person=coach, where="360100", categories=("sport",))
        coaches.append(coach)
    painter = person("王画师")
    approve(person=painter, where="360100", categories=("arts",))
    return {"user": user, "school": school, "term": term, "org": org,
            "offering": org.offerings.get(), "org_approval": org_approval,
            "provider": provider, "coaches": coaches, "painter": painter}


def engage(contract, **overrides):
    data = dict(actor=contract["user"], school=contract["school"], term=contract["term"],
                organization=contract["org"], offering=contract["offering"],
                fee_per_session=Decimal("45"), sessions=16, places=30,
                roster=list(contract["coaches"]))
    data.update(overrides)
    return services.engagement_create(**data)


__all__ = ["days", "engage", "fee_cap"]
