import csv
import datetime
import hashlib
import io
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from openpyxl import load_workbook

from registry import services
from registry.exports import XLSX_HEADER_ROWS, canonical
from registry.models import AuditEvent, Organization, Publication
from tests.factories import UserFactory
from tests.registry.builders import approve, bureau_admin, days, organization, person

pytestmark = pytest.mark.django_db


@pytest.fixture
def listed():
    """Nanchang city approvals: two organizations and a person valid now, and some
    that must never be published."""
    go = organization("南昌弈林围棋培训有限公司", ("少儿围棋启蒙班", "arts", "25"))
    ball = organization("南昌飞跃篮球俱乐部有限公司", ("少儿篮球班", "sport", "20"))
    retiree = person("王秀兰")
    approve(organization=go, categories=("arts",))
    approve(organization=ball)
    approve(person=retiree, categories=("reading",))
    approve(organization=organization("暂停机构有限公司"), status="suspended")
    approve(organization=organization("未生效机构有限公司"), valid_from=days(5))
    approve(organization=organization("县级机构有限公司"), where="360102")
    return {"go": go, "ball": ball, "retiree": retiree}


def _worker_runs_queued_jobs():
    """What the worker does with the background jobs the web queued (test_jobs.py follows
    the whole path through Celery)."""
    from registry.models import BackgroundJob

    for pk in BackgroundJob.objects.filter(state="queued").values_list("pk", flat=True):
        services.job_run(job_id=pk)


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_publish_snapshots_exactly_the_valid_approvals_of_the_jurisdiction(listed):
    admin, bureau = bureau_admin("360100")
    publication = services.publication_publish(actor=admin, bureau=bureau)
    names = list(publication.entries.values_list("name", flat=True))
    assert sorted(names) == sorted(["南昌弈林围棋培训有限公司", "南昌飞跃篮球俱乐部有限公司",
                                    "王秀兰"])
    assert (publication.year, publication.number) == (days(0).year, 1)
    assert publication.entry_count == 3
    assert publication.previous is None and publication.diff["first"]
    event = AuditEvent.objects.for_object(publication).get()
    assert event.action == "publication.publish" and event.data["digest"] == publication.digest


def test_second_publication_is_numbered_and_shows_the_diff(listed, client):
    admin, bureau = bureau_admin("360100")
    first = services.publication_publish(actor=admin, bureau=bureau)
    # removed: the retiree's approval is suspended; changed: an offering is added;
    # added: a new organization is approved.
    services.provider_suspend(actor=admin, bureau=bureau, person=listed["retiree"],
                              reason="核查中")
    services.offering_create(actor=admin, organization=listed["ball"],
                             category=listed["ball"].offerings.first().category,
                             title="篮球提高班", description="", grade_min=3, grade_max=6,
                             fee_per_session="30", capacity=20, weekdays=1)
    approve(organization=organization("南昌新书法学校有限公司", ("书法", "arts", "15")),
            categories=("arts",))
    second = services.publication_publish(actor=admin, bureau=bureau)
    assert second.number == first.number + 1 and second.previous == first
    names = {k: [e["name"] for e in v] for k, v in second.diff.items()}
    assert names == {"added": ["南昌新书法学校有限公司"], "removed": ["王秀兰"],
                     "changed": ["南昌飞跃篮球俱乐部有限公司"]}
    page = client.get(f"/registry/lists/p/{second.pk}/").content.decode()
    assert "南昌新书法学校有限公司" in page and "王秀兰" in page  # the removal is shown
    assert second.digest in page


def test_json_export_verifies_against_the_digest(listed, client):
    admin, bureau = bureau_admin("360100")
    publication = services.publication_publish(actor=admin, bureau=bureau)
    response = client.get(f"/registry/lists/p/{publication.pk}/export.json")
    assert response.status_code == 200 and response.streaming
    body = _body(response)
    # whoever downloads it can check it two ways: the bytes, or the re-serialized data
    assert hashlib.sha256(body).hexdigest() == publication.digest
    data = json.loads(body)
    assert hashlib.sha256(canonical(data).encode()).hexdigest() == publication.digest
    assert data["publication"]["number"] == publication.number
    assert len(data["entries"]) == 3
    # and a tampered copy does not verify
    data["entries"][0]["name"] = "篡改"
    assert hashlib.sha256(canonical(data).encode()).hexdigest() != publication.digest


