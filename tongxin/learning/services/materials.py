"""Study materials (学习材料) and their stock: registering, restocking, handing copies out.

Stock is a counter on the material row. Every movement first locks that row
(``select_for_update``) and reads the stock again under the lock, so two cadres handing out
the last copy at the same moment cannot both succeed; the database check
``material_stock_not_negative`` is the last line. On SQLite, whose transactions take the write
lock at BEGIN (``transaction_mode = IMMEDIATE`` in the settings), the whole transaction is the
lock and ``select_for_update`` is a no-op.

``by=None`` is the system (demo data, management commands): it is not asked for permission.
Every other caller is.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import BinaryIO

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from tongxin.core.audit import AuditAction, audit_record
from tongxin.core.identity import mask_personal_numbers
from tongxin.orgs.models import Org
from tongxin.people.models import Person
from tongxin.people.roster.export import excel_safe

from ..models import Distribution, Material, MaterialKind

MANAGE_PERMISSION = "learning.manage_materials"
MAX_QUANTITY = 100_000  # a typo guard: the seeds speak of "千余册", never of millions


def allowed(by, permission: str, obj) -> bool:
    """True for the system (``by=None``) and for an account holding ``permission`` on ``obj``."""
    return by is None or by.has_perm(permission, obj)


def actor_or_none(by):
    """The account to store in ``recorded_by``/``created_by`` (None for the system)."""
    return by if getattr(by, "pk", None) else None


def check_not_future(when: datetime, field: str) -> None:
    # A few minutes of slack for a phone whose clock runs ahead.
    if when > timezone.now() + timedelta(minutes=5):
        raise ValidationError({field: _("时间不能晚于现在")})


def campaign_matches_org(campaign, org: Org) -> bool:
    """A campaign concerns an org that lies inside its scope or above it."""
    return org.path.startswith(campaign.scope_path) or campaign.scope_path.startswith(org.path)


def _check_quantity(quantity, field: str = "quantity") -> int:
    if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 1:
        raise ValidationError({field: _("数量须为正整数")})
    if quantity > MAX_QUANTITY:
        raise ValidationError({field: _("数量过大，请核对")})
    return quantity


@transaction.atomic
def material_create(*, by, org: Org, title: str, kind: str, stock: int = 0, url: str = "",
                    campaign=None) -> Material:
    """Register a material held by ``org`` (a street's 口袋书, a community's mp3 players)."""
    if not allowed(by, MANAGE_PERMISSION, org):
        raise PermissionError(_("无权管理该组织的学习材料"))
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": _("名称不能为空")})
    if kind not in MaterialKind.values:
        raise ValidationError({"kind": _("未知的材料类型")})
    if not isinstance(stock, int) or isinstance(stock, bool) or stock < 0:
        raise ValidationError({"stock": _("库存不能为负数")})
    if stock > MAX_QUANTITY:
        raise ValidationError({"stock": _("数量过大，请核对")})
    if campaign is not None and not campaign_matches_org(campaign, org):
        raise ValidationError({"campaign": _("该主题活动不涉及本组织")})
    material = Material(org=org, org_path=org.path, campaign=campaign, title=title, kind=kind, stock=stock,
                        url=(url or "").strip())
    material.full_clean()
    material.save()
    audit_record(by=by, action=AuditAction.MATERIAL_CREATED, obj=material, changes={
        "org": org.code, "title": title, "kind": kind, "stock": stock,
        "campaign": campaign.slug if campaign else None,
    })
    return material


def _locked(material: Material) -> Material:
    return Material.objects.select_for_update().get(pk=material.pk)


@transaction.atomic
def material_restock(*, by, material: Material, quantity: int, note: str = "",
                     expected_stock: int | None = None) -> Material:
    """Add ``quantity`` copies to the stock (a purchase, copies returned by a unit).

    ``expected_stock`` is the stock the cadre saw on the page: if it changed meanwhile (another
    restock, or the same form sent twice) the restock is refused rather than counted twice.
    """
    if not allowed(by, MANAGE_PERMISSION, material.org):
        raise PermissionError(_("无权管理该组织的学习材料"))
    _check_quantity(quantity)
    note = (note or "").strip()
    if len(note) > 200:
        raise ValidationError({"note": _("备注不能超过 200 字")})
    locked = _locked(material)
    if expected_stock is not None and locked.stock != expected_stock:
        raise ValidationError(_("库存已变化（现有 %(n)d 份），请核对后重新提交") % {"n": locked.stock})
    before = locked.stock
    locked.stock = before + quantity
    locked.save(update_fields=["stock"])
    material.stock = locked.stock
    audit_record(by=by, action=AuditAction.MATERIAL_RESTOCKED, obj=material, changes={
        "quantity": quantity, "stock": [before, locked.stock], "note": note,
    })
    return material


def stock_take(*, by, material: Material, quantity: int, when: datetime, person: Person | None = None,
               org: Org | None = None, note: str = "") -> Distribution:
    """Take ``quantity`` copies out of stock and write who received them. Call inside a
    transaction (``distribution_record`` and ``delivery_record`` do); the caller has checked
    permission and recipient. Refuses "库存不足" when fewer copies are left."""
    locked = _locked(material)
    if locked.stock < quantity:
        raise ValidationError(_("库存不足，现有 %(n)d 份") % {"n": locked.stock})
    before = locked.stock
    locked.stock = before - quantity
    locked.save(update_fields=["stock"])
    material.stock = locked.stock
    distribution = Distribution(material=locked, person=person, org=org, quantity=quantity, distributed_at=when,
                                note=note, recorded_by=actor_or_none(by))
    distribution.full_clean()
    distribution.save()
    audit_record(by=by, action=AuditAction.MATERIAL_DISTRIBUTED, obj=distribution, changes={
        "material": material.pk, "title": material.title, "quantity": quantity,
        "person": person.pk if person else None, "org": org.code if org else None,
        "stock": [before, locked.stock],
    })
    return distribution


@transaction.atomic
def distribution_record(*, by, material: Material, quantity: int = 1, person: Person | None = None,
                        org: Org | None = None, distributed_at: datetime | None = None,
                        note: str = "") -> Distribution:
    """Hand ``quantity`` copies to one person, or in bulk to a unit (a community, a grid, a
    school, an enterprise) inside the material's org. The stock is locked and never goes below
    zero. The same distribution sent twice (same recipient, quantity and time) is recorded once."""
    if not allowed(by, MANAGE_PERMISSION, material.org):
        raise PermissionError(_("无权管理该组织的学习材料"))
    if (person is None) == (org is None):
        raise ValidationError(_("请选择发放对象：个人或单位，二者选一"))
    _check_quantity(quantity)
    if person is not None:
        if not person.is_active:
            raise ValidationError({"person": _("该人员已不在册")})
        if not person.org_path.startswith(material.org_path):
            raise ValidationError({"person": _("该人员不在本材料所属组织范围内")})
    if org is not None:
        if org.pk == material.org_id:
            raise ValidationError({"org": _("接收单位不能是材料所属组织本身")})
        if not org.path.startswith(material.org_path):
            raise ValidationError({"org": _("接收单位不在本材料所属组织范围内")})
    note = (note or "").strip()
    if len(note) > 200:
        raise ValidationError({"note": _("备注不能超过 200 字")})
    when = distributed_at or timezone.now()
    check_not_future(when, "distributed_at")
    # Lock first, then look for the same form sent twice: the lock orders two such requests.
    _locked(material)
    if distributed_at is not None:
        same = Distribution.objects.filter(material=material, person=person, org=org, quantity=quantity,
                                           distributed_at=distributed_at).first()
        if same is not None:
            return same
    return stock_take(by=by, material=material, quantity=quantity, when=when, person=person, org=org, note=note)


# --- Excel exports ---------------------------------------------------------------------------
# Exports are audited writes, so they live with the services. Cells are written through
# ``export_cell``: text is made formula-safe (``excel_safe``) and any phone or ID number typed
# into a note is masked, as everywhere else in the app.

def export_cell(sheet, value):
    if value is None:
        return None
    if isinstance(value, datetime):
        cell = WriteOnlyCell(sheet, value=timezone.localtime(value).replace(tzinfo=None))
        cell.number_format = "yyyy-mm-dd hh:mm"
        return cell
    if isinstance(value, str):
        return excel_safe(mask_personal_numbers(value))
    return value


def write_workbook(out: BinaryIO, *, title: str, headers: list[str], widths: Iterable[int],
                   rows: Iterable[list]) -> int:
    """One sheet in openpyxl's write-only mode (a long list never sits in memory); returns the
    number of data rows."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title)
    for index, width in enumerate(widths):
        sheet.column_dimensions[get_column_letter(index + 1)].width = width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for text in headers:
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    count = 0
    for row in rows:
        sheet.append([export_cell(sheet, value) for value in row])
        count += 1
    workbook.save(out)
    return count


def distributions_export_workbook(*, by, material: Material, distributions: QuerySet[Distribution],
                                  out: BinaryIO) -> int:
    """Write the distributions of a material (from ``selectors.study.distributions_of``) to
    ``out`` as .xlsx and audit the export. Returns the number of rows."""
    rows = (
        [d.distributed_at, d.person.name if d.person_id else "", d.org.name if d.org_id else "", d.quantity,
         d.note, d.recorded_by.display_name if d.recorded_by_id else ""]
        for d in distributions.iterator(chunk_size=2000)
    )
    count = write_workbook(out, title=_("发放记录"), headers=[
        _("发放时间"), _("接收人"), _("接收单位"), _("数量"), _("备注"), _("记录人"),
    ], widths=(18, 10, 22, 8, 30, 14), rows=rows)
    audit_record(by=by, action=AuditAction.DISTRIBUTIONS_EXPORTED, obj=material,
                 changes={"material": material.pk, "count": count})
    return count
