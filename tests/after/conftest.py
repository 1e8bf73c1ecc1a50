"""The people in service of the after-approval tests."""

import datetime
from decimal import Decimal

import pytest

from registry import services
from registry.models import Bureau, RecordQueryConsent, ServiceCategory
from registry.roles import Role
from tests.after.beat import at
from tests.factories import PersonFactory, UserFactory
from tests.registry.builders import approve, organization, school_user

START = datetime.date(2027, 1, 11)  # a Monday
D = datetime.timedelta


@pytest.fixture
def people():
    """Two people in service under Nanchang's bureau since January, each engaged by a
    school; one consents to the yearly re-query, the other does not."""
    with at(START):
        bureau = Bureau.objects.get(jurisdiction__code="360100")
        clerk = UserFactory()
        services.role_grant(actor=None, user=clerk, role=Role.BUREAU_CLERK, target=bureau)
        school_account, school = school_user("360102")
        term = services.school_term_create(actor=school_account, school=school, name="春季",
                                           starts_on=START, ends_on=START + D(150),
                                           project_count=10)
        found = {}
        for name in ("willing", "silent"):
            person = PersonFactory(name=name, user=UserFactory())
            approval = approve(person=person, where="360100", categories=("reading",),
                               valid_from=START, valid_until=START + D(364))
            engagement = services.engagement_create(
                actor=school_account, school=school, term=term, person=person,
                category=ServiceCategory.objects.get(code="reading"), grade_min=1,
                grade_max=6, fee_per_session=Decimal("0"), sessions=20)
            found[name] = {"person": person, "approval": approval, "engagement": engagement}
        services.consent_give(actor=found["willing"]["person"].user,
                              person=found["willing"]["person"], bureau=bureau,
                              purpose=RecordQueryConsent.Purpose.REQUERY)
    return {"bureau": bureau, "clerk": clerk, "school_account": school_account, **found}


@pytest.fixture
def coach():
    """A coach employed by an organization, with no account of their own, approved as an
    individual since January, and the organization's provider user (``manager``)."""
    employer = organization("明德体育俱乐部")
    manager = UserFactory()
    services.role_grant(actor=None, user=manager, role=Role.PROVIDER, target=employer)
    person = PersonFactory(name="无账号教练", organization=employer, user=None)
    with at(START):
        approval = approve(person=person, where="360100", categories=("reading",),
                           valid_from=START, valid_until=START + D(364))
    return {"person": person, "approval": approval, "manager": manager}
