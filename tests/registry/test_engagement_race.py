"""Two schools' clerks racing for the last external slot: the school row lock decides.

Real threads, real transactions: PostgreSQL only, and the module does not even
start elsewhere (a transactional test's flush would remove reference data)."""

import threading
from decimal import Decimal

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.db import connection

from registry import services
from registry.models import Bureau, Engagement
from tests.registry.builders import approve, days, organization, school_user

pytestmark = pytest.mark.skipif(
    django_settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
    reason="needs PostgreSQL: set DATABASE_URL=postgres://… (CI does)",
)


@pytest.fixture(scope="module", autouse=True)
def _reference_data_back_for_later_tests(django_db_blocker):
    """Put back the migration-loaded reference data the flush removed."""
    yield
    with django_db_blocker.unblock():
        contents = getattr(connection, "_test_serialized_contents", None)
        if contents and not Bureau.objects.exists():
            connection.creation.deserialize_db_from_string(contents)


def _term(user, school, *, projects):
    return services.school_term_create(actor=user, school=school, name="2026 秋季学期",
                                       starts_on=days(0), ends_on=days(120),
                                       project_count=projects)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_engagements_racing_for_the_last_slot_exactly_one_wins(settings):
    settings.REGISTRY_EXTERNAL_PROJECT_CAP = 0.30
    user, school = school_user("360102")
    term = _term(user, school, projects=10)
    orgs = []
    for i in range(4):
        org = organization(f"竞争机构{i}有限公司", ("课程", "arts", "10"))
        approve(organization=org, categories=("arts",))
        orgs.append(org)
    for org in orgs[:2]:
        services.engagement_create(actor=user, school=school, term=term, organization=org,
                                   fee_per_session=Decimal("10"), sessions=4)
    barrier = threading.Barrier(2)
    outcomes = []

    def contender(org):
        try:
            barrier.wait()
            services.engagement_create(actor=user, school=school, term=term, organization=org,
                                       fee_per_session=Decimal("10"), sessions=4)
            outcomes.append("won")
        except ValidationError as error:
            outcomes.append(error.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=contender, args=(org,)) for org in orgs[2:]]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["cap_reached", "won"]
    assert Engagement.objects.filter(term=term).count() == 3
