"""DRILL rosters: a 1,000-row 花名册 with every fault the roster import knows, planted at known
cells, plus merged cells, formulas and an empty sheet in front of the roster.

Passes when the import reports exactly the planted cells (row and column, each with a reason in
Chinese), saves nothing, and the same file without the faults then imports once: a second import
of it adds nothing.
"""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from bench.roster import ensure_community, write_roster
from tongxin.core.demo.street import DEMO_STREET_CODE
from tongxin.core.models import AuditEntry
from tongxin.orgs.models import Household, Org
from tongxin.people.models import PartyMember, Person, PersonGroupMembership
from tongxin.people.roster import roster_import

ROWS = 1000
EVERY = 9  # a fault every ninth data row


def _full_width(text: str) -> str:
    return text.translate(str.maketrans("0123456789", "０１２３４５６７８９"))


def _faults() -> list[tuple[str, object]]:
    """(column, how to spoil the cell): each a fault the import must name. ``"twice"`` and
    ``"merge"`` are done on the sheet (the first row copied over this one; the cell merged with
    the one below)."""
    return [
        ("身份证号", lambda v: v[:17] + ("0" if v[17] != "0" else "1")),  # a wrong check digit
        ("身份证号", lambda v: v[:17]),  # 17 digits
        ("身份证号", lambda v: float(v[:17] + "0")),  # saved as a number: 1.5E+17
        ("身份证号", _full_width),
        ("身份证号", "twice"),  # the first row's person entered again
        ("手机号", lambda v: "1381234567"),  # ten digits
        ("手机号", lambda v: _full_width("13812345678")),
        ("手机号", lambda v: "=A2"),  # a formula
        ("姓名", lambda v: '=CONCAT("张","三")'),  # a formula
        ("姓名", lambda v: "  "),
        ("网格", lambda v: "第九十九网格"),  # no such grid
        ("楼栋", lambda v: "99号楼"),  # no such building in the grid
        ("门牌号", lambda v: datetime(2024, 3, 12)),  # 3-12 turned into a date by Excel
        ("是否党员", lambda v: "也许"),
        ("人员类别", lambda v: "学生、白领"),
        ("网格", "merge"),
    ]


def _spoil(good: Path, bad: Path) -> set[tuple[int, str]]:
    """Copy ``good`` to ``bad`` with the faults planted; the (Excel row, header) of each."""
    workbook = load_workbook(good)
    sheet = workbook["花名册"]
    headers = {cell.value: cell.column for cell in sheet[1]}
    faults = _faults()
    planted: set[tuple[int, str]] = set()
    n = 0
    for row in range(2 + EVERY, ROWS + 1, EVERY):  # data rows 2..1001; row 2 stays good (it is the original)
        header, spoil = faults[n % len(faults)]
        n += 1
        column = headers[header]
        if spoil == "merge":
            letter = get_column_letter(column)
            sheet.merge_cells(f"{letter}{row}:{letter}{row + 1}")
        elif spoil == "twice":
            for c in range(1, sheet.max_column + 1):
                sheet.cell(row=row, column=c).value = sheet.cell(row=2, column=c).value
        else:
            cell = sheet.cell(row=row, column=column)
            cell.value = spoil(cell.value)
        planted.add((row, header))
    sheet.parent.create_sheet("填表说明", 0)  # an empty sheet before the roster
    workbook.save(bad)
    return planted


def _counts() -> dict[str, int]:
    return {"persons": Person.objects.count(), "households": Household.objects.count(),
            "members": PartyMember.objects.count(), "groups": PersonGroupMembership.objects.count(),
            "audit": AuditEntry.objects.count()}


def run(workdir: Path, cluster) -> tuple[bool, str]:
    street = Org.objects.get(code=DEMO_STREET_CODE)
    community = ensure_community(street=street)
    good = write_roster(workdir / "roster-good.xlsx", rows=ROWS, seed=2024)
    planted = _spoil(good, workdir / "roster-bad.xlsx")
    problems: list[str] = []

    before = _counts()
    started = time.monotonic()
    result = roster_import(by=None, org=community, file=workdir / "roster-bad.xlsx")
    check_seconds = time.monotonic() - started
    reported = {(e.row, e.column) for e in result.errors}
    if result.ok or _counts() != before:
        problems.append("the faulty file was saved, or something of it")
    if reported != planted:
        problems.append(f"missed {sorted(planted - reported)[:5]}, reported besides {sorted(reported - planted)[:5]}")
    if any(not e.reason or e.reason.isascii() for e in result.errors):
        problems.append("a fault without a reason in Chinese")
    again = roster_import(by=None, org=community, file=workdir / "roster-bad.xlsx")
    if [(e.row, e.column, e.reason) for e in again.errors] != [(e.row, e.column, e.reason) for e in result.errors]:
        problems.append("the same faulty file gave another report")

    first = roster_import(by=None, org=community, file=good)
    after_first = _counts()
    second = roster_import(by=None, org=community, file=good)
    added = {k: v - after_first[k] for k, v in _counts().items() if k != "audit" and v != after_first[k]}
    if not first.ok or first.created + first.skipped != ROWS:
        problems.append(f"the good file: ok={first.ok}, {first.created} created, {first.skipped} skipped")
    if not second.ok or second.created != 0 or second.skipped != ROWS or added:
        problems.append(f"the re-import created {second.created} and added {added}")
    for problem in problems:
        print(f"  rosters: {problem}")
    figures = (f"{ROWS} rows, {len(planted)} faults planted (merged cells, formulas, an empty sheet among them), "
               f"{len(reported & planted)} reported exactly, {len(reported - planted)} besides; saved 0; "
               f"checked in {check_seconds:.1f} s; then the clean file: {first.created} created, "
               f"re-import created {second.created}")
    return not problems, figures
