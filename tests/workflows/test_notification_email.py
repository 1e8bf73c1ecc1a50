"""Notification emails: the link is a full address, and users without an email address
never hold up the outbox."""

from django.core import mail

from tests.factories import UserFactory
from workflows.models import Notification
from workflows.services import notifications


def test_the_email_carries_the_case_page_as_a_full_address(db, settings):
    settings.REGISTRY_SITE_URL = "https://registry.example.gov.cn/"
    user = UserFactory(email="clerk@example.gov.cn")
    notifications.notify(users=[user], subject="新任务", body="有一份申请待审核。",
                         url="/selection/cases/3/")
    mail.outbox.clear()

    assert notifications.notifications_send() == 1

    assert "https://registry.example.gov.cn/selection/cases/3/" in mail.outbox[0].body
    assert "\n/selection/cases/3/" not in mail.outbox[0].body


def test_users_without_an_email_address_do_not_fill_the_batch(db):
    nobody = UserFactory(email="")
    for n in range(3):
        notifications.notify(users=[nobody], subject=f"#{n}", body="…")
    reader = UserFactory(email="school@example.cn")
    (waiting,) = notifications.notify(users=[reader], subject="名单已发布", body="…")
    mail.outbox.clear()

    assert notifications.notifications_send(limit=3) == 1

    assert [m.to for m in mail.outbox] == [["school@example.cn"]]
    waiting.refresh_from_db()
    assert waiting.emailed_at is not None
    assert Notification.objects.filter(user=nobody, emailed_at__isnull=True).count() == 3