def test_a_publication_is_a_snapshot_later_edits_do_not_change_it(listed, client):
    admin, bureau = bureau_admin("360100")
    publication = services.publication_publish(actor=admin, bureau=bureau)
    Organization.objects.filter(pk=listed["go"].pk).update(name="改名后的机构")
    services.provider_revoke(actor=admin, bureau=bureau, organization=listed["ball"],
                             reason="违规")
    body = _body(client.get(f"/registry/lists/p/{publication.pk}/export.json"))
    assert hashlib.sha256(body).hexdigest() == publication.digest
    assert "南昌弈林围棋培训有限公司" in body.decode() and "改名后的机构" not in body.decode()


def test_csv_has_a_bom_and_xlsx_opens_in_excel(listed, client):
    admin, bureau = bureau_admin("360100")
    publication = services.publication_publish(actor=admin, bureau=bureau)
    response = client.get(f"/registry/lists/p/{publication.pk}/export.csv")
    assert response.streaming and response["Content-Type"].startswith("text/csv")
    body = _body(response)
    assert body.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert len(rows) == 4 and "少儿围棋启蒙班" in "".join(rows[1] + rows[2] + rows[3])
    response = client.get(f"/registry/lists/p/{publication.pk}/export.xlsx")
    assert response.status_code == 200 and response.streaming
    sheet = load_workbook(io.BytesIO(_body(response)), read_only=True).active
    values = [cell for row in sheet.iter_rows(values_only=True) for cell in row]
    assert "南昌飞跃篮球俱乐部有限公司" in values and "王秀兰" in values


def test_xlsx_opens_in_excel_with_a_header_block_date_cells_and_a_frozen_filtered_header(
        listed, client):
    # given: a published list
    admin, bureau = bureau_admin("360100")
    publication = services.publication_publish(actor=admin, bureau=bureau)
    # when: a bureau downloads it as XLSX and opens it
    body = _body(client.get(f"/registry/lists/p/{publication.pk}/export.xlsx"))
    sheet = load_workbook(io.BytesIO(body)).active
    # then: the header block names the list, its publication date and its digest
    assert sheet["A1"].value == str(publication) and sheet["A1"].font.b
    assert sheet["B2"].is_date and sheet["B2"].value.date() == publication.published_on
    assert sheet["B3"].value == publication.digest
    # the column headings are bold, frozen and filterable over the whole table
    heading = XLSX_HEADER_ROWS + 1
    assert [c.value for c in sheet[heading]][:3] == ["序号", "类型", "名称"]
    assert all(c.font.b for c in sheet[heading] if c.value)
    assert sheet.freeze_panes == f"A{heading + 1}"
    # (M: the last column, what of each entry no longer holds today)
    assert sheet.auto_filter.ref == f"A{heading}:M{heading + 3}"
    # the dates are date cells, the position a number, the names text
    rows = list(sheet.iter_rows(min_row=heading + 1))
    assert len(rows) == 3
    for row in rows:
        assert row[0].data_type == "n" and isinstance(row[0].value, int)
        assert row[2].data_type == "s"
        assert row[9].is_date and row[10].is_date
        assert row[10].value.date() >= row[9].value.date()
    # each column is as wide as its longest content (a Chinese character takes two cells)
    longest_name = max(len(row[2].value) for row in rows)
    assert sheet.column_dimensions["C"].width >= 2 * longest_name
    assert sheet.column_dimensions["A"].width < sheet.column_dimensions["C"].width


