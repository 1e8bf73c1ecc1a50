"""The public notices (公示) name each offering's category in the reader's language: in
English the registry's English name (``name_en``), in Chinese the Chinese one."""

from tests.workflows.test_selection_flow import _to_notice


def test_the_notices_name_the_offerings_category_in_the_readers_language(world, client):
    case = _to_notice(world)
    assert [o.category.code for o in case.offerings.all()] == ["sport"]
    english = client.get("/selection/notices/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "少儿围棋启蒙班（Sport）" in english and "体育" not in english
    chinese = client.get("/selection/notices/",
                         HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "少儿围棋启蒙班（体育）" in chinese
