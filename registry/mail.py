"""The email of an organization's invitation, built from its id (the Celery task's
argument): the link carries a signed token naming the invitation."""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from registry.models import ProviderInvitation

INVITATION_SALT = "registry.provider-invitation"


def invitation_token(invitation: ProviderInvitation) -> str:
    return signing.dumps({"i": invitation.pk, "e": invitation.email}, salt=INVITATION_SALT)


def provider_invitation_send(*, invitation_id: int, base_url: str) -> bool:
    """Email the invitation's link; nothing (False) once it is used or expired."""
    invitation = (ProviderInvitation.objects.select_related("organization", "person")
                  .filter(pk=invitation_id, accepted_at__isnull=True,
                          expires_at__gt=timezone.now()).first())
    if invitation is None:
        return False
    link = base_url.rstrip("/") + reverse("registry:invitation-accept",
                                          args=[invitation_token(invitation)])
    with translation.override(settings.LANGUAGE_CODE):
        if invitation.person_id:
            what = _("%(organization)s invites you to take over your own record on its staff "
                     "roster (%(name)s), so that you can see it and give your consent in your "
                     "own account.") % {"organization": invitation.organization.name,
                                        "name": invitation.person.name}
        else:
            what = _("%(organization)s invites you to act for it in the after-school provider "
                     "registry.") % {"organization": invitation.organization.name}
        body = _("%(what)s\n\nSign up or sign in with this email address, then open this "
                 "link (it works once, until %(until)s):\n\n%(link)s") % {
            "what": what, "link": link,
            "until": timezone.localtime(invitation.expires_at).strftime("%Y-%m-%d %H:%M")}
        send_mail(_("Invitation from %(organization)s") % {
            "organization": invitation.organization.name}, body,
            settings.DEFAULT_FROM_EMAIL, [invitation.email])
    return True