def test_public_pages_and_exports_never_show_id_numbers(listed, client):
    admin, bureau = bureau_admin("360100")
    publication = services.publication_publish(actor=admin, bureau=bureau)
    id_number = listed["retiree"].id_number
    pages = [
        client.get("/registry/lists/"),
        client.get("/registry/lists/360100/"),
        client.get(f"/registry/lists/p/{publication.pk}/"),
    ]
    for response in pages:
        assert response.status_code == 200  # no login needed
        assert id_number not in response.content.decode()
    assert "王秀兰" in pages[2].content.decode()
    for fmt in ("csv", "json"):
        body = _body(client.get(f"/registry/lists/p/{publication.pk}/export.{fmt}"))
        assert "王秀兰" in body.decode("utf-8-sig") and id_number not in body.decode("utf-8-sig")
        assert id_number[:6] + id_number[6:14] not in body.decode("utf-8-sig")
    api = client.get(f"/api/v1/publications/{publication.pk}/")
    assert api.status_code == 200 and id_number not in api.content.decode()


def test_publishing_with_nothing_approved_is_refused_with_a_message(
        client, django_capture_on_commit_callbacks):
    admin, bureau = bureau_admin("360200")
    with pytest.raises(ValidationError, match="没有|Nothing"):
        services.publication_publish(actor=admin, bureau=bureau)
    assert not Publication.objects.exists()
    client.force_login(admin)
    # the web publishes in the worker (a background job): its page says why it failed
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/registry/bureau/{bureau.pk}/publish/", {"confirm": "yes"})
    _worker_runs_queued_jobs()
    assert "景德镇市" in client.get(response["Location"]).content.decode()
    assert not Publication.objects.exists()
    api = client.post("/api/v1/publications/publish/", {"bureau": bureau.pk})
    assert api.status_code == 400 and "detail" in api.json()


def test_only_the_bureaus_administrator_may_publish(listed, client):
    _admin, bureau = bureau_admin("360100")
    stranger = UserFactory()
    with pytest.raises(PermissionDenied):
        services.publication_publish(actor=stranger, bureau=bureau)
    other_admin, _other = bureau_admin("360200")
    client.force_login(other_admin)
    assert client.post("/api/v1/publications/publish/", {"bureau": bureau.pk}).status_code == 403
    assert not Publication.objects.exists()


def test_publish_through_browser_and_api(listed, client):
    admin, bureau = bureau_admin("360100")
    client.force_login(admin)
    # the page says what publishing will do; nothing is published without the confirmation
    page = client.get(f"/registry/lists/{bureau.jurisdiction.code}/").content.decode()
    preview = client.get(f"/api/v1/publications/publish-preview/?bureau={bureau.pk}").json()
    assert preview["number"] == 1 and preview["entries"] >= 1 and preview["diff"]["first"]
    assert f"{preview['entries']} 条" in page or f"{preview['entries']} entr" in page
    response = client.post(f"/registry/bureau/{bureau.pk}/publish/")
    assert response.status_code == 302 and not Publication.objects.exists()
    response = client.post(f"/registry/bureau/{bureau.pk}/publish/", {"confirm": "yes"})
    assert response.status_code == 302 and not Publication.objects.exists()
    _worker_runs_queued_jobs()  # the web publishes in the worker (tests/registry/test_jobs.py)
    assert Publication.objects.count() == 1
    preview = client.get(f"/api/v1/publications/publish-preview/?bureau={bureau.pk}").json()
    assert preview["number"] == 2 and preview["diff"]["added"] == []
    other_admin, _other = bureau_admin("360200")
    client.force_login(other_admin)
    assert client.get(f"/api/v1/publications/publish-preview/?bureau={bureau.pk}"
                      ).status_code == 403
    client.force_login(admin)
    api = client.post("/api/v1/publications/publish/", {"bureau": bureau.pk})
    assert api.status_code == 201 and api.json()["number"] == 2
    assert api.json()["diff_counts"] == {"added": 0, "removed": 0, "changed": 0}


