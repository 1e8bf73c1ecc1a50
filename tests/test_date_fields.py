"""Issue 23 (4): every date is entered with the registry's date field (typed as 2026-09-01 or
2026年9月1日, with a calendar button beside it), in the portal's forms and in viewflow's
task forms alike: viewflow's own date component (an input mask of one format) is nowhere."""

import datetime
import pathlib
import re

import pytest
from django import forms
from django.utils import translation
from viewflow.forms.renderers import FormLayout

from registry.widgets import DateField, DateInput

ROOT = pathlib.Path(__file__).resolve().parents[1]
APPS = ("registry", "documents", "workflows", "accounts", "config")
# a date field or a date input written by hand, outside registry.widgets
HAND_MADE = re.compile(r"forms\.DateField\(|forms\.DateInput\(|[\"']type[\"']:\s*[\"']date[\"']"
                       r"|<input[^>]*type=\"date\"")


def test_no_form_or_template_makes_its_own_date_input():
    found = []
    for app in APPS:
        for path in (ROOT / app).rglob("*"):
            if path.suffix not in (".py", ".html") or "migrations" in path.parts:
                continue
            if path.name == "widgets.py" and app == "registry":
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if HAND_MADE.search(line):
                    found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not found, "use registry.widgets.DateField:\n" + "\n".join(found)


def test_the_task_forms_date_fields_are_the_registrys():
    from workflows.forms import VerificationForm
    from workflows.review_forms import DecideForm

    for form_class, name in ((VerificationForm, "query_date"), (DecideForm, "rectification_due")):
        field = form_class.base_fields[name]
        assert isinstance(field, DateField) and isinstance(field.widget, DateInput), name


class _Form(forms.Form):
    starts_on = DateField(label="开始日期")


def test_viewflow_draws_the_registrys_date_field_as_a_text_field_with_the_picker():
    html = FormLayout().render(_Form(initial={"starts_on": datetime.date(2026, 9, 1)}))
    assert "vf-field-date" not in html
    [field] = re.findall(r"<vf-field-input[^>]*>", html)
    assert 'class="portal-date-input"' in field and 'type="text"' in field
    assert 'value="2026-09-01"' in field and 'name="starts_on"' in field
    assert "data-picker-label" in field


@pytest.mark.parametrize("typed", ["2026-09-01", "2026年9月1日", "2026年09月01日", "2026/9/1"])
def test_a_date_is_read_as_people_write_it(typed):
    with translation.override("zh-hans"):
        form = _Form({"starts_on": typed})
        assert form.is_valid(), form.errors
    assert form.cleaned_data["starts_on"] == datetime.date(2026, 9, 1)
