"""A notification names whom it concerns (workflows.services.notifications: ``about``).

A clerk of two bureaus, or a provider user acting for two organizations, read "New task:
material check (#12)" or "Application #12 is in public notice" without knowing which bureau
or which organization it was about. Now each notification names it — beside it on the
notifications page, in the API and first in the email's subject ("【南昌市教育局】…"), read
from the notification's own row (no query per notification).
"""

from django.core import mail

from registry import notifications as registry_notifications
from registry import services as registry_services
from registry.roles import Role
from tests.factories import OrganizationFactory
from tests.workflows.test_selection_flow import _apply, _to_notice
from workflows.models import Notification
from workflows.services import notifications


def test_a_clerk_of_two_bureaus_reads_which_bureau_a_new_task_is_at(world, client):
    w = world
    registry_services.role_grant(actor=w.root, user=w.clerk, role=Role.BUREAU_CLERK,
                                 target=w.other_bureau)
    case = _apply(w)
    client.force_login(w.clerk)
    page = client.get("/selection/notifications/").content.decode()
    assert f"#{case.pk}" in page
    assert f"涉及：{w.bureau.name}" in page
    assert f"涉及：{w.other_bureau.name}" not in page  # nothing happened there


def test_a_provider_of_two_organizations_reads_which_one_a_notice_is_about(world, client):
    w = world
    second = OrganizationFactory(name="南昌第二培训有限公司")
    registry_services.role_grant(actor=w.root, user=w.provider, role=Role.PROVIDER,
                                 target=second)
    case = _to_notice(w)
    [note] = Notification.objects.filter(user=w.provider, subject__contains="公示")
    assert note.concerns == w.organization.name
    client.force_login(w.provider)
    page = client.get("/selection/notifications/").content.decode()
    assert f"涉及：{w.organization.name}" in page and f"涉及：{second.name}" not in page
    api = client.get("/api/v1/notifications/").json()
    rows = api["results"] if isinstance(api, dict) else api
    assert {"subject": note.subject, "concerns": w.organization.name} in [
        {"subject": r["subject"], "concerns": r["concerns"]} for r in rows]
    # the email says it first, as a Chinese notice does
    mail.outbox.clear()
    notifications.notifications_send(ids=[note.pk])
    [email] = [m for m in mail.outbox if m.to == [w.provider.email]]
    assert email.subject == f"【{w.organization.name}】{note.subject}"
    assert f"#{case.pk}" in email.subject


def test_a_person_is_named_by_name_never_with_the_masked_id_number(world):
    w = world
    [note] = notifications.notify(users=[w.provider], subject="新消息", body="…",
                                  about=w.person)
    assert note.concerns == w.person.name and w.person.masked_id not in note.concerns


def test_the_notifications_page_asks_the_same_whatever_the_number_of_organizations(
        world, client, django_assert_max_num_queries):
    w = world
    client.force_login(w.provider)
    notifications.notify(users=[w.provider], subject="第一条", body="…", about=w.organization)
    with django_assert_max_num_queries(30) as one:
        client.get("/selection/notifications/")
    for n in range(20):
        notifications.notify(users=[w.provider], subject=f"消息{n}", body="…",
                             about=OrganizationFactory())
    with django_assert_max_num_queries(len(one.captured_queries)):
        page = client.get("/selection/notifications/").content.decode()
    assert page.count("涉及：") == 21


def _each(world):
    w = world
    registry_notifications.notify_each([
        registry_notifications.Message([w.provider, None], "机构的消息", "…",
                                       about=w.organization),
        registry_notifications.Message([w.clerk], "教育局的消息", "…", url="/x/",
                                       about=w.bureau),
        registry_notifications.Message([], "无人可告知", "…")])


def _told() -> list:
    return sorted(Notification.objects.values_list("user_id", "subject", "url", "concerns"))


def test_several_notifications_at_once_each_name_whom_they_concern(
        world, monkeypatch, django_assert_num_queries):
    # given a message to each of two users, about what each acts for (and one to nobody)
    w = world
    expected = [(w.provider.pk, "机构的消息", "", w.organization.name),
                (w.clerk.pk, "教育局的消息", "/x/", w.bureau.name)]
    Notification.objects.all().delete()
    # when they are sent together: one insert (inside its savepoint) for all of them
    with django_assert_num_queries(3):
        _each(world)
    assert _told() == sorted(expected)
    # and without a sender for several at once, each goes through the one-by-one sender
    Notification.objects.all().delete()
    monkeypatch.setattr(registry_notifications, "_many_sender", None)
    _each(world)
    assert _told() == sorted(expected)
