from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from tongxin.core.audit import AuditAction, audit_record, audit_record_many, changed_fields
from tongxin.core.bulk_insert import insert_instances

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


def household_get_or_create(*, by, org: Org, number: str) -> Household | None:
    """The household with this number in the building or grid, registered if new; None if no number."""
    number = (number or "").strip()
    if not number:
        return None
    existing = Household.objects.filter(org=org, number=number).first()
    return existing or household_create(by=by, org=org, number=number)


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


# --- Bulk households (demo data, district-scale loads) --------------------------------------
# Kept apart from the roster import's helpers: these insert households known to be new and
# fail on a duplicate instead of looking existing ones up.

def household_build(*, org: Org, number: str, in_hardship: bool = False, note: str = "") -> Household:
    """A validated, unsaved household, as ``household_create`` would save it."""
    if org.kind not in (OrgKind.BUILDING, OrgKind.GRID):
        raise ValidationError(_("户只能登记在楼栋或网格下"))
    household = Household(org=org, org_path=org.path, number=(number or "").strip(), in_hardship=in_hardship,
                          note=note)
    # The org is given as an object and the (org, number) pairs are checked together in
    # ``household_bulk_create``; a query per row for either would dominate a bulk load.
    household.full_clean(exclude=["org"], validate_unique=False, validate_constraints=False)
    return household


def household_audit_changes(household: Household) -> dict:
    """What the audit log keeps of a new household (the same as ``household_create``)."""
    return {"org": household.org.code, "number": household.number}


@transaction.atomic
def household_bulk_create(*, by, households: list[Household], audit: bool = True) -> list[Household]:
    """Insert many households from ``household_build``; primary keys are set on the objects."""
    seen: set[tuple[int, str]] = set()
    for household in households:
        key = (household.org_id, household.number)
        if key in seen:
            raise ValidationError(_("门牌号重复：%(n)s") % {"n": household.number})
        seen.add(key)
    insert_instances(Household, households)
    if audit:
        audit_record_many(by=by, action=AuditAction.HOUSEHOLD_CREATED, objects=households,
                          changes_for=household_audit_changes)
    return households


@transaction.atomic
def household_bulk_get_or_create(
    *, by, wanted: Mapping[tuple[Org, str], bool],
) -> tuple[dict[tuple[int, str], Household], int]:
    """Households for many ``(building or grid, number)`` pairs, as the roster import needs them.

    Existing households are reused unchanged; missing ones are created in bulk, with
    ``in_hardship`` from ``wanted``, and each gets its audit entry. Returns every household by
    ``(org_id, number)`` and how many were created.
    """
    by_key: dict[tuple[int, str], tuple[Org, bool]] = {}
    for (org, number), in_hardship in wanted.items():
        if org.kind not in (OrgKind.BUILDING, OrgKind.GRID):
            raise ValidationError(_("户只能登记在楼栋或网格下"))
        number = number.strip()
        if not number or len(number) > Household._meta.get_field("number").max_length:
            raise ValidationError(_("门牌号不能为空，且不超过 50 个字"))
        previous = by_key.get((org.pk, number))
        by_key[(org.pk, number)] = (org, in_hardship or (previous is not None and previous[1]))
    found: dict[tuple[int, str], Household] = {}
    org_ids = sorted({org_id for org_id, _number in by_key})
    for start in range(0, len(org_ids), 500):  # stay under SQLite's limit on query parameters
        for household in Household.objects.filter(org_id__in=org_ids[start:start + 500]):
            key = (household.org_id, household.number)
            if key in by_key:
                household.org = by_key[key][0]
                found[key] = household
    missing = [
        Household(org=org, org_path=org.path, number=number, in_hardship=in_hardship)
        for (_org_id, number), (org, in_hardship) in by_key.items() if (_org_id, number) not in found
    ]
    insert_instances(Household, missing)
    audit_record_many(by=by, action=AuditAction.HOUSEHOLD_CREATED, objects=missing,
                      changes_for=household_audit_changes)
    found.update({(h.org_id, h.number): h for h in missing})
    return found, len(missing)


# --- Bulk orgs (demo data, district-scale loads) --------------------------------------------

def org_build(*, code: str, name: str, kind: str, parent: Org, domain: str = "", is_co_building_unit: bool = False,
              address: str = "") -> Org:
    """A validated, unsaved org under a saved parent, as ``org_create`` would save it."""
    _check_parent(kind, parent)
    org = Org(code=code, name=name, kind=kind, parent=parent, domain=domain, is_co_building_unit=is_co_building_unit,
              address=address, path=f"/new-{code}/", depth=parent.depth + 1)
    # Codes are checked for all rows at once in ``org_bulk_create``, not with a query per row.
    org.full_clean(exclude=["parent"], validate_unique=False, validate_constraints=False)
    return org


@transaction.atomic
def org_bulk_create(*, by, orgs: list[Org], audit: bool = True, batch_size: int = 500) -> list[Org]:
    """Insert many orgs from ``org_build`` (e.g. the buildings of a community) and set their paths."""
    codes = [org.code for org in orgs]
    if len(set(codes)) != len(codes):
        raise ValidationError(_("编码重复"))
    taken = []
    for start in range(0, len(codes), batch_size):
        taken += Org.objects.filter(code__in=codes[start:start + batch_size]).values_list("code", flat=True)
    if taken:
        raise ValidationError(_("编码已存在：%(codes)s") % {"codes": "、".join(sorted(taken)[:5])})
    Org.objects.bulk_create(orgs, batch_size=batch_size)
    # As in ``org_create``: the path holds the org's own id, known only after the insert.
    for org in orgs:
        org.path = f"{org.parent.path}{org.pk}/"
    Org.objects.bulk_update(orgs, ["path"], batch_size=batch_size)
    if audit:
        audit_record_many(by=by, action=AuditAction.ORG_CREATED, objects=orgs,
                          changes_for=lambda o: {"code": o.code, "kind": o.kind, "parent": o.parent.code})
    return orgs
