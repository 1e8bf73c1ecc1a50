"""The blacklist proposals page names the administrator who proposed as every page names a
person: by their name, never by their username (often an e-mail address)."""

import pytest

from registry import services
from tests.registry.builders import approve, bureau_admin, person

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("language", "said"), [
    ("zh-hans", "由南昌市教育局的张卫东于"),
    ("en", "Proposed by 张卫东 of 南昌市教育局 on"),
])
def test_the_proposer_is_named_by_name_not_by_username(client, language, said):
    admin, bureau = bureau_admin("360100")
    admin.username, admin.first_name, admin.last_name = "zhang.wd@nc-edu.example.cn", "张卫东", ""
    admin.save()
    province_admin, province = bureau_admin("360000")
    retiree = person("王秀兰")
    approve(person=retiree, where="360102", categories=("reading",))
    services.blacklist_propose(actor=admin, bureau=bureau, reason="严重违规", years=2,
                               person=retiree)
    client.force_login(province_admin)
    page = client.get(f"/registry/bureau/{province.pk}/blacklist-proposals/",
                      HTTP_ACCEPT_LANGUAGE=language)
    assert page.status_code == 200
    text = page.content.decode()
    assert said in text, text
    assert "zhang.wd@nc-edu.example.cn" not in text
