"""The re-check (复查) of a yearly re-query's record hit, decided: everyone concerned learns
the outcome, each what is theirs to know. Once a confirmed bar ends, the person reads
what that means, and the employer and the schools it cut off learn that the person is no
longer barred (never why); whoever recorded or confirmed the hit learns the outcome. The
queue does not offer them a decision they may not make. Through the pages, as the users
would."""

import datetime
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from registry import services
from registry.models import BlacklistProposal, RecheckRequest, RecordRequery
from registry.roles import Role
from tests.after.beat import at, beat_day
from tests.factories import UserFactory
from tests.registry.builders import organization
from workflows.models import Notification

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


@pytest.fixture
def hit(people, client):
    """``willing`` (their own account; employed by an organization whose user is
    ``manager``; engaged by a school) has a record hit in the yearly re-query, recorded
    by the clerk; a second clerk and two administrators serve the bureau."""
    bureau, clerk = people["bureau"], people["clerk"]
    person = people["willing"]["person"]
    person.organization = organization("明德艺术中心")
    person.save(update_fields=["organization"])
    manager = UserFactory()
    services.role_grant(actor=None, user=manager, role=Role.PROVIDER, target=person.organization)
    staff = {}
    for name, role in (("admin", Role.BUREAU_ADMIN), ("admin2", Role.BUREAU_ADMIN),
                       ("clerk2", Role.BUREAU_CLERK)):
        staff[name] = UserFactory()
        services.role_grant(actor=None, user=staff[name], role=role, target=bureau)
    beat_day(datetime.date(2027, 3, 1))
    requery = RecordRequery.objects.get(person=person)
    with at(datetime.date(2027, 3, 5)):
        client.force_login(clerk)
        recorded = client.post(reverse("registry:requery-record", args=[bureau.pk, requery.pk]),
                               {"query_reference": "CX-2027-001", "query_date": "2027-03-04",
                                "result": "hit"}, **ZH)
        assert recorded.status_code == 302
    return {**people, **staff, "person": person, "manager": manager,
            "proposal": BlacklistProposal.objects.get(person=person)}


def _confirm(hit, client):
    with at(datetime.date(2027, 3, 6)):
        client.force_login(hit["admin"])
        confirmed = client.post(reverse("registry:blacklist-confirm", args=[
            hit["bureau"].pk, hit["proposal"].pk]), {"reason": "核实无误"}, **ZH)
        assert confirmed.status_code == 302


def _recheck_decided(hit, client, outcome):
    with at(datetime.date(2027, 3, 7)):
        client.force_login(hit["person"].user)
        asked = client.post(reverse("registry:my-sanction-recheck", args=[hit["proposal"].pk]),
                            {"statement": "同名同姓，附派出所证明",
                             "evidence": SimpleUploadedFile("证明.pdf", PDF,
                                                            content_type="application/pdf")},
                            **ZH)
        assert asked.status_code == 302
    Notification.objects.all().delete()
    with at(datetime.date(2027, 3, 8)):
        client.force_login(hit["clerk2"])
        decided = client.post(reverse("registry:recheck-decide", args=[
            hit["bureau"].pk, RecheckRequest.objects.get().pk]),
            {"outcome": outcome, "reason": "经复查系同名误报"}, **ZH)
        assert decided.status_code == 302


def _told(user):
    return list(Notification.objects.filter(user=user))


def test_a_confirmed_bar_lifted_on_recheck_is_told_to_the_employer_and_the_schools(hit,
                                                                                   client):
    # given a confirmed bar, which revoked the approval and ended the school's engagement
    _confirm(hit, client)
    # when a clerk who neither recorded nor confirmed it lifts it on re-check
    _recheck_decided(hit, client, "lifted")
    # then the school it cut off learns the person is no longer barred, and what it may do
    [school_news] = _told(hit["school_account"])
    assert school_news.subject == "教育局已解除对 willing 的限制"
    assert "重新获得准入后，可通过检索再次引进" in school_news.body
    assert school_news.url == reverse("registry:school-engagements")
    # the employer too, with a link to the person's page it may open, and what to do
    [employer_news] = _told(hit["manager"])
    assert employer_news.subject == "教育局已解除对 willing 的限制"
    assert "请为其重新申请审查" in employer_news.body
    client.force_login(hit["manager"])
    assert client.get(employer_news.url, **ZH).status_code == 200
    # neither learns why: no record, no query, no re-check, no reason
    for news in (school_news, employer_news):
        words = news.subject + news.body
        assert not any(w in words for w in ("记录", "查询", "复查", "同名误报", "核实无误"))
    # who recorded and who confirmed the hit learn the outcome, in the queue they may open
    for user in (hit["clerk"], hit["admin"]):
        [news] = _told(user)
        assert news.subject == "一项复查已有决定：撤销"
        client.force_login(user)
        queue = client.get(news.url, **ZH)
        assert queue.status_code == 200 and "经复查系同名误报" in queue.content.decode()
    # and the person reads what the outcome means for them
    client.force_login(hit["person"].user)
    page = client.get(reverse("registry:my-sanctions"), **ZH).content.decode()
    assert ("您已不再受限制。确认限制时被撤销的准入资格仍为撤销：如需重新提供服务，"
            "请重新申请审查。") in page


