from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from tongxin.core.audit import AuditAction, audit_record, changed_fields

from .models import ALLOWED_PARENTS, Household, Org, OrgKind


def _check_parent(kind: str, parent: Org | None) -> None:
    allowed = ALLOWED_PARENTS[kind]
    if allowed is None:
        if parent is not None:
            raise ValidationError(_("%(kind)s 不能有上级组织") % {"kind": OrgKind(kind).label})
        return
    if parent is None or parent.kind not in allowed:
        raise ValidationError(
            _("%(kind)s 不能设在 %(parent)s 之下")
            % {"kind": OrgKind(kind).label, "parent": OrgKind(parent.kind).label if parent else _("顶层")}
        )


@transaction.atomic
def org_create(*, by, code: str, name: str, kind: str, parent: Org | None = None, domain: str = "",
               is_co_building_unit: bool = False, address: str = "", audit: bool = True) -> Org:
    _check_parent(kind, parent)
    org = Org(code=code, name=name, kind=kind, parent=parent, domain=domain,
              is_co_building_unit=is_co_building_unit, address=address,
              path=f"/new-{code}/", depth=(parent.depth + 1) if parent else 0)
    org.full_clean()
    org.save()
    # The path holds the org's own id, known only after the insert.
    org.path = f"{parent.path if parent else '/'}{org.pk}/"
    Org.objects.filter(pk=org.pk).update(path=org.path)
    if audit:
        audit_record(by=by, action=AuditAction.ORG_CREATED, obj=org,
                     changes={"code": code, "kind": kind, "parent": parent.code if parent else None})
    return org


@transaction.atomic
def org_update(*, by, org: Org, name: str | None = None, domain: str | None = None,
               address: str | None = None, is_co_building_unit: bool | None = None) -> Org:
    fields = ["name", "domain", "address", "is_co_building_unit"]
    before = {f: getattr(org, f) for f in fields}
    for field, value in zip(fields, [name, domain, address, is_co_building_unit]):
        if value is not None:
            setattr(org, field, value)
    org.full_clean()
    diff = changed_fields(org, before, fields)
    if diff:
        org.save(update_fields=list(diff))
        audit_record(by=by, action=AuditAction.ORG_UPDATED, obj=org, changes=diff)
    return org


@transaction.atomic
def household_create(*, by, org: Org, number: str, in_hardship: bool = False, note: str = "",
                     audit: bool = True) -> Household:
    if org.kind not in (OrgKind.BUILDING, OrgKind.GRID):
        raise ValidationError(_("户只能登记在楼栋或网格下"))
    household = Household(org=org, org_path=org.path, number=number.strip(), in_hardship=in_hardship, note=note)
    household.full_clean()
    household.save()
    if audit:
        audit_record(by=by, action=AuditAction.HOUSEHOLD_CREATED, obj=household,
                     changes={"org": org.code, "number": household.number})
    return household
