"""Audit actions come from one vocabulary (registry.models.AuditAction): an action outside
it is refused before anything is written, and every action the code writes is in it."""

import pathlib
import re

import pytest
from django.utils import translation

from registry import services
from registry.models import AuditAction, AuditEvent
from registry.templatetags.portal import audit_action
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


CJK = re.compile(r"[\u4e00-\u9fff]")


def _read(action: str, to_state: str = "", language: str = "zh-hans") -> str:
    """What a history shows for an event, in ``language``."""
    with translation.override(language):
        return audit_action(AuditEvent(action=action, to_state=to_state))


def test_every_action_of_the_vocabulary_reads_in_words_in_chinese_and_english():
    # defect: a re-certification case's history read "recert.open → 办理中", 119 of the
    # vocabulary's 178 actions had no words; a history must never show a code
    unreadable = {}
    for action in AuditAction.values:
        chinese, english = _read(action), _read(action, language="en")
        if action in (chinese, english) or chinese == english or not CJK.search(chinese):
            unreadable[action] = (chinese, english)
    assert len(AuditAction.values) > 170  # the walk sees the whole vocabulary
    assert not unreadable, f"{len(unreadable)} actions without words: {unreadable}"


def test_a_state_that_repeats_the_action_is_said_once_whatever_its_capitals():
    # defect: the English history read "Rejected → rejected"
    assert _read("case.rejected", "rejected", language="en") == "Rejected"
    assert _read("case.rejected", "rejected") == "未通过"
    assert _read("case.decide", "approve", language="en") == "Decision recorded → approve"
