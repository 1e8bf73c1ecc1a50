"""A HEAD request to a public page (published lists, their exports, public notices, the
parents' page, the gate's permit check, the signing key) answers as GET would — same status,
same headers — with no body; never 405 (link checkers, caches and monitors send HEAD)."""

import pytest
from django.test import Client

from registry import services
from tests.registry.builders import approve, bureau_admin, organization, school_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_cache")]

# the headers a cache or a link checker reads: HEAD must give the same
COMPARED = ("Content-Type", "Content-Disposition", "Content-Language", "Cache-Control",
            "ETag", "Last-Modified", "X-Content-SHA256", "Vary")


@pytest.fixture
def published():
    approve(organization=organization("南昌弈林围棋培训有限公司", ("少儿围棋启蒙班", "arts", "25")),
            categories=("arts",))
    admin, bureau = bureau_admin("360100")
    return services.publication_publish(actor=admin, bureau=bureau)


PUBLIC = ["/registry/lists/", "/registry/lists/360100/", "/registry/lists/p/{pk}/",
          "/registry/lists/p/{pk}/export.csv", "/registry/lists/p/{pk}/export.json",
          "/registry/lists/p/{pk}/export.xlsx", "/registry/lists/p/{pk}/export.json.sig",
          "/selection/notices/", "/registry/schools/{school}/after-school/",
          "/keys/registry-signing-key.pem",
          # a permit that is no permit: a 404 page, to HEAD as to GET
          "/verify/not-a-permit-token", "/registry/lists/p/999999/"]


@pytest.mark.parametrize("path", PUBLIC)
def test_head_answers_as_get_without_a_body(published, path):
    _user, school = school_user("360102")
    url = path.format(pk=published.pk, school=school.pk)
    get = Client().get(url)
    head = Client().head(url)
    assert get.status_code in (200, 404), (url, get.status_code)
    assert head.status_code == get.status_code, (url, head.status_code)
    body = (b"".join(head.streaming_content) if head.streaming else head.content)
    assert body == b""
    for name in COMPARED:
        assert head.get(name) == get.get(name), (url, name)