def test_list_pages_run_a_bounded_number_of_queries(listed, client,
                                                    django_assert_max_num_queries):
    admin, bureau = bureau_admin("360100")
    for _ in range(3):
        publication = services.publication_publish(actor=admin, bureau=bureau)
    with django_assert_max_num_queries(6):
        assert client.get("/registry/lists/").status_code == 200
    with django_assert_max_num_queries(6):
        assert client.get("/registry/lists/360100/").status_code == 200
    # a list's page also says what of it no longer holds (publication_lapsed): worked out
    # by at most four queries after an approval's status changed, then one
    with django_assert_max_num_queries(10):
        assert client.get(f"/registry/lists/p/{publication.pk}/").status_code == 200
    with django_assert_max_num_queries(7):
        assert client.get(f"/registry/lists/p/{publication.pk}/").status_code == 200
    with django_assert_max_num_queries(6):
        assert client.get("/api/v1/publications/").status_code == 200
    with django_assert_max_num_queries(6):
        _body(client.get(f"/registry/lists/p/{publication.pk}/export.csv"))


def test_page_beyond_the_end_of_a_list_is_a_400(listed, client):
    admin, bureau = bureau_admin("360100")
    publication = services.publication_publish(actor=admin, bureau=bureau)
    assert client.get(f"/registry/lists/p/{publication.pk}/?page=9").status_code == 400
    assert client.get(f"/registry/lists/p/{publication.pk}/?page=x").status_code == 400


def test_exports_are_produced_in_chunks_equal_to_the_canonical_whole():
    from registry.exports import csv_stream, json_stream, publication_header
    from tests.registry.builders import jurisdiction

    publication = Publication(jurisdiction=jurisdiction("360100"), year=2026, number=3,
                              published_on=days(0), entry_count=3000)
    consumed = []

    def entries():
        for i in range(3000):
            consumed.append(i)
            yield {"key": f"person:{i}", "kind": "person", "name": f"志愿者{i}号",
                   "person_kind_name": "志愿者", "categories": [{"code": "reading",
                                                                 "name": "阅读"}],
                   "valid_from": "2026-01-01", "valid_until": "2026-12-31"}

    stream = json_stream(publication, entries())
    first = next(stream)
    assert len(consumed) < 3000  # the first chunk left before the source was read whole
    chunks = [first, *stream]
    assert len(chunks) > 1
    whole = {"entries": list(entries())[:3000], "publication": publication_header(publication)}
    assert b"".join(chunks) == canonical(whole).encode()
    assert len(list(csv_stream(entries()))) > 1


def test_exports_never_turn_an_applicants_text_into_a_formula(client):
    # given: a provider whose name and offering title look like spreadsheet formulas
    trap = organization("=HYPERLINK(\"http://evil.invalid\",\"点击\")",
                        ("+1+1 少儿围棋", "arts", "25"))
    approve(organization=trap, categories=("arts",))
    admin, bureau = bureau_admin("360100")
    publication = services.publication_publish(actor=admin, bureau=bureau)
    # when: the list is downloaded as CSV and as XLSX
    body = _body(client.get(f"/registry/lists/p/{publication.pk}/export.csv"))
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    workbook = load_workbook(
        io.BytesIO(_body(client.get(f"/registry/lists/p/{publication.pk}/export.xlsx"))))
    # then: the CSV cells start with an apostrophe, so a spreadsheet shows them as text
    names = [row[2] for row in rows[1:]]
    assert "'=HYPERLINK(\"http://evil.invalid\",\"点击\")" in names
    assert any(row[6].startswith("'+1+1 少儿围棋") for row in rows[1:])
    # and the XLSX holds them as text cells, not formulas
    cells = [cell for row in workbook.active.iter_rows() for cell in row]
    trapped = [c for c in cells if isinstance(c.value, str) and "evil.invalid" in c.value]
    assert trapped and all(c.data_type == "s" for c in trapped)
    assert not [c for c in cells if c.data_type == "f"]


