"""No inline event handlers: the Content-Security-Policy (script-src 'self', no
'unsafe-inline') blocks them, so a button that relies on one does nothing.

viewflow's pages to take or hand back several tasks at once had a Back button with
``onclick="window.history.back(-1)…"``; config/templates/viewflow/ overrides them (and the
bulk delete page) with a link to the list the user came from.
"""

from html.parser import HTMLParser

from django.test import Client
from django.urls import reverse

from tests.workflows.conftest import open_tasks
from workflows.services import selection


class _Handlers(HTMLParser):
    """Collects every ``on…=`` attribute of the page, and where its Back button leads."""

    def __init__(self):
        super().__init__()
        self.handlers, self.back, self._link = [], None, None

    def handle_starttag(self, tag, attrs):
        self.handlers += [f"<{tag} {name}=…>" for name, _value in attrs
                          if name.lower().startswith("on")]
        if tag == "a":
            self._link = dict(attrs)

    def handle_data(self, data):
        if data.strip() == "arrow_back" and self._link is not None:  # the Back button's icon
            self.back = self._link.get("href")

    def handle_endtag(self, tag):
        if tag == "a":
            self._link = None


def _parse(response) -> _Handlers:
    assert response.status_code == 200, response.status_code
    parser = _Handlers()
    parser.feed(response.content.decode())
    return parser


def test_task_pages_carry_no_inline_event_handlers(world):
    w = world
    case = selection.selection_apply(actor=w.provider, organization=w.organization,
                                     bureau=w.bureau, offerings=[w.offering])
    [task] = open_tasks(case, "qualification")
    client = Client()
    client.force_login(w.clerk)
    base = f"/organizationselection/{case.pk}/qualification/{task.pk}"

    # the confirmation page for taking the selected tasks from the queue
    page = _parse(client.post("/organizationselection/queue/assign/", {"pk": [task.pk]}))
    assert not page.handlers, page.handlers
    assert page.back == reverse("organizationselection:queue")
    # a single task's pages
    assert not _parse(client.get(f"{base}/assign/")).handlers
    client.post(f"{base}/assign/", {"_continue": "1"})
    assert not _parse(client.get(f"{base}/execute/")).handlers
    assert not _parse(client.get(f"{base}/detail/")).handlers
    assert not _parse(client.get(f"{base}/unassign/")).handlers
    # the confirmation page for handing the selected tasks back
    page = _parse(client.post("/organizationselection/inbox/unassign/", {"pk": [task.pk]}))
    assert not page.handlers, page.handlers
    assert page.back == reverse("organizationselection:inbox")


def test_viewflows_pages_with_an_inline_back_button_are_overridden():
    from django.conf import settings
    from django.template.loader import get_template

    for name in ("viewflow/workflow/tasks_assign.html", "viewflow/workflow/tasks_unassign.html",
                 "viewflow/views/delete_action.html"):
        template = get_template(name).template
        assert template.origin.name.startswith(str(settings.BASE_DIR / "config" / "templates"))
        assert "onclick=" not in template.source, name
