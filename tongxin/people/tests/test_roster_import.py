"""花名册导入: real .xlsx files, built with openpyxl, imported through the service, the command
and the page. A file with any fault saves nothing at all."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from django.core.management import call_command, execute_from_command_line
from django.core.management.base import CommandError
from openpyxl import Workbook, load_workbook

from tongxin.core.audit import AuditAction
from tongxin.core.models import AuditEntry
from tongxin.orgs.models import Household
from tongxin.people.models import PartyMember, Person, PersonGroupMembership
from tongxin.people.roster import roster_import
from tongxin.testing import make_id_number

HEADERS = ["姓名", "性别", "身份证号", "手机号", "网格", "楼栋", "门牌号", "人员类别", "是否党员", "入党日期", "所在支部",
           "出生日期", "困难户", "老弱病残(需送学上门)", "流动党员", "困难党员", "备注"]
GRID = "八里铺第一网格"
BRANCH = "八里铺社区第一党支部"


def row(serial: int, name: str = "赵六", birth: str = "19700315", **cells) -> dict:
    """A valid resident of 八里铺社区 1号楼; ``cells`` override columns by header."""
    values = {"姓名": name, "身份证号": make_id_number(serial, birth), "手机号": f"1391234{serial:04d}",
              "网格": GRID, "楼栋": "1号楼", "门牌号": "5-501", "是否党员": "否"}
    values.update(cells)
    return values


def write_roster(path: Path, rows: list[dict], headers: list[str] = HEADERS, title: str | None = None) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "花名册"
    if title:
        sheet.append([title])
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
    sheet.append(headers)
    for values in rows:
        sheet.append([values.get(h) for h in headers])
    workbook.save(path)
    return path


def counts() -> dict[str, int]:
    return {"persons": Person.objects.count(), "households": Household.objects.count(),
            "members": PartyMember.objects.count(), "groups": PersonGroupMembership.objects.count(),
            "audit": AuditEntry.objects.count()}


def faults(result) -> list[tuple]:
    return [(e.row, e.column, e.reason) for e in result.errors]


# --- a good file ---------------------------------------------------------------------------------

def good_rows() -> list[dict]:
    return [
        row(501, "赵六", 性别="男", 手机号="13811112222", 门牌号="3-301", 人员类别="退休人员、老年人", 是否党员="是",
            入党日期="2001年7月1日", 所在支部=BRANCH, **{"老弱病残(需送学上门)": "是"}),
        row(502, "钱七", "19900202", 性别="女", 手机号=13811113333, 门牌号="3-301", 人员类别="学生,企业职工", 困难户="是"),
        row(503, "孙八", "19601010", 楼栋=None, 门牌号="平房5号", 是否党员="是", 入党日期=datetime(1995, 5, 4),
            所在支部=BRANCH, 流动党员="是", 困难党员="是", 备注="在外务工"),
        row(504, "李九", "19851111", 门牌号="1-101"),
    ]


def test_a_good_file_imports_persons_households_members_and_groups(street, tmp_path):
    path = write_roster(tmp_path / "八里铺社区花名册.xlsx", good_rows())
    before = counts()
    last_audit = AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first()
    worker = street.accounts["community_worker"]

    result = roster_import(by=worker, org=street.community_a, file=path)

    assert faults(result) == []
    assert (result.rows, result.created, result.skipped) == (4, 4, 0)
    assert (result.households_created, result.party_members_created) == (2, 2)
    zhao, qian, sun, li = (Person.objects.get(name=n) for n in ("赵六", "钱七", "孙八", "李九"))
    assert zhao.org == street.building_a1 and zhao.household.number == "3-301"
    assert zhao.household.org == street.building_a1
    assert qian.household == zhao.household and zhao.household.in_hardship
    assert (zhao.gender, zhao.birth_date) == ("M", date(1970, 3, 15))
    assert (qian.gender, qian.birth_date) == ("F", date(1990, 2, 2))
    assert zhao.id_number == make_id_number(501, "19700315") and zhao.phone == "13811112222"
    assert qian.phone == "13811113333" and qian.phone_masked == "138****3333"
    assert sorted(zhao.group_codes) == ["elderly", "retired"]
    assert sorted(qian.group_codes) == ["enterprise_staff", "student"]
    member = zhao.party_member
    assert (member.branch, member.joined_on, member.needs_home_delivery) == (street.branch_a, date(2001, 7, 1), True)
    assert member.org_path == street.building_a1.path
    assert sun.org == street.grid_a1 and sun.household.org == street.grid_a1 and sun.note == "在外务工"
    assert (sun.party_member.joined_on, sun.party_member.is_mobile, sun.party_member.in_hardship) == (
        date(1995, 5, 4), True, True)
    assert li.household == street.household_a  # an existing household is reused
    assert not PartyMember.objects.filter(person__in=[qian, li]).exists()

    after = counts()
    assert after["persons"] - before["persons"] == 4
    assert after["households"] - before["households"] == 2
    assert after["members"] - before["members"] == 2
    audit = AuditEntry.objects.filter(pk__gt=last_audit)
    assert audit.filter(action=AuditAction.PERSON_CREATED).count() == 4
    assert audit.filter(action=AuditAction.HOUSEHOLD_CREATED).count() == 2
    assert audit.filter(action=AuditAction.PARTY_MEMBER_SAVED).count() == 2
    summary = audit.get(action=AuditAction.PEOPLE_IMPORTED)
    assert summary.actor == worker and summary.object_id == str(street.community_a.pk)
    assert summary.changes == {"file": "八里铺社区花名册.xlsx", "org": "BLP-C1", "rows": 4, "created": 4, "skipped": 0,
                               "households_created": 2, "party_members_created": 2}
    # Personal data in the audit log is masked.
    for entry in audit:
        assert make_id_number(501, "19700315") not in str(entry.changes)
        assert "13811112222" not in str(entry.changes)


def test_reimporting_the_same_file_adds_nothing(street, tmp_path):
    path = write_roster(tmp_path / "roster.xlsx", good_rows())
    roster_import(by=None, org=street.community_a, file=path)
    before = counts()

    again = roster_import(by=None, org=street.community_a, file=path)

    assert again.ok and (again.created, again.skipped, again.skipped_rows) == (0, 4, [2, 3, 4, 5])
    assert (again.households_created, again.party_members_created) == (0, 0)
    after = counts()
    assert {k: after[k] - before[k] for k in after} == {
        "persons": 0, "households": 0, "members": 0, "groups": 0, "audit": 1}  # only the import's summary
    assert AuditEntry.objects.filter(action=AuditAction.PEOPLE_IMPORTED).first().changes["skipped"] == 4


def test_a_person_already_registered_is_skipped_not_an_error(street, tmp_path):
    known = street.resident_a  # 张三, already in the registry
    path = write_roster(tmp_path / "roster.xlsx", [row(601, "新人"), row(0, "张三", 身份证号=known.id_number)])

    result = roster_import(by=None, org=street.community_a, file=path)

    assert result.ok and (result.created, result.skipped, result.skipped_rows) == (1, 1, [3])
    assert Person.objects.filter(name="张三").count() == 1
    assert Person.objects.filter(name="新人").exists()


def test_an_old_15_digit_number_is_upgraded_and_matches_its_18_digit_form(street, tmp_path):
    full = make_id_number(777, "19700315")
    old = full[:6] + full[8:17]  # drop the century and the check digit
    path = write_roster(tmp_path / "roster.xlsx", [row(1, "甲", 身份证号=full), row(2, "乙", 身份证号=old)])

    result = roster_import(by=None, org=street.community_a, file=path)

    assert faults(result) == [(3, "身份证号", "与第 2 行的身份证号重复")]


def test_dry_run_checks_and_counts_but_saves_nothing(street, tmp_path):
    path = write_roster(tmp_path / "roster.xlsx", good_rows())
    before = counts()

    result = roster_import(by=None, org=street.community_a, file=path, dry_run=True)

    assert result.ok and not result.saved
    assert (result.created, result.households_created, result.party_members_created) == (4, 2, 2)
    assert counts() == before


# --- faults: each names its row, column and reason, and nothing at all is saved -----------------

BAD_CHECK = make_id_number(301)[:17] + ("0" if make_id_number(301)[17] != "0" else "1")
FULL_WIDTH_ID = make_id_number(302).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
NUMBER_MESSAGE = "身份证号被保存成了数字（如 1.5E+17），后几位已丢失；请把该列设为“文本”后重新填写"


@pytest.mark.parametrize("cells, expected", [
    ({"身份证号": BAD_CHECK}, [("身份证号", "身份证号校验位不正确，请核对")]),
    ({"身份证号": make_id_number(303)[:17]}, [("身份证号", "身份证号应为 18 位，现为 17 位")]),
    ({"身份证号": 1.50502198001e17}, [("身份证号", NUMBER_MESSAGE)]),
    ({"身份证号": 150502198001010011}, [("身份证号", NUMBER_MESSAGE)]),
    ({"身份证号": "1.50502E+17"}, [("身份证号", NUMBER_MESSAGE)]),
    ({"身份证号": FULL_WIDTH_ID}, [("身份证号", "身份证号含全角字符，请改为半角数字")]),
    ({"身份证号": None}, [("身份证号", "身份证号为空")]),
    ({"手机号": "1381234567"}, [("手机号", "手机号应为 11 位、以 1 开头的数字")]),
    ({"手机号": "１３８１２３４５６７８"}, [("手机号", "手机号含全角字符，请改为半角数字")]),
    ({"姓名": "  "}, [("姓名", "姓名不能为空")]),
    ({"网格": "第九网格"}, [("网格", "网格“第九网格”不在八里铺社区下；可填：八里铺第一网格")]),
    ({"网格": "学院第一网格", "楼栋": "7号楼"},  # a grid of the other community
     [("网格", "网格“学院第一网格”不在八里铺社区下；可填：八里铺第一网格")]),
    ({"网格": None}, [("网格", "网格不能为空")]),
    ({"楼栋": "9号楼"}, [("楼栋", "楼栋“9号楼”不在八里铺第一网格下；可填：1号楼")]),
    ({"楼栋": "7号楼"}, [("楼栋", "楼栋“7号楼”不在八里铺第一网格下；可填：1号楼")]),  # 7号楼 is in 学院社区
    ({"门牌号": datetime(2024, 3, 12)}, [("门牌号", "门牌号被 Excel 识别成了日期，请把该列设为“文本”后重新填写")]),
    ({"人员类别": "学生、白领"}, [("人员类别", "未知的人员类别“白领”；可填：学生、企业职工、个体商户、退休人员、机关事业单位人员、"
                                      "农牧民、外出务工人员、失业人员、老年人、残疾人、退役军人、新就业群体")]),
    ({"性别": "男"}, [("性别", "性别与身份证号不一致（身份证号显示为女性）")]),  # serial 402: even, a woman
    ({"性别": "未知"}, [("性别", "性别只能填“男”或“女”")]),
    ({"出生日期": "1970-03-16"}, [("出生日期", "出生日期与身份证号不一致（身份证号为 1970-03-15）")]),
    ({"是否党员": "也许"}, [("是否党员", "是否党员只能填“是”或“否”")]),
    ({"是否党员": "是", "入党日期": "2001-07-01"}, [("所在支部", "党员须填写所在支部")]),
    ({"是否党员": "是", "所在支部": BRANCH}, [("入党日期", "党员须填写入党日期")]),
    ({"是否党员": "是", "入党日期": "2001-07-01", "所在支部": "学院社区党支部"},
     [("所在支部", "所在支部“学院社区党支部”不在八里铺社区下；可填：八里铺社区第一党支部")]),
    ({"是否党员": "是", "入党日期": "去年七一", "所在支部": BRANCH},
     [("入党日期", "入党日期应为日期，如 2001-07-01 或 2001年7月1日")]),
    ({"是否党员": "是", "入党日期": (date.today() + timedelta(days=30)).isoformat(), "所在支部": BRANCH},
     [("入党日期", "入党日期不能晚于今天")]),
    ({"是否党员": "是", "入党日期": "1960-07-01", "所在支部": BRANCH}, [("入党日期", "入党日期不能早于出生日期")]),
    ({"是否党员": "否", "所在支部": BRANCH}, [("是否党员", "填写了入党日期或所在支部，“是否党员”应填“是”")]),
    ({"流动党员": "是"}, [("流动党员", "只有党员才能标记“流动党员”；不是党员请留空")]),
    ({"困难户": "是", "门牌号": None}, [("困难户", "标记了困难户，但没有填写门牌号")]),
    ({"姓名": "=CONCAT(\"张\",\"三\")"}, [("姓名", "单元格是公式，请粘贴为数值")]),
    ({"手机号": "=A2"}, [("手机号", "单元格是公式，请粘贴为数值")]),
    ({"手机号": "#N/A"}, [("手机号", "单元格是错误值 #N/A，请填写正确内容")]),
    ({"姓名": "张" * 51}, [("姓名", "姓名不能超过 50 个字")]),
])
def test_a_faulty_row_is_reported_and_nothing_is_saved(street, tmp_path, cells, expected):
    path = write_roster(tmp_path / "roster.xlsx", [row(401, "好人"), row(402, "问题人", **cells)])
    before = counts()

    result = roster_import(by=street.accounts["community_worker"], org=street.community_a, file=path)

    assert faults(result) == [(3, column, reason) for column, reason in expected]
    assert not result.ok and counts() == before


def test_every_fault_of_a_row_is_listed_in_column_order(street, tmp_path):
    path = write_roster(tmp_path / "roster.xlsx", [row(1, 身份证号=BAD_CHECK, 手机号="123", 楼栋="9号楼")])

    result = roster_import(by=None, org=street.community_a, file=path)

    assert [(e.row, e.column, e.column_letter) for e in result.errors] == [
        (2, "身份证号", "C"), (2, "手机号", "D"), (2, "楼栋", "F")]
    assert result.errors[0].cell == "C2"


def test_duplicates_in_the_file_name_both_rows(street, tmp_path):
    path = write_roster(tmp_path / "roster.xlsx", [row(11, "甲"), row(12, "乙"), row(13, "丙"), row(11, "甲二")])
    before = counts()

    result = roster_import(by=None, org=street.community_a, file=path)

    assert faults(result) == [(5, "身份证号", "与第 2 行的身份证号重复")]
    assert counts() == before


def test_row_numbers_are_excel_row_numbers_past_blank_rows_and_a_title(street, tmp_path):
    """A merged title above the header is allowed; blank rows are skipped but still counted."""
    path = tmp_path / "roster.xlsx"
    write_roster(path, [row(21, "甲"), {}, {}, row(22, "乙", 手机号="12")], title="八里铺社区居民花名册")

    result = roster_import(by=None, org=street.community_a, file=path)

    assert faults(result) == [(6, "手机号", "手机号应为 11 位、以 1 开头的数字")]


def test_headers_are_matched_loosely_and_reported_as_written(street, tmp_path):
    written = {"姓名": " 姓 名* ", "身份证号": "身份证号码", "老弱病残(需送学上门)": "老弱病残\n（需送学上门）"}
    headers = [written.get(h, h) for h in HEADERS]
    good, bad = row(31), row(32, 身份证号="12345", **{"老弱病残(需送学上门)": "是"})
    path = write_roster(tmp_path / "roster.xlsx", [{written.get(h, h): r.get(h) for h in HEADERS} for r in (good, bad)],
                        headers=headers)

    result = roster_import(by=None, org=street.community_a, file=path)

    assert faults(result) == [
        (3, "身份证号码", "身份证号应为 18 位，现为 5 位"),
        (3, "老弱病残（需送学上门）", "只有党员才能标记“老弱病残(需送学上门)”；不是党员请留空"),
    ]


def test_a_merged_cell_is_reported_once_with_its_range(street, tmp_path):
    path = write_roster(tmp_path / "roster.xlsx", [row(41, "甲"), row(42, "乙", 网格=None), row(43, "丙")])
    workbook = load_workbook(path)
    workbook.active.merge_cells("E2:E3")
    workbook.save(path)
    before = counts()

    result = roster_import(by=None, org=street.community_a, file=path)

    # Row 3's blank grid is the merge's doing: not reported a second time.
    assert faults(result) == [(2, "网格", "合并单元格 E2:E3：请取消合并，并在每一行填写完整")]
    assert counts() == before


def test_an_empty_workbook_and_a_sheet_with_only_headers(street, tmp_path):
    empty = tmp_path / "empty.xlsx"
    Workbook().save(empty)
    only_headers = write_roster(tmp_path / "headers.xlsx", [])

    assert faults(roster_import(by=None, org=street.community_a, file=empty)) == [(None, "", "工作表为空")]
    assert faults(roster_import(by=None, org=street.community_a, file=only_headers)) == [
        (None, "", "工作表为空：只有表头，没有人员数据")]


def test_missing_headers_are_named(street, tmp_path):
    headers = [h for h in HEADERS if h not in ("身份证号", "所在支部")]
    path = write_roster(tmp_path / "roster.xlsx", [row(51)], headers=headers)

    result = roster_import(by=None, org=street.community_a, file=path)

    assert faults(result) == [(1, "身份证号", "缺少表头“身份证号”"), (1, "所在支部", "缺少表头“所在支部”")]


def test_a_header_given_twice_is_reported(street, tmp_path):
    path = write_roster(tmp_path / "roster.xlsx", [row(52)], headers=HEADERS + ["手机号码"])

    result = roster_import(by=None, org=street.community_a, file=path)

    assert [(e.row, e.column, e.reason, e.column_letter) for e in result.errors] == [
        (1, "手机号", "表头“手机号”出现了多次（D、R 列），请只保留一列", "R")]


def test_a_sheet_without_any_header_names_what_is_missing(street, tmp_path):
    path = tmp_path / "roster.xlsx"
    workbook = Workbook()
    workbook.active.append(["张三", "男", make_id_number(61)])
    workbook.save(path)

    result = roster_import(by=None, org=street.community_a, file=path)

    assert faults(result)[:2] == [(1, "姓名", "缺少表头“姓名”"), (1, "性别", "缺少表头“性别”")]
    assert len(result.errors) == 11  # every required header


def test_files_that_are_not_xlsx_workbooks_are_refused(street, tmp_path):
    fake = tmp_path / "roster.xlsx"
    fake.write_bytes(b"\xd0\xcf\x11\xe0 an old binary or encrypted workbook")
    csv = tmp_path / "roster.csv"
    csv.write_text("姓名,身份证号\n", encoding="utf-8")

    assert faults(roster_import(by=None, org=street.community_a, file=fake)) == [
        (None, "", "无法打开文件：不是有效的 .xlsx 工作簿（如设置了打开密码，请先取消密码）")]
    assert faults(roster_import(by=None, org=street.community_a, file=csv)) == [
        (None, "", "只能导入 .xlsx 格式的 Excel 文件；.xls 或 .csv 文件请先在 Excel/WPS 中另存为 .xlsx")]


def test_a_street_import_finds_grids_of_every_community(street, tmp_path):
    path = write_roster(tmp_path / "roster.xlsx", [
        row(71, "甲"), row(72, "乙", 网格="学院第一网格", 楼栋="7号楼", 门牌号="2-202")])

    result = roster_import(by=street.accounts["street_admin"], org=street.street, file=path)

    assert result.ok and result.created == 2
    assert Person.objects.get(name="乙").household == street.household_b


def test_five_thousand_rows_import_in_batches(street, tmp_path):
    path = tmp_path / "big.xlsx"
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("花名册")
    sheet.append(HEADERS)
    first_day = date(1950, 1, 1)
    for i in range(5000):
        birth = (first_day + timedelta(days=i // 400)).strftime("%Y%m%d")
        member = i % 10 == 0
        sheet.append([f"居民{i}", "", make_id_number(i % 400, birth), f"138{i:08d}", GRID, "1号楼", f"{i // 4 + 1}-1",
                      "退休人员" if i % 3 else "", "是" if member else "否", "2001-07-01" if member else None,
                      BRANCH if member else None])
    workbook.save(path)
    before = counts()

    result = roster_import(by=None, org=street.community_a, file=path)

    assert faults(result) == [] and result.created == 5000
    after = counts()
    assert after["persons"] - before["persons"] == 5000
    assert after["households"] - before["households"] == 1250
    assert after["members"] - before["members"] == 500
    assert after["groups"] - before["groups"] == 3333
    assert AuditEntry.objects.filter(action=AuditAction.PERSON_CREATED).count() >= 5000
    assert Person.objects.get(name="居民4999").household.number == "1250-1"


# --- the command -----------------------------------------------------------------------------------

def test_command_imports_and_reports(street, tmp_path):
    path = write_roster(tmp_path / "roster.xlsx", good_rows())
    out = io.StringIO()

    call_command("import_people", str(path), "--org", "BLP-C1", "--by", "community_worker", stdout=out)

    assert "导入完成：共 4 行，新增 4 人（其中党员 2 人），新建 2 户；已存在，跳过 0 人" in out.getvalue()
    assert AuditEntry.objects.get(action=AuditAction.PEOPLE_IMPORTED).actor == street.accounts["community_worker"]


def test_command_fails_with_status_1_and_a_table_and_saves_nothing(street, tmp_path):
    path = write_roster(tmp_path / "roster.xlsx", [row(81, "甲"), row(82, "乙", 身份证号=BAD_CHECK, 楼栋="9号楼")])
    before = counts()
    err = io.StringIO()

    with pytest.raises(CommandError) as failure:
        call_command("import_people", str(path), "--org", "BLP-C1", stderr=err)

    assert failure.value.returncode == 1
    assert "有 2 处错误，未保存任何数据" in str(failure.value)
    lines = err.getvalue().splitlines()
    assert lines[0].split() == ["行", "列", "原因"]
    assert lines[2].split() == ["3", "身份证号（C）", "身份证号校验位不正确，请核对"]
    assert lines[3].split() == ["3", "楼栋（F）", "楼栋“9号楼”不在八里铺第一网格下；可填：1号楼"]
    assert counts() == before


def test_command_dry_run_and_unknown_org(street, tmp_path):
    path = write_roster(tmp_path / "roster.xlsx", good_rows())
    out = io.StringIO()
    before = counts()

    call_command("import_people", str(path), "--org", "BLP-C1", "--dry-run", stdout=out)

    assert "检查通过（未保存）" in out.getvalue() and counts() == before
    with pytest.raises(CommandError, match="找不到编码为 NOPE 的组织"):
        call_command("import_people", str(path), "--org", "NOPE")


@pytest.mark.django_db(transaction=True)
def test_command_exit_status_from_the_command_line(street, tmp_path, capsys):
    good = write_roster(tmp_path / "good.xlsx", [row(91, "甲")])
    bad = write_roster(tmp_path / "bad.xlsx", [row(92, "乙", 手机号="1")])

    with pytest.raises(SystemExit) as exit_info:
        execute_from_command_line(["manage.py", "import_people", str(bad), "--org", "BLP-C1"])
    assert exit_info.value.code == 1
    captured = capsys.readouterr()
    assert "手机号应为 11 位、以 1 开头的数字" in captured.err
    assert not Person.objects.filter(name="乙").exists()

    execute_from_command_line(["manage.py", "import_people", str(good), "--org", "BLP-C1"])  # no SystemExit: 0
    assert "新增 1 人" in capsys.readouterr().out
    assert Person.objects.filter(name="甲").exists()


# --- the page ------------------------------------------------------------------------------------

def _upload(client, path: Path, org: str = "BLP-C1", **extra):
    with open(path, "rb") as handle:
        return client.post(f"/people/import/?org={org}", {"file": handle, **extra})


def test_page_shows_the_form_and_the_template_link(client, street):
    client.force_login(street.accounts["community_worker"])

    response = client.get("/people/import/?org=BLP-C1")

    assert response.status_code == 200
    body = response.content.decode()
    assert 'type="file"' in body and "/people/import/template.xlsx?org=BLP-C1" in body


def test_page_upload_with_faults_shows_the_table_and_saves_nothing(client, street, tmp_path):
    client.force_login(street.accounts["community_worker"])
    path = write_roster(tmp_path / "roster.xlsx", [row(111, "甲"), row(112, "乙", 身份证号=make_id_number(112)[:17])])
    before = counts()

    response = _upload(client, path)

    assert response.status_code == 200
    body = response.content.decode()
    assert "roster.xlsx 有 1 处错误，未导入任何数据" in body
    assert '<td data-label="行">3</td>' in body
    assert '<td data-label="列">身份证号（C）</td>' in body
    assert '<td data-label="原因">身份证号应为 18 位，现为 17 位</td>' in body
    assert counts() == before


def test_page_upload_of_a_good_file_imports_and_redirects_to_the_list(client, street, tmp_path):
    worker = street.accounts["community_worker"]
    client.force_login(worker)
    path = write_roster(tmp_path / "roster.xlsx", good_rows())

    response = _upload(client, path)

    assert response.status_code == 302 and response["Location"] == "/people/?org=BLP-C1"
    assert Person.objects.filter(name__in=["赵六", "钱七", "孙八", "李九"]).count() == 4
    assert AuditEntry.objects.get(action=AuditAction.PEOPLE_IMPORTED).actor == worker
    page = client.get(response["Location"])
    assert "roster.xlsx 导入完成：新增 4 人（其中党员 2 人），新建 2 户；已存在，跳过 0 人" in page.content.decode()


def test_page_dry_run_saves_nothing(client, street, tmp_path):
    client.force_login(street.accounts["community_worker"])
    path = write_roster(tmp_path / "roster.xlsx", good_rows())
    before = counts()

    response = _upload(client, path, dry_run="on")

    assert response.status_code == 200 and "检查通过（未保存）：共 4 行，可新增 4 人" in response.content.decode()
    assert counts() == before


def test_page_refuses_files_that_are_not_xlsx(client, street, tmp_path):
    client.force_login(street.accounts["community_worker"])
    path = tmp_path / "roster.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0")

    response = _upload(client, path)

    assert response.status_code == 200
    assert "只能导入 .xlsx 格式的 Excel 文件" in response.content.decode()


@pytest.mark.parametrize("role, org, status", [
    ("street_admin", "BLP-C1", 200),
    ("community_worker", "BLP-C1", 200),
    ("community_worker", "BLP-C2", 403),  # another community
    ("community_worker", "BLP", 403),  # the street above
    ("grid_worker", "BLP-C1", 403),
    ("building_head", "BLP-C1", 403),
    ("superior", "BLP-C1", 403),
    ("party_member", "BLP-C1", 403),
    ("resident", "BLP-C1", 403),
    ("auditor", "BLP-C1", 403),
])
def test_import_page_permission_matrix(client, street, role, org, status):
    client.force_login(street.accounts[role])
    assert client.get(f"/people/import/?org={org}").status_code == status
    assert client.get(f"/people/import/template.xlsx?org={org}").status_code == status


def test_grid_worker_cannot_upload(client, street, tmp_path):
    client.force_login(street.accounts["grid_worker"])
    path = write_roster(tmp_path / "roster.xlsx", [row(121, "甲")])
    before = counts()

    assert _upload(client, path).status_code == 403
    assert counts() == before


def test_import_page_needs_a_login_and_an_org(client, street):
    assert client.get("/people/import/?org=BLP-C1").status_code == 302
    client.force_login(street.accounts["community_worker"])
    assert client.get("/people/import/").status_code == 404
    assert client.get("/people/import/?org=NOPE").status_code == 404


# --- the template --------------------------------------------------------------------------------

def test_template_downloads_with_headers_example_help_and_text_columns(client, street):
    client.force_login(street.accounts["community_worker"])

    response = client.get("/people/import/template.xlsx?org=BLP-C1")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "filename*=utf-8''%E8%8A%B1%E5%90%8D%E5%86%8C%E6%A8%A1%E6%9D%BF.xlsx" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert workbook.sheetnames == ["花名册", "说明"]
    sheet = workbook["花名册"]
    assert [c.value for c in sheet[1]] == HEADERS
    assert sheet["A2"].value.startswith("示例") and sheet["E2"].value == GRID and sheet["K2"].value == BRANCH
    for letter in ("C", "D", "G"):  # ID, phone and house number are text
        assert sheet[f"{letter}2"].number_format == "@"
        assert sheet.column_dimensions[letter].number_format == "@"
    assert sheet["C2"].data_type == "s"
    help_text = " ".join(str(c.value) for r in workbook["说明"].iter_rows() for c in r if c.value)
    assert "八里铺第一网格" in help_text and "1号楼" in help_text and BRANCH in help_text


def test_the_filled_template_imports_cleanly(client, street, tmp_path):
    client.force_login(street.accounts["community_worker"])
    response = client.get("/people/import/template.xlsx?org=BLP-C1")
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = workbook["花名册"]
    for serial, name in ((131, "周一"), (132, "吴二")):
        values = row(serial, name, 是否党员="是", 入党日期=date(2010, 7, 1), 所在支部=BRANCH)
        sheet.append([values.get(h) for h in HEADERS])
    path = tmp_path / "花名册模板.xlsx"
    workbook.save(path)

    response = _upload(client, path)

    assert response.status_code == 302
    assert set(Person.objects.filter(name__in=["周一", "吴二"]).values_list("party_member__branch", flat=True)) == {
        street.branch_a.pk}
    assert not Person.objects.filter(name__startswith="示例").exists()  # the example row is skipped
