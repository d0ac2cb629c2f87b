"""花名册导入: a community's roster workbook into the registry, all or nothing.

Two passes, so that memory stays bounded on 100,000 rows:

1. *Check* streams the sheet (openpyxl read-only), checks every row and collects every fault
   with its Excel row, column and reason. Rows that pass are looked up by keyed hash a
   thousand at a time; those not registered yet are built with ``person_build`` — so ID and
   phone numbers are encrypted — and written in batches to an anonymous temporary file, which
   therefore holds no plain personal data. What stays in memory is one keyed hash per row
   (duplicates within the file) and the households the file names.
2. *Save*, only if no row has a fault: inside one transaction, create the missing households,
   then read the batches back and insert persons, their groups and party member profiles with
   bulk inserts; each row gets its audit entry, and the import one summary entry.

A person whose ID number is already registered (same ``id_number_hash``) is skipped, not an
error, so importing the same file twice adds nothing. Existing persons and households are
never changed by an import.
"""

from __future__ import annotations

import pickle
import tempfile
from collections.abc import Iterator
from datetime import date
from operator import itemgetter
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from openpyxl.utils import column_index_from_string, get_column_letter, range_boundaries

from tongxin.core import personal_data
from tongxin.core.audit import AuditAction, audit_record
from tongxin.core.identity import birth_date_from_id, gender_from_id, normalize_id_number, normalize_phone
from tongxin.learning.services.coverage import coverage_refresh_persons
from tongxin.orgs.models import Household, Org, OrgKind
from tongxin.orgs.services import household_bulk_get_or_create
from tongxin.people.models import Person
from tongxin.people.services import (
    PersonData, party_member_build, party_member_bulk_create, person_build, person_bulk_create,
)

from .columns import (
    BY_KEY, COLUMNS, HEADER_KEYS, CellError, clean_name, clean_text, normalize_header, parse_date, parse_gender,
    parse_groups, parse_yes_no,
)
from .places import RosterPlaces
from .result import RosterError, RosterImportResult
from .sheet import RosterFileError, RosterSheet, file_name_of

MAX_ROWS = 200_000
BATCH_SIZE = 2000
HEADER_SEARCH_ROWS = 10  # the header may sit under a title, within the first rows
EXAMPLE_PREFIX = "示例"  # the template's example row; rows whose name starts so are ignored
IMPORT_ORG_KINDS = (OrgKind.STREET, OrgKind.TOWNSHIP, OrgKind.COMMUNITY, OrgKind.VILLAGE, OrgKind.GRID)

# A person as the values of its columns, in field order: what the spool holds (see _flush_batch).
_person_values = itemgetter(*[field.attname for field in Person._meta.concrete_fields])


class _Member(NamedTuple):
    branch_id: int
    joined_on: date
    needs_home_delivery: bool
    is_mobile: bool
    in_hardship: bool


class _Pending(NamedTuple):
    """A row that passed every check, until it is known whether its person is registered: only
    a new person is built (and its numbers encrypted), so a re-import costs the checks alone."""

    row: int
    data: PersonData
    id_hash: str
    household: str  # number, "" for none
    groups: tuple[str, ...]
    member: _Member | None


class _Checked(NamedTuple):
    """A row that passed every check. The unsaved person (from ``person_build``) holds its
    ID and phone numbers only encrypted, so it may be written to the spool file."""

    row: int
    person: Person
    household: str  # number, "" for none
    groups: tuple[str, ...]
    member: _Member | None


