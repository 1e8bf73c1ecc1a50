"""Several administrators confirming one proposal at once, a person asking twice at once:
exactly one wins (PostgreSQL, real threads)."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from registry import services
from registry.models import AuditEvent, Blacklisting, BlacklistProposal, RecheckRequest
from registry.roles import Role
from tests.factories import PersonFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _race(users, act):
    results, barrier = [], threading.Barrier(len(users))

    def run(user):
        try:
            barrier.wait()
            act(user)
            results.append("ok")
        except ValidationError:
            results.append("refused")
        except Exception as exc:  # noqa: BLE001 - recorded and asserted below
            results.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(u,)) for u in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def test_one_confirmation_one_blacklisting_one_recheck(world):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: set DATABASE_URL=postgres://… (CI does)")
    person = PersonFactory(organization=world.organization, user=UserFactory())
    proposal = services.person_bar_for_record_hit(actor=world.clerk, bureau=world.bureau,
                                                  person=person, reason="查询有记录")
    admins = [world.admin] + [world.staff(Role.BUREAU_ADMIN) for _ in range(9)]
    results = _race(admins, lambda user: services.blacklist_confirm(
        actor=user, proposal=BlacklistProposal.objects.get(pk=proposal.pk), reason="核实"))
    assert results.count("ok") == 1 and results.count("refused") == 9, results
    assert Blacklisting.objects.filter(proposal=proposal).count() == 1
    assert AuditEvent.objects.filter(action="blacklist.confirm").count() == 1
    results = _race([person.user] * 5, lambda user: services.recheck_request(
        actor=user, proposal=BlacklistProposal.objects.get(pk=proposal.pk),
        statement="申请复查"))
    assert results.count("ok") == 1 and results.count("refused") == 4, results
    assert RecheckRequest.objects.count() == 1