@pytest.mark.parametrize(("language", "shown"), [
    ("zh-hans", "2031年4月1日"),
    ("en", "April 1, 2031"),
])
def test_the_list_page_shows_valid_until_as_a_date_of_the_readers_language(client, language,
                                                                           shown):
    # given: an approval valid until 1 April 2031, published; the snapshot keeps ISO text
    go = organization("南昌弈林围棋培训有限公司", ("少儿围棋启蒙班", "arts", "25"))
    approve(organization=go, categories=("arts",), valid_until=datetime.date(2031, 4, 1))
    admin, bureau = bureau_admin("360100")
    publication = services.publication_publish(actor=admin, bureau=bureau)
    digest = publication.digest
    # when
    page = client.get(f"/registry/lists/p/{publication.pk}/", HTTP_ACCEPT_LANGUAGE=language)
    # then: the reader's date format, not the stored text; the snapshot is as it was
    html = page.content.decode()
    assert page.status_code == 200
    assert f"<td>{shown}</td>" in html and "2031-04-01" not in html
    assert publication.entries.get().data["valid_until"] == "2031-04-01"
    body = _body(client.get(f"/registry/lists/p/{publication.pk}/export.json"))
    assert hashlib.sha256(body).hexdigest() == digest
    assert '"valid_until":"2031-04-01"' in body.decode()


def test_the_list_and_its_exports_show_what_an_individuals_approval_covers(
        client, django_assert_max_num_queries):
    # given: a swimming coach approved for grades 1–3, a reader approved before grades were
    # named (every grade), and an organization; published
    coach, reader = person("李游泳"), person("王秀兰")
    approve(person=coach, categories=("swimming",), grades=(1, 3))
    approve(person=reader, categories=("reading",))
    approve(organization=organization("南昌弈林围棋培训有限公司",
                                      ("少儿围棋启蒙班", "arts", "25")), categories=("arts",))
    for n in range(5):  # more individuals: the exports' queries do not grow with them
        approve(person=person(f"志愿者{n}号"), categories=("reading",), grades=(4, 6))
    admin, bureau = bureau_admin("360100")
    publication = services.publication_publish(actor=admin, bureau=bureau)
    # when: anyone reads the list page (in Chinese) and downloads its files
    page = client.get(f"/registry/lists/p/{publication.pk}/",
                      HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    with django_assert_max_num_queries(6):
        body = _body(client.get(f"/registry/lists/p/{publication.pk}/export.csv",
                                HTTP_ACCEPT_LANGUAGE="zh-hans"))
    rows = {row[2]: row for row in csv.reader(io.StringIO(body.decode("utf-8-sig")))}
    data = json.loads(_body(client.get(f"/registry/lists/p/{publication.pk}/export.json")))
    sheet = load_workbook(io.BytesIO(_body(client.get(
        f"/registry/lists/p/{publication.pk}/export.xlsx", HTTP_ACCEPT_LANGUAGE="zh-hans"))
    )).active
    cells = {row[2]: row for row in sheet.iter_rows(min_row=XLSX_HEADER_ROWS + 2,
                                                    values_only=True)}
    # then: each individual's categories and grades, as people read them
    assert "游泳（1–3年级）" in page and "阅读（1–9年级）" in page
    assert rows["名称"][11] == "可授课年级（个人）"
    assert rows["李游泳"][5] == "游泳" and rows["李游泳"][11] == "1–3年级"
    assert rows["王秀兰"][11] == "1–9年级" and rows["志愿者0号"][11] == "4–6年级"
    assert rows["南昌弈林围棋培训有限公司"][11] == ""  # its grades are its offerings'
    assert cells["李游泳"][11] == "1–3年级" and cells["李游泳"][5] == "游泳"
    entries = {e["name"]: e for e in data["entries"]}
    assert entries["李游泳"]["grades"] == [1, 3]
    assert entries["李游泳"]["categories"] == [{"code": "swimming", "name": "游泳"}]
    # an approval made before grades were named keeps the entry it had (same digest)
    assert "grades" not in entries["王秀兰"]
    # and still no ID number anywhere
    for who in (coach, reader):
        assert who.id_number not in page and who.id_number not in body.decode("utf-8-sig")
        assert who.id_number not in json.dumps(data, ensure_ascii=False)
