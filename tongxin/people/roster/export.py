"""人员名单导出: the people a cadre may see, as an Excel workbook, with masked personal data."""

from __future__ import annotations

from typing import BinaryIO

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from tongxin.core.audit import AuditAction, audit_record
from tongxin.orgs.models import Org, OrgKind
from tongxin.orgs.selectors import org_ancestors, org_subtree
from tongxin.people.models import Person, PersonGroup

# A cell starting with one of these is run as a formula by Excel and WPS (e.g. a name typed
# as =HYPERLINK("http://…","点我")). Tab and carriage return are on OWASP's list too.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def excel_safe(value: str) -> str:
    """Text that Excel shows as text: a leading single quote disarms a would-be formula."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def _headers() -> list[str]:
    return [_("姓名"), _("性别"), _("出生日期"), _("身份证号"), _("手机号"), _("社区"), _("网格"), _("楼栋"),
            _("门牌号"), _("人员类别"), _("是否党员"), _("所在支部"), _("入党日期"), _("党员情况"), _("备注")]


_WIDTHS = (10, 6, 12, 22, 14, 14, 16, 10, 10, 20, 9, 22, 12, 22, 20)


class _Places:
    """Community, grid and building names of a person's place, from one query per export."""

    def __init__(self, org: Org):
        self.by_id = {o.pk: o for o in org_subtree(org).only("id", "name", "kind", "path")}
        self.by_id.update({o.pk: o for o in org_ancestors(org)})
        self._cache: dict[int, tuple[str, str, str]] = {}

    def names(self, person: Person) -> tuple[str, str, str]:
        if person.org_id not in self._cache:
            found = {OrgKind.COMMUNITY: "", OrgKind.GRID: "", OrgKind.BUILDING: ""}
            for part in person.org_path.strip("/").split("/"):
                item = self.by_id.get(int(part))
                if item is None:
                    continue
                kind = OrgKind.COMMUNITY if item.kind == OrgKind.VILLAGE else item.kind
                if kind in found:
                    found[kind] = item.name
            self._cache[person.org_id] = (found[OrgKind.COMMUNITY], found[OrgKind.GRID], found[OrgKind.BUILDING])
        return self._cache[person.org_id]


def people_export_workbook(*, by, org: Org, people: QuerySet[Person], out: BinaryIO,
                           filters: dict | None = None) -> int:
    """Write ``people`` (already scoped by the caller, see ``person_list``) to ``out`` as .xlsx.

    ID and phone numbers are masked; every text cell is made formula-safe. The workbook is
    written in openpyxl's write-only mode, so a large list never sits in memory. The export is
    audited. Returns the number of persons written.
    """
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("人员名单"))
    for index, width in enumerate(_WIDTHS):
        sheet.column_dimensions[get_column_letter(index + 1)].width = width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for title in _headers():
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = bold
        header.append(cell)
    sheet.append(header)

    places = _Places(org)
    gender_labels = {"M": _("男"), "F": _("女")}
    group_labels = {code: str(label) for code, label in PersonGroup.choices}
    yes = _("是")
    count = 0
    rows = (people.select_related("household", "party_member__branch").prefetch_related("group_memberships")
            .iterator(chunk_size=2000))
    for person in rows:
        member = getattr(person, "party_member", None)
        community, grid, building = places.names(person)
        marks = []
        if member is not None:
            if member.needs_home_delivery:
                marks.append(_("老弱病残(需送学上门)"))
            if member.is_mobile:
                marks.append(_("流动党员"))
            if member.in_hardship:
                marks.append(_("困难党员"))
        texts = [
            person.name, gender_labels.get(person.gender, ""), None, person.id_number_masked, person.phone_masked,
            community, grid, building, person.household.number if person.household_id else "",
            "、".join(group_labels.get(m.group, m.group) for m in person.group_memberships.all()),
            yes if member is not None else _("否"), member.branch.name if member is not None else "",
            None, "、".join(marks), person.note,
        ]
        row = [excel_safe(v) if isinstance(v, str) else v for v in texts]
        row[2] = _date_cell(sheet, person.birth_date)
        row[12] = _date_cell(sheet, member.joined_on if member is not None else None)
        sheet.append(row)
        count += 1
    workbook.save(out)
    audit_record(by=by, action=AuditAction.PEOPLE_EXPORTED, obj=org, changes={
        "org": org.code, "count": count,
        "filters": {k: v for k, v in (filters or {}).items() if v},
    })
    return count


def _date_cell(sheet, value):
    if value is None:
        return None
    cell = WriteOnlyCell(sheet, value=value)
    cell.number_format = "yyyy-mm-dd"
    return cell
