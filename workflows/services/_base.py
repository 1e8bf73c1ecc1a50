"""What every workflows service shares: its audit call and its text check."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from registry import services as registry_services


def audit(actor, action, case, *, from_state="", to_state="", reason="", data=None):
    registry_services.audit_record(actor=actor, action=action, target=case,
                                   from_state=from_state, to_state=to_state, reason=reason,
                                   data=data)


def require_text(text: str, field: str, message) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError({field: message})
    return text
