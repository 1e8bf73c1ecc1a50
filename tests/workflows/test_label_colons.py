"""Chinese takes the full-width colon "：" after a label, not the ASCII ":" ("状态: 已批准").

Three places put one there: a catalogue's msgstr (ours, or Django's admin and DRF's, which
the site shows in Chinese: ``config/locale`` overrides those), a template that typed ":"
after a ``{% translate %}`` (it writes ``{% colon %}`` now: registry/templatetags/
punctuation.py), and the pages those make.
"""

import datetime
import re
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone
from django.utils.translation import trans_real

from tests.workflows.test_selection_flow import _to_notice

CJK = "\u3400-\u9fff\u3000-\u303f\uff00-\uffef"
# Chinese text, then an ASCII colon (spaces between allowed): "状态: 已批准", "原因:"
# but not a time ("12:30"), a URL ("https://") or a code after a colon ("Bearer <令牌>")
CJK_THEN_COLON = re.compile(rf"[{CJK}][ \t]*:(?!//)")

# A template's own text, outside tags, variables, comments and translations
_TOKEN = re.compile(r"\{%\s*comment\s*%\}.*?\{%\s*endcomment\s*%\}|\{#.*?#\}"
                    r"|\{%\s*blocktrans(?:late)?\b.*?\{%\s*endblocktrans(?:late)?\s*%\}"
                    r"|\{%.*?%\}|\{\{.*?\}\}|<script\b.*?</script>|<style\b.*?</style>"
                    r"|<[^>]*>", re.S)
_TIME_OR_URL = re.compile(r"\d:\d|:(//|\d)")


def _effective_catalogue(language: str) -> dict:
    """Every msgid Django translates for ``language`` (its own, the installed apps', ours)
    with the msgstr that wins, as the pages get it."""
    catalogue = trans_real.translation(language)._catalog
    return {key: catalogue[key] for key in set(catalogue.keys())}


def test_no_chinese_msgstr_is_followed_by_an_ascii_colon():
    found = {key: text for key, text in _effective_catalogue("zh-hans").items()
             if isinstance(text, str) and CJK_THEN_COLON.search(text)}
    assert not found, found


def test_the_check_finds_an_ascii_colon_after_chinese_and_lets_times_and_urls_be():
    assert CJK_THEN_COLON.search("状态: 已批准") and CJK_THEN_COLON.search("原因:")
    assert not CJK_THEN_COLON.search("状态：已批准")
    assert not CJK_THEN_COLON.search("下午 12:30 见，见 https://example.cn/a")
    assert not CJK_THEN_COLON.search("网址 https://example.cn")


def _typed_colons(source: str) -> list[str]:
    """The colons a template types itself (not inside a translation), as "…before:"."""
    found, position = [], 0
    for token in [*_TOKEN.finditer(source), None]:
        end = token.start() if token else len(source)
        text = source[position:end]
        for colon in re.finditer(":", text):
            around = text[max(colon.start() - 1, 0):colon.start() + 3]
            if not _TIME_OR_URL.search(around):
                found.append(source[max(position - 40, 0):position + colon.end()])
        position = token.end() if token else end
    return found


TEMPLATES = sorted(p for app in ("config", "registry", "workflows", "documents", "accounts")
                   for p in (Path(settings.BASE_DIR) / app / "templates").rglob("*.html"))


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: "/".join(p.parts[-3:]))
def test_a_template_types_no_colon_after_translated_text(path):
    typed = _typed_colons(path.read_text(encoding="utf-8"))
    assert not typed, f"{path}: write {{% colon %}} (load punctuation): {typed}"


def _after(day: datetime.date):
    return time_machine.travel(datetime.datetime.combine(
        day + datetime.timedelta(days=1), datetime.time(9),
        tzinfo=timezone.get_current_timezone()))


def test_a_chinese_page_puts_the_full_width_colon_after_its_labels(world, client):
    case = _to_notice(world)
    with _after(case.notice_ends_on):
        closed = client.get(f"/selection/notices/{case.pk}/object/").content.decode()
    client.force_login(world.clerk)
    home = client.get("/", follow=True).content.decode()
    assert f"公示已结束：{world.organization.name}</h1>" in closed
    assert re.search(r"我的待办：<strong>\d+</strong>", home), home
    for page in (closed, home):
        text = re.sub(r"<[^>]*>", "", page)
        assert not CJK_THEN_COLON.search(text), CJK_THEN_COLON.findall(text)


def test_an_english_page_keeps_the_colon_and_its_space(world, client):
    case = _to_notice(world)
    with _after(case.notice_ends_on):
        closed = client.get(f"/selection/notices/{case.pk}/object/",
                            HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"The public notice is closed: {world.organization.name}</h1>" in closed


def test_a_django_form_puts_the_full_width_colon_after_its_labels(world, client):
    # Django's forms write gettext(":") after each label (label_suffix), and Django has no
    # Chinese for it: "动作:" on every form of the site
    client.force_login(world.admin)
    page = client.get(f"/registry/bureau/{world.bureau.pk}/").content.decode()
    assert '<label for="id_action">动作：</label>' in page
    # a label that ends in its own full stop takes no colon after it ("…重新申请。")
    assert re.search(r"重新申请。</label>", page), page
    english = client.get(f"/registry/bureau/{world.bureau.pk}/",
                         HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<label for="id_action">Action:</label>' in english