def test_a_pending_bar_lifted_or_a_bar_upheld_reads_as_what_it_means(hit, client):
    # a bar dropped before it was confirmed: the approval held for it is back
    _recheck_decided(hit, client, "lifted")
    client.force_login(hit["person"].user)
    page = client.get(reverse("registry:my-sanctions"), **ZH).content.decode()
    assert "限制已取消，您不受限制。因该记录而暂停的准入资格已恢复有效" in page
    assert "确认限制时被撤销" not in page
    # nothing was confirmed: nobody but the person and the recorder hears of an end of a bar
    assert not any("解除对" in n.subject for n in _told(hit["school_account"]))


def test_an_upheld_recheck_says_the_decision_stands(hit, client):
    _confirm(hit, client)
    client.force_login(hit["person"].user)
    page = client.get(reverse("registry:my-sanctions"), **ZH).content.decode()
    assert "您已被禁止从事面向儿童的工作" in page
    _recheck_decided(hit, client, "upheld")
    client.force_login(hit["person"].user)
    page = client.get(reverse("registry:my-sanctions"), **ZH).content.decode()
    assert "复查维持该记录：上述决定仍然有效。" in page
    assert _told(hit["school_account"]) == [] and _told(hit["manager"]) == []


def test_the_queue_offers_no_decision_to_who_recorded_or_confirmed_the_hit(hit, client):
    _confirm(hit, client)
    with at(datetime.date(2027, 3, 7)):
        client.force_login(hit["person"].user)
        client.post(reverse("registry:my-sanction-recheck", args=[hit["proposal"].pk]),
                    {"statement": "申请复查"}, **ZH)
    recheck = RecheckRequest.objects.get()
    action = reverse("registry:recheck-decide", args=[hit["bureau"].pk, recheck.pk])
    queue = reverse("registry:rechecks", args=[hit["bureau"].pk])
    for user in (hit["clerk"], hit["admin"]):  # recorded it; confirmed it
        client.force_login(user)
        page = client.get(queue, **ZH).content.decode()
        assert action not in page
        assert "此查询记录由您记录或确认：其复查须由本局其他审核员或管理员决定。" in page
    for user in (hit["clerk2"], hit["admin2"]):
        client.force_login(user)
        page = client.get(queue, **ZH).content.decode()
        assert action in page and "此查询记录由您记录或确认" not in page


def test_each_waiting_recheck_has_its_own_form_fields(hit, client):
    """Two re-checks waiting: each form's fields have their own ids, so that each label
    names its own field (a screen reader, a click on the label), not the first form's."""
    # given a second person of the bureau with a record hit, and both asking for a re-check
    other = hit["silent"]["person"]
    services.person_bar_for_record_hit(actor=hit["clerk"], bureau=hit["bureau"], person=other,
                                       reason="年度入职查询查到记录")
    for person in (hit["person"], other):
        client.force_login(person.user)
        proposal = BlacklistProposal.objects.get(person=person)
        assert client.post(reverse("registry:my-sanction-recheck", args=[proposal.pk]),
                           {"statement": "申请复查"}, **ZH).status_code == 302
    # when a clerk who recorded neither opens the queue
    client.force_login(hit["clerk2"])
    page = client.get(reverse("registry:rechecks", args=[hit["bureau"].pk]), **ZH)
    body = page.content.decode()
    # then every field id is there once, and each label is for one of them
    ids = re.findall(r'<(?:select|textarea) name="(?:outcome|reason)"[^>]* id="([^"]+)"', body)
    assert len(ids) == 4 and len(set(ids)) == 4
    assert sorted(re.findall(r'<label for="(id_recheck[^"]+)"', body)) == sorted(ids)