def roster_import(*, by, org: Org, file, dry_run: bool = False) -> RosterImportResult:
    """Import a roster workbook into ``org`` (a community, village, street or grid).

    ``file`` is a path or a binary file object (an upload). Nothing is saved if any row has
    a fault, or with ``dry_run``. The caller checks ``people.import_people`` on ``org``.
    """
    result = RosterImportResult(file_name=file_name_of(file), org=org, dry_run=dry_run)
    if org.kind not in IMPORT_ORG_KINDS:
        result.add_error(None, "", _("只能导入到街道、社区（嘎查村）或网格"))
        return result
    with tempfile.TemporaryFile() as spool:
        run = _RosterRun(org=org, result=result, spool=spool)
        try:
            run.check(file)
        except RosterFileError as exc:
            result.add_error(None, "", str(exc))
        result.sort_errors()
        if not result.ok:
            return result
        if dry_run:
            result.households_created = run.count_new_households()
            return result
        try:
            run.save(by=by)
        except IntegrityError:
            # Someone registered one of these persons or households between the check and the
            # save; the transaction is rolled back and the file can simply be imported again.
            result.created = result.households_created = result.party_members_created = 0
            result.add_error(None, "", _("导入期间有人同时登记了其中的人员或户，本次未保存任何数据，请重新导入"))
    return result


