"""Background work of accounts: the sign-up confirmation email."""

from smtplib import SMTPException

from celery import shared_task
from django.db import OperationalError

from accounts import mail


@shared_task(acks_late=True, autoretry_for=(OperationalError, OSError, SMTPException),
             retry_backoff=True, max_retries=8)
def send_signup_confirmation(user_id: int, base_url: str, next_url: str = "") -> bool:
    """Email the confirmation link; does nothing once the account is confirmed."""
    return mail.signup_confirmation_send(user_id=user_id, base_url=base_url,
                                         next_url=next_url)
