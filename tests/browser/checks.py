"""What every page of every role must be, checked in the browser: accessible (axe-core, WCAG
2.1 AA: no serious or critical violation), no wider than a phone's screen at 390×844, and
free of the raw values and untranslated English that used to leak under zh-hans.

Use ``check_page(page)`` after each page a journey opens (or the ``check_page`` fixture).
A page that fails fails the test: nothing here is skipped, filtered away or retried.
"""

import re

try:
    from axe_playwright_python.sync_playwright import Axe
except ImportError:  # pragma: no cover - conftest skips (or, under CI, fails) these tests
    Axe = None

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}

# Strings that leaked onto Chinese pages and must never be seen there again:
# viewflow's developer messages and branding, Python values, enum codes, paginator English.
LEAKED = [
    "Viewflow Demo suite", "Django Material", "Django 站点管理员", "No viewsets found",
    "No applications found", "To place content here", "True", "False", "None",
    "Brief", "Process brief", "Inbox", "Queue", "Archive", "Dashboard", "Log out",
    "Profile", "Assign", "Unassign", "Task", "Created", "Start", "End",
    "Process summary",
]
# an enum's code in brackets ("37 (rejected)") or the paginator's "1-2 of 2"
LEAKED_PATTERNS = [re.compile(r"\d+\s*\((?:[a-z_]+)\)"), re.compile(r"\b\d+\s*-\s*\d+ of \d+\b"),
                   # template syntax rendered as text (a {# #} comment over several lines)
                   re.compile(r"\{[#%{].{0,40}")]

_TEXT_JS = """() => {
  // every text a person can be shown: visible or in the closed menu, not scripts or styles
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT, {
    acceptNode: n => ['SCRIPT', 'STYLE', 'TEMPLATE', 'NOSCRIPT'].includes(
      n.parentElement && n.parentElement.tagName) ? NodeFilter.FILTER_REJECT
      : NodeFilter.FILTER_ACCEPT});
  const parts = [];
  while (walker.nextNode()) parts.push(walker.currentNode.nodeValue);
  const attrs = [...document.querySelectorAll('[title],[aria-label],[placeholder],[alt]')]
    .flatMap(e => ['title', 'aria-label', 'placeholder', 'alt'].map(a => e.getAttribute(a) || ''));
  return parts.concat(attrs, [document.title]).join('\\n');
}"""

_WIDTH_JS = """() => {
  const wide = [...document.querySelectorAll('body *')].filter(e => {
    // a box whose own content scrolls sideways (a sheet or card hiding a wide table in it)
    const s = getComputedStyle(e);
    // perfect-scrollbar (viewflow's process board) scrolls by script under overflow: hidden
    const scrolls = ['auto', 'scroll'].includes(s.overflowX) || e.matches('.ps, .ps-container');
    return scrolls && e.scrollWidth > e.clientWidth + 1
      && !e.closest('.portal-scroll') && e.clientWidth > 0;
  }).map(e => e.tagName.toLowerCase() + '.' + String(e.className).split(' ')[0]);
  // the innermost elements that reach past the screen's right edge, to say what to fix
  const past = [...document.querySelectorAll('main *')].filter(e =>
    e.getBoundingClientRect().right > window.innerWidth + 1 &&
    ![...e.children].some(c => c.getBoundingClientRect().right > window.innerWidth + 1))
    .map(e => e.tagName.toLowerCase() + '.' + String(e.className).split(' ')[0] + ' "'
         + (e.textContent || '').trim().slice(0, 30) + '"');
  return {scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth,
          scrollingBoxes: wide.slice(0, 5), past: past.slice(0, 5)};
}"""

def axe_violations(page) -> list[str]:
    """axe-core's serious and critical violations on the page, as "rule: target" lines.

    Measured once the page's fonts have loaded, as a reader sees it: before the icon font
    arrives an icon is its ligature's name ("vpn_key") in the fallback font, which axe then
    measured as text (a CI run failed so)."""
    page.evaluate("() => document.fonts.ready.then(() => true)")
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": [
        "wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}, "resultTypes": ["violations"]})
    return [f"{v['id']}: {node['target']} ({v['help']})"
            for v in results.response["violations"] if v["impact"] in ("serious", "critical")
            for node in v["nodes"]]


def width_problems(page) -> list[str]:
    """Sideways scrolling at the page's width: the document or a box inside it."""
    measured = page.evaluate(_WIDTH_JS)
    problems = []
    if measured["scrollWidth"] > measured["innerWidth"]:
        problems.append(f"page is {measured['scrollWidth']} px wide on a "
                        f"{measured['innerWidth']} px screen: {measured['past']}")
    problems += [f"{box} scrolls sideways" for box in measured["scrollingBoxes"]]
    return problems


_TRUNCATED_JS = """() => [...document.querySelectorAll(
    'main label, main legend, main th, main .mdc-floating-label, main .vf-field__label')]
  // a label cut short ("创建时…"): its text is wider than its box, which hides the rest
  .filter(e => e.offsetParent !== null && e.scrollWidth > e.clientWidth + 1)
  .map(e => `${e.tagName.toLowerCase()} "${e.textContent.trim().slice(0, 40)}" `
            + `(${e.scrollWidth} px of text in ${e.clientWidth} px)`)"""


def truncated_labels(page) -> list[str]:
    """The field labels, legends and column headings that are cut short on the page."""
    return page.evaluate(_TRUNCATED_JS)


def leaked_text(page) -> list[str]:
    """The leaked English words and raw values found on a zh-hans page."""
    text = page.evaluate(_TEXT_JS)
    found = [w for w in LEAKED if re.search(rf"(?<![A-Za-z]){re.escape(w)}(?![A-Za-z])", text)]
    found += [m.group(0) for pattern in LEAKED_PATTERNS for m in pattern.finditer(text)]
    return found


def check_page(page, *, language: str = "zh-hans") -> None:
    """Fail with every problem the page has: axe, width (at a phone's size), leaked text."""
    problems = [f"script error {error}" for error in getattr(page, "script_errors", [])]
    problems += [f"axe {line}" for line in axe_violations(page)]
    if page.viewport_size and page.viewport_size["width"] <= PHONE["width"]:
        problems += width_problems(page)
    if language == "zh-hans":
        problems += [f"leaked {w!r}" for w in leaked_text(page)]
    assert not problems, f"{page.url}:\n  " + "\n  ".join(problems)