class _RosterRun:
    def __init__(self, *, org: Org, result: RosterImportResult, spool):
        self.org = org
        self.result = result
        self.spool = spool
        self.places = RosterPlaces(org)
        self.columns: dict[int, str] = {}  # column number → key
        self.headers: dict[str, tuple[str, str]] = {}  # key → (header as written, letter)
        self.seen: dict[str, int] = {}  # ID hash → first row
        self.pending: list[_Pending] = []
        self.batch: list[_Checked] = []
        self.header_row: int | None = None
        self.households: set[tuple[int, str]] = set()  # (org id, number) of the new persons
        self.hardship: set[tuple[int, str]] = set()  # households marked 困难户
        self.today = date.today()

    # -- pass 1 ---------------------------------------------------------------------------

    def check(self, file) -> None:
        sheet = RosterSheet(file)
        try:
            self._check_rows(sheet)
        finally:
            sheet.close()

    def _check_rows(self, sheet: RosterSheet) -> None:
        result = self.result
        first_filled: tuple[int, list[dict]] | None = None
        for row_number, cells in sheet.rows():
            if self.header_row is None:
                if not any(clean_text(c["value"]) for c in cells):
                    continue
                first_filled = first_filled or (row_number, cells)
                recognised = {HEADER_KEYS.get(normalize_header(c["value"])) for c in cells} - {None}
                if len(recognised) < 2:
                    if row_number < first_filled[0] + HEADER_SEARCH_ROWS - 1:
                        continue  # a title above the table
                    break
                self.header_row = row_number
                if not self._read_header(row_number, cells):
                    return
                continue
            values = {}
            for cell in cells:
                key = self.columns.get(cell["column"])
                if key is not None:
                    values[key] = cell
            if not any(c["data_type"] == "f" or clean_text(c["value"]) for c in values.values()):
                continue  # blank row
            if result.rows >= MAX_ROWS:
                result.add_error(row_number, "", _("行数超过上限 %(n)d，请分成几个文件导入") % {"n": MAX_ROWS})
                return
            self._check_row(row_number, values)
        if self.header_row is None:
            if first_filled is None:
                result.add_error(None, "", _("工作表为空"))
            else:  # no row looks like the header: say what the first filled row lacks
                self._read_header(*first_filled)
            return
        if result.rows == 0 and result.ok:
            result.add_error(None, "", _("工作表为空：只有表头，没有人员数据"))
        self._check_merged(sheet.merged_ranges)
        self._flush_pending()
        self._flush_batch()

    def _read_header(self, row_number: int, cells: list[dict]) -> bool:
        """Map the columns by their headers; report headers missing or given twice."""
        result = self.result
        letters: dict[str, list[str]] = {}
        for cell in cells:
            key = HEADER_KEYS.get(normalize_header(cell["value"])) if cell["data_type"] != "f" else None
            if key is None:
                continue
            letter = get_column_letter(cell["column"])
            letters.setdefault(key, []).append(letter)
            if key not in self.headers:
                self.columns[cell["column"]] = key
                self.headers[key] = ("".join(clean_text(cell["value"]).split()), letter)
        for key, found in letters.items():
            if len(found) > 1:
                result.add_error(row_number, self.headers[key][0],
                                 _("表头“%(h)s”出现了多次（%(cols)s 列），请只保留一列")
                                 % {"h": BY_KEY[key].header, "cols": "、".join(found)}, found[1])
        for column in COLUMNS:
            if column.required and column.key not in self.headers:
                result.add_error(row_number, column.header, _("缺少表头“%(h)s”") % {"h": column.header})
        return result.ok

    def _error(self, row: int, key: str, reason: str) -> None:
        header, letter = self.headers.get(key, (BY_KEY[key].header, ""))
        self.result.add_error(row, header, reason, letter)

    def _check_row(self, row: int, cells: dict[str, dict]) -> None:
        """Check one data row; every fault is reported, not only the first."""
        faults: list[tuple[str, str]] = []
        values: dict[str, object] = {}
        for key, cell in cells.items():
            if cell["data_type"] == "f":
                faults.append((key, _("单元格是公式，请粘贴为数值")))
            elif cell["data_type"] == "e":
                faults.append((key, _("单元格是错误值 %(v)s，请填写正确内容") % {"v": cell["value"]}))
            else:
                values[key] = cell["value"]
        name = clean_name(values.get("name"))
        if name.startswith(EXAMPLE_PREFIX):
            return
        self.result.rows += 1
        if not name:
            if "name" not in dict(faults):
                faults.append(("name", _("姓名不能为空")))
        elif len(name) > 50:
            faults.append(("name", _("姓名不能超过 50 个字")))

        id_number = ""
        raw_id = values.get("id_number")
        if isinstance(raw_id, str):
            raw_id = clean_text(raw_id).lstrip("'")  # a text marker typed by hand
        try:
            id_number = normalize_id_number(raw_id)
        except ValidationError as exc:
            if "id_number" not in dict(faults):
                faults.append(("id_number", exc.messages[0]))
        phone = ""
        raw_phone = values.get("phone")
        try:
            phone = normalize_phone(clean_text(raw_phone).lstrip("'") if isinstance(raw_phone, str) else raw_phone)
        except ValidationError as exc:
            faults.append(("phone", exc.messages[0]))

        gender = ""
        try:
            gender = parse_gender(values.get("gender"))
        except CellError as exc:
            faults.append(("gender", str(exc)))
        if gender and id_number and gender != gender_from_id(id_number):
            faults.append(("gender", _("性别与身份证号不一致（身份证号显示为%(g)s性）")
                           % {"g": _("男") if gender_from_id(id_number) == "M" else _("女")}))

        birth_date = None
        try:
            birth_date = parse_date(values.get("birth_date"), "出生日期")
        except CellError as exc:
            faults.append(("birth_date", str(exc)))
        if birth_date and id_number and birth_date != birth_date_from_id(id_number):
            faults.append(("birth_date", _("出生日期与身份证号不一致（身份证号为 %(d)s）")
                           % {"d": birth_date_from_id(id_number).isoformat()}))
        birth = birth_date or (birth_date_from_id(id_number) if id_number else None)

        place = self._place(values, faults)
        number = self._household_number(values, faults)

        groups: list[str] = []
        try:
            groups = parse_groups(values.get("groups"))
        except CellError as exc:
            faults.append(("groups", str(exc)))

        flags = {}
        for key in ("household_hardship", "needs_home_delivery", "is_mobile", "member_hardship", "is_member"):
            try:
                flags[key] = parse_yes_no(values.get(key), BY_KEY[key].header)
            except CellError as exc:
                faults.append((key, str(exc)))
                flags[key] = None
        if flags["household_hardship"] and not number and "household" not in dict(faults):
            faults.append(("household_hardship", _("标记了困难户，但没有填写门牌号")))
        member = self._member(values, flags, birth, faults)

        note = clean_text(values.get("note"))
        if len(note) > 200:
            faults.append(("note", _("备注不能超过 200 个字")))

        id_hash = personal_data.lookup_hash(id_number) if id_number else ""
        if id_hash:
            first = self.seen.setdefault(id_hash, row)
            if first != row:
                faults.insert(0, ("id_number", _("与第 %(row)d 行的身份证号重复") % {"row": first}))
        for key, reason in faults:
            self._error(row, key, reason)
        if faults or not self.result.ok:
            return  # once the file has a fault nothing will be saved; keep checking only
        # Groups stay out: parse_groups has checked them, and person_bulk_create takes them apart.
        data = PersonData(name=name, org=place, id_number=id_number, phone=phone, gender=gender, birth_date=birth,
                          note=note)
        self.pending.append(_Pending(row, data, id_hash, number, tuple(groups), member))
        if flags["household_hardship"]:
            self.hardship.add((place.pk, number))
        if len(self.pending) >= 1000:
            self._flush_pending()

    def _place(self, values: dict, faults: list) -> Org | None:
        place, fault = self.places.place(clean_text(values.get("grid")), clean_text(values.get("building")))
        if fault and fault[0] not in dict(faults):  # not already reported (a formula, say)
            faults.append(fault)
        return place

    def _household_number(self, values: dict, faults: list) -> str:
        raw = values.get("household")
        if isinstance(raw, date):
            # Excel turns 3-12 into 12 March unless the column is text.
            faults.append(("household", _("门牌号被 Excel 识别成了日期，请把该列设为“文本”后重新填写")))
            return ""
        number = clean_text(raw)
        if len(number) > 50:
            faults.append(("household", _("门牌号不能超过 50 个字")))
            return ""
        return number

    def _member(self, values: dict, flags: dict, birth: date | None, faults: list) -> _Member | None:
        joined_on = None
        try:
            joined_on = parse_date(values.get("joined_on"), "入党日期")
        except CellError as exc:
            faults.append(("joined_on", str(exc)))
        branch_name = clean_text(values.get("branch"))
        member_only = [k for k in ("needs_home_delivery", "is_mobile", "member_hardship") if flags[k]]
        if not flags["is_member"]:
            if flags["is_member"] is None and "is_member" in dict(faults):
                return None
            if joined_on or branch_name:
                faults.append(("is_member", _("填写了入党日期或所在支部，“是否党员”应填“是”")))
            for key in member_only:
                faults.append((key, _("只有党员才能标记“%(h)s”；不是党员请留空") % {"h": BY_KEY[key].header}))
            return None
        branch, fault = self.places.branch(branch_name)
        if fault and fault[0] not in dict(faults):
            faults.append(fault)
        if joined_on is None:
            if "joined_on" not in dict(faults):
                faults.append(("joined_on", _("党员须填写入党日期")))
        elif joined_on > self.today:
            faults.append(("joined_on", _("入党日期不能晚于今天")))
        elif birth and joined_on <= birth:
            faults.append(("joined_on", _("入党日期不能早于出生日期")))
        if branch is None or joined_on is None:
            return None
        return _Member(branch.pk, joined_on, bool(flags["needs_home_delivery"]), bool(flags["is_mobile"]),
                       bool(flags["member_hardship"]))

    def _check_merged(self, ranges: list[str]) -> None:
        """A merged range leaves all but its first cell blank: report the range once, and drop
        the faults it caused in the cells it covers."""
        result = self.result
        merged = []
        for ref in ranges:
            min_col, min_row, max_col, max_row = range_boundaries(ref)
            if max_row < self.header_row:
                continue  # a title above the table
            keys = [self.columns[c] for c in range(min_col, max_col + 1) if c in self.columns]
            if not keys:
                continue  # outside the roster's columns, e.g. a title beside the table
            merged.append((min_col, min_row, max_col, max_row))
            header, letter = self.headers[keys[0]]
            result.add_error(min_row, header, _("合并单元格 %(ref)s：请取消合并，并在每一行填写完整") % {"ref": ref},
                             letter)

        def covered(error: RosterError) -> bool:
            if not (error.row and error.column_letter):
                return False
            col = column_index_from_string(error.column_letter)
            return any(c1 <= col <= c2 and r1 <= error.row <= r2 and (error.row, col) != (r1, c1)
                       for c1, r1, c2, r2 in merged)

        if merged:
            result.drop_errors(covered)

    def _flush_pending(self) -> None:
        """Decide for the pending rows: already registered (skip) or new (build and spool)."""
        if not self.pending:
            return
        hashes = [item.id_hash for item in self.pending]
        existing = set(Person.objects.filter(id_number_hash__in=hashes).values_list("id_number_hash", flat=True))
        for item in self.pending:
            if item.id_hash in existing:
                self.result.skipped += 1
                self.result.skipped_rows.append(item.row)
                continue
            try:
                person = person_build(item.data)
            except ValidationError as exc:  # the row's checks cover these; reported all the same
                for key, messages in exc.message_dict.items():
                    self._error(item.row, {"org": "grid", "household": "household"}.get(key, "name"), messages[0])
                continue
            self.result.created += 1
            if item.member:
                self.result.party_members_created += 1
            if item.household:
                self.households.add((person.org_id, item.household))
            self.batch.append(_Checked(item.row, person, item.household, item.groups, item.member))
            if len(self.batch) >= BATCH_SIZE:
                self._flush_batch()
        self.pending = []

    def _flush_batch(self) -> None:
        # Each person goes to the spool as the values of its columns (ID and phone encrypted),
        # not as a model instance: pickling instances took ten times as long.
        if self.batch:
            pickle.dump([(item.row, _person_values(item.person.__dict__), item.household, item.groups, item.member)
                         for item in self.batch], self.spool, protocol=pickle.HIGHEST_PROTOCOL)
            self.batch = []

    def _batches(self) -> Iterator[list[_Checked]]:
        self.spool.seek(0)
        while True:
            try:
                batch = pickle.load(self.spool)
            except EOFError:
                return
            # Positional arguments are the concrete fields in order, as for a row read from the database.
            yield [_Checked(row, Person(*values), household, groups, member)
                   for row, values, household, groups, member in batch]

    def count_new_households(self) -> int:
        org_ids = sorted({org_id for org_id, _n in self.households})
        existing = set()
        for start in range(0, len(org_ids), 500):
            existing.update(Household.objects.filter(org_id__in=org_ids[start:start + 500])
                            .values_list("org_id", "number"))
        return len(self.households - existing)

    # -- pass 2 ---------------------------------------------------------------------------

    @transaction.atomic
    def save(self, *, by) -> None:
        result, places = self.result, self.places
        # Only the households of persons created: rows skipped as already registered need none.
        wanted = {(places.by_id[org_id], number): (org_id, number) in self.hardship
                  for org_id, number in self.households}
        households, result.households_created = household_bulk_get_or_create(by=by, wanted=wanted)
        for batch in self._batches():
            rows = []
            for item in batch:
                person = item.person
                if item.household:
                    person.household = households[(person.org_id, item.household)]
                rows.append((person, list(item.groups)))
            persons = person_bulk_create(by=by, rows=rows, refresh_coverage=False)
            party_member_bulk_create(by=by, refresh_coverage=False, members=[
                party_member_build(person=person, branch=places.by_id[item.member.branch_id],
                                   joined_on=item.member.joined_on, needs_home_delivery=item.member.needs_home_delivery,
                                   is_mobile=item.member.is_mobile, in_hardship=item.member.in_hardship)
                for person, item in zip(persons, batch) if item.member
            ])
            # The batch's coverage rows in one pass, with the member profiles already in place.
            coverage_refresh_persons([p.pk for p in persons], new=True)
        audit_record(by=by, action=AuditAction.PEOPLE_IMPORTED, obj=self.org, changes={
            "file": result.file_name, "org": self.org.code, "rows": result.rows, "created": result.created,
            "skipped": result.skipped, "households_created": result.households_created,
            "party_members_created": result.party_members_created,
        })
