"""The emails of sign-up, built from ids (the Celery task's arguments)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _

SIGNUP_SALT = "accounts.signup.confirm"


def signup_token(user) -> str:
    """The signed, timestamped token of ``user``'s confirmation link."""
    return signing.dumps({"u": user.pk, "e": user.email}, salt=SIGNUP_SALT)


def signup_confirmation_send(*, user_id: int, base_url: str, next_url: str = "") -> bool:
    """Email the confirmation link to a user still unconfirmed; False (nothing sent) when
    the account is gone or already confirmed, so that a re-run of the task sends nothing.
    ``next_url``: the page (a path on this site) to come back to once confirmed, such as an
    invitation; the confirming page checks it again before following it."""
    user = get_user_model().objects.filter(pk=user_id, signup__confirmed_at__isnull=True).first()
    if user is None:
        return False
    link = base_url.rstrip("/") + reverse("signup:confirm", args=[signup_token(user)])
    if next_url:
        link += "?" + urlencode({"next": next_url})
    hours = settings.SIGNUP_CONFIRM_MAX_AGE // 3600
    with translation.override(settings.LANGUAGE_CODE):
        send_mail(
            _("Confirm your email address"),
            _("Open this link to confirm your email address and start using the registry "
              "(it works for %(hours)s hours):\n\n%(link)s\n\nIf you did not sign up, ignore "
              "this email.") % {"hours": hours, "link": link},
            settings.DEFAULT_FROM_EMAIL, [user.email])
    return True
