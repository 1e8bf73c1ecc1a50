"""Background work of the registry: an organization's invitation email."""

from smtplib import SMTPException

from celery import shared_task
from django.db import OperationalError

from registry import mail


@shared_task(acks_late=True, autoretry_for=(OperationalError, OSError, SMTPException),
             retry_backoff=True, max_retries=8)
def send_provider_invitation(invitation_id: int, base_url: str) -> bool:
    """Email the invitation; does nothing once it is used or expired."""
    return mail.provider_invitation_send(invitation_id=invitation_id, base_url=base_url)
