"""Audit actions come from one vocabulary (registry.models.AuditAction): an action outside
it is refused before anything is written, and every action the code writes is in it."""

import pathlib
import re

import pytest

from registry import services
from registry.models import AuditAction, AuditEvent
from tests.factories import OrganizationFactory

ROOT = pathlib.Path(__file__).resolve().parents[2]
# action="x.y" (audit_record, audit_event) and workflows' audit(actor, "x.y", ...)
LITERAL = re.compile(r'(?:action=|\b_?audit\([^,()]+,\s*)"([a-z_]+\.[a-z_]+)"')


@pytest.mark.django_db
def test_an_action_outside_the_vocabulary_is_refused_and_nothing_is_written():
    organization = OrganizationFactory()
    before = AuditEvent.objects.count()
    with pytest.raises(ValueError, match="not an audit action"):
        services.audit_record(actor=None, action="organization.renamed", target=organization)
    assert AuditEvent.objects.count() == before


@pytest.mark.django_db
def test_an_action_of_the_vocabulary_is_recorded():
    organization = OrganizationFactory()
    event = services.audit_record(actor=None, action=AuditAction.ORGANIZATION_REGISTER,
                                  target=organization)
    assert AuditEvent.objects.get(pk=event.pk).action == "organization.register"


def test_every_action_written_in_the_code_is_in_the_vocabulary():
    found = {}
    for app in ("registry", "documents", "workflows", "accounts"):
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for action in LITERAL.findall(path.read_text(encoding="utf-8")):
                found.setdefault(action, path.relative_to(ROOT))
    assert len(found) > 40  # the scan sees the services' actions
    unknown = {a: str(p) for a, p in found.items() if a not in AuditAction.values}
    assert not unknown
