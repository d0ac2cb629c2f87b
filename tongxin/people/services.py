"""Writes on people. Every function validates, saves in one transaction and audits."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from tongxin.core import personal_data
from tongxin.core.audit import AuditAction, audit_record, audit_record_many, changed_fields
from tongxin.core.bulk_insert import insert_instances, insert_rows
from tongxin.core.chinese import name_initials
from tongxin.core.identity import (
    birth_date_from_id, gender_from_id, mask_id_number, mask_phone, normalize_id_number, normalize_phone,
)
from tongxin.learning.services.coverage import coverage_refresh_persons
from tongxin.orgs.models import Household, Org, OrgKind

from .models import (
    MemberStatus, PartyMember, Person, PersonGroup, PersonGroupMembership, Responsibility, ResponsibilityKind,
    StudyPair, Supervisor,
)

PLACE_KINDS = (OrgKind.BUILDING, OrgKind.GRID, OrgKind.COMMUNITY, OrgKind.VILLAGE)
# ``PersonGroup.values`` builds a new list on every access; bulk loads check a million rows.
_GROUP_CODES = frozenset(PersonGroup.values)


@dataclass
class PersonData:
    """What the registry needs to know to add a person; used by the form, the import and the demo."""

    name: str
    org: Org
    id_number: str = ""
    phone: str = ""
    gender: str = ""
    birth_date: date | None = None
    household: Household | None = None
    groups: list[str] = field(default_factory=list)
    note: str = ""


def _apply_personal_data(person: Person, *, id_number: str, phone: str) -> None:
    if id_number:
        person.id_number_encrypted = personal_data.encrypt(id_number)
        person.id_number_hash = personal_data.lookup_hash(id_number)
        person.__dict__["id_number_masked"] = mask_id_number(id_number)  # no decryption to show it
    if phone:
        person.phone_encrypted = personal_data.encrypt(phone)
        person.phone_hash = personal_data.lookup_hash(phone)
        person.phone_masked = mask_phone(phone)


def person_build(data: PersonData) -> Person:
    """A validated, unsaved Person. Raises ``ValidationError`` with Chinese messages."""
    name = (data.name or "").strip()
    if not name:
        raise ValidationError({"name": _("姓名不能为空")})
    if data.org.kind not in PLACE_KINDS:
        raise ValidationError({"org": _("人员只能登记在社区、网格或楼栋下")})
    if data.household is not None and data.household.org_id != data.org.pk:
        raise ValidationError({"household": _("户不在所选楼栋/网格内")})
    id_number = normalize_id_number(data.id_number) if data.id_number else ""
    phone = normalize_phone(data.phone) if data.phone else ""
    for group in data.groups:
        if group not in _GROUP_CODES:
            raise ValidationError({"groups": _("未知的人员类别：%(g)s") % {"g": group}})
    person = Person(
        name=name,
        name_initials=name_initials(name),
        gender=data.gender or (gender_from_id(id_number) if id_number else ""),
        birth_date=data.birth_date or (birth_date_from_id(id_number) if id_number else None),
        household=data.household,
        org=data.org,
        org_path=data.org.path,
        note=data.note,
    )
    _apply_personal_data(person, id_number=id_number, phone=phone)
    return person


@transaction.atomic
def person_create(*, by, data: PersonData) -> Person:
    person = person_build(data)
    if person.id_number_hash and Person.objects.filter(id_number_hash=person.id_number_hash).exists():
        raise ValidationError({"id_number": _("该身份证号已登记")})
    person.full_clean(exclude=["id_number_hash"])
    try:
        # The check above answers the common case; the unique index answers two registrations of
        # the same ID at the same moment (the savepoint keeps the caller's transaction usable).
        with transaction.atomic():
            person.save()
    except IntegrityError:
        raise ValidationError({"id_number": _("该身份证号已登记")}) from None
    PersonGroupMembership.objects.bulk_create(
        [PersonGroupMembership(person=person, group=g) for g in sorted(set(data.groups))]
    )
    coverage_refresh_persons([person.pk], new=True)
    audit_record(by=by, action=AuditAction.PERSON_CREATED, obj=person, changes=_audit_view(person, data.groups))
    return person


def _audit_view(person: Person, groups: list[str], *, org_code: str | None = None,
                household_number: str | None = None) -> dict:
    """What the audit log keeps of a person: never a full ID or phone number. The org's code and
    the household's number are read from the person's relations unless given."""
    if org_code is None:
        org_code = person.org.code
    if household_number is None and person.household_id:
        household_number = person.household.number
    return {
        "name": person.name,
        "org": org_code,
        "household": household_number,
        "id_number": person.id_number_masked,
        "phone": person.phone_masked,
        "groups": sorted(groups),
    }


@transaction.atomic
def person_bulk_create(*, by, rows: list[tuple[Person, list[str]]], refresh_coverage: bool = True) -> list[Person]:
    """Insert many validated persons (from ``person_build``) with their groups and audit rows.

    Used by the roster import and the demo; the caller has checked duplicates. With
    ``refresh_coverage=False`` the caller writes the batch's coverage rows itself, once it has
    added the rest (the import adds member profiles: one pass instead of two).
    """
    persons = [person for person, _ in rows]
    insert_instances(Person, persons)
    insert_rows(PersonGroupMembership, ["person", "group"],
                ((p.pk, g) for p, groups in rows for g in sorted(set(groups))))
    if refresh_coverage:
        coverage_refresh_persons([p.pk for p in persons], new=True)  # one set-based refresh for the batch
    # The entries are those person_create writes. Computed before the audit rows stream in (no
    # query may run on the connection while they do), with the orgs and households read at once.
    codes = dict(Org.objects.filter(pk__in={p.org_id for p in persons}).values_list("pk", "code"))
    numbers = dict(Household.objects.filter(pk__in={p.household_id for p in persons if p.household_id})
                   .values_list("pk", "number"))
    changes = {id(p): _audit_view(p, groups, org_code=codes[p.org_id], household_number=numbers.get(p.household_id))
               for p, groups in rows}
    audit_record_many(by=by, action=AuditAction.PERSON_CREATED, objects=persons, changes_for=lambda p: changes[id(p)])
    return persons


@transaction.atomic
def person_update(*, by, person: Person, name: str | None = None, phone: str | None = None,
                  org: Org | None = None, household: Household | None = None, clear_household: bool = False,
                  groups: list[str] | None = None, note: str | None = None, is_active: bool | None = None) -> Person:
    tracked = ["name", "phone_masked", "org_id", "household_id", "note", "is_active"]
    before = {f: getattr(person, f) for f in tracked}
    if name is not None:
        if not name.strip():
            raise ValidationError({"name": _("姓名不能为空")})
        person.name = name.strip()
        person.name_initials = name_initials(person.name)
    if phone is not None:
        if phone:
            _apply_personal_data(person, id_number="", phone=normalize_phone(phone))
        else:
            person.phone_encrypted = person.phone_hash = person.phone_masked = ""
    if org is not None:
        if org.kind not in PLACE_KINDS:
            raise ValidationError({"org": _("人员只能登记在社区、网格或楼栋下")})
        person.org, person.org_path = org, org.path
        PartyMember.objects.filter(person=person).update(org_path=org.path)
    if household is not None:
        if household.org_id != person.org_id:
            raise ValidationError({"household": _("户不在所选楼栋/网格内")})
        person.household = household
    elif clear_household or (person.household_id and person.household.org_id != person.org_id):
        person.household = None  # moved to a place where the old household is not
    if note is not None:
        person.note = note
    if is_active is not None:
        person.is_active = is_active
    person.full_clean(exclude=["id_number_hash"])
    person.save()
    diff = changed_fields(person, before, tracked)
    if groups is not None:
        old = set(person.group_codes)
        new = set(groups)
        if old != new:
            PersonGroupMembership.objects.filter(person=person, group__in=old - new).delete()
            PersonGroupMembership.objects.bulk_create([PersonGroupMembership(person=person, group=g) for g in new - old])
            diff["groups"] = [sorted(old), sorted(new)]
    if diff.keys() & {"name", "org_id", "is_active", "groups"}:
        coverage_refresh_persons([person.pk])
    if diff:
        audit_record(by=by, action=AuditAction.PERSON_UPDATED, obj=person, changes=diff)
    return person


def person_reveal(*, by, person: Person, field_name: str) -> str:
    """The full ID or phone number, for a role allowed to see it. Every reveal is audited."""
    if field_name not in ("id_number", "phone"):
        raise ValueError(field_name)
    if not by.has_perm("people.reveal_person", person):
        raise PermissionError(_("无权查看完整信息"))
    value = getattr(person, field_name)
    audit_record(by=by, action=AuditAction.PERSON_REVEALED, obj=person, changes={"field": field_name})
    return value


@transaction.atomic
def party_member_save(*, by, person: Person, branch: Org, joined_on: date | None = None, status: str = "full",
                      needs_home_delivery: bool = False, is_mobile: bool = False, in_hardship: bool = False,
                      audit: bool = True) -> PartyMember:
    if branch.kind not in (OrgKind.PARTY_BRANCH, OrgKind.PARTY_COMMITTEE):
        raise ValidationError({"branch": _("所在支部必须是党支部或党委")})
    if joined_on and joined_on > date.today():
        raise ValidationError({"joined_on": _("入党日期不能晚于今天")})
    member, created = PartyMember.objects.update_or_create(
        person=person,
        defaults=dict(branch=branch, joined_on=joined_on, status=status, needs_home_delivery=needs_home_delivery,
                      is_mobile=is_mobile, in_hardship=in_hardship, org_path=person.org_path),
    )
    coverage_refresh_persons([person.pk])
    if audit:
        audit_record(by=by, action=AuditAction.PARTY_MEMBER_SAVED, obj=member,
                     changes={"created": created, "branch": branch.code, "status": status,
                              "needs_home_delivery": needs_home_delivery, "is_mobile": is_mobile,
                              "in_hardship": in_hardship})
    return member


@transaction.atomic
def party_member_remove(*, by, person: Person) -> None:
    """Take a person off the member roll (e.g. registered as a member by mistake)."""
    member = PartyMember.objects.filter(person=person).first()
    if member is None:
        return
    if StudyPair.objects.filter(Q(helper=member) | Q(member=member)).exists():
        raise ValidationError({"is_member": _("该党员有结对助学关系，请先解除结对")})
    audit_record(by=by, action=AuditAction.PARTY_MEMBER_REMOVED, obj=member, changes={"branch": member.branch.code})
    member.delete()
    coverage_refresh_persons([person.pk])


@transaction.atomic
def responsibility_assign(*, by, person: Person, kind: str, org: Org | None = None,
                          household: Household | None = None) -> Responsibility:
    if kind == ResponsibilityKind.HOUSEHOLD:
        if household is None:
            raise ValidationError(_("包户须指定户"))
        path = household.org_path
    else:
        if org is None:
            raise ValidationError(_("包片、包楼须指定片区或楼栋"))
        if kind == ResponsibilityKind.BUILDING and org.kind != OrgKind.BUILDING:
            raise ValidationError(_("包楼须指定楼栋"))
        path = org.path
    item = Responsibility.objects.create(kind=kind, person=person, org=org, household=household, org_path=path)
    audit_record(by=by, action=AuditAction.RESPONSIBILITY_ASSIGNED, obj=item,
                 changes={"kind": kind, "person": person.pk, "target": str(household or org)})
    return item


@transaction.atomic
def study_pair_create(*, by, helper: PartyMember, member: PartyMember) -> StudyPair:
    if helper.pk == member.pk:
        raise ValidationError(_("不能与自己结对"))
    pair, _created = StudyPair.objects.get_or_create(helper=helper, member=member, defaults={"active": True})
    audit_record(by=by, action=AuditAction.STUDY_PAIR_CREATED, obj=pair,
                 changes={"helper": helper.person_id, "member": member.person_id})
    return pair


@transaction.atomic
def supervisor_appoint(*, by, person: Person, org: Org) -> Supervisor:
    item, _created = Supervisor.objects.get_or_create(
        person=person, org=org, defaults={"appointed_by": by if getattr(by, "pk", None) else None}
    )
    audit_record(by=by, action=AuditAction.SUPERVISOR_APPOINTED, obj=item, changes={"org": org.code})
    return item


# --- Bulk writes (demo data, district-scale loads) ------------------------------------------
# Each ``*_build`` validates like the single-row service and returns an unsaved object; each
# ``*_bulk_*`` inserts a list of them and writes one audit entry per row, with the same
# content as the single-row service.

def party_member_build(*, person: Person, branch: Org, joined_on: date | None = None, status: str = "full",
                       needs_home_delivery: bool = False, is_mobile: bool = False,
                       in_hardship: bool = False) -> PartyMember:
    """A validated, unsaved member profile, as ``party_member_save`` would create it."""
    if branch.kind not in (OrgKind.PARTY_BRANCH, OrgKind.PARTY_COMMITTEE):
        raise ValidationError({"branch": _("所在支部必须是党支部或党委")})
    if status not in MemberStatus.values:
        raise ValidationError({"status": _("未知的党员状态")})
    if joined_on:
        if joined_on > date.today():
            raise ValidationError({"joined_on": _("入党日期不能晚于今天")})
        if person.birth_date and joined_on <= person.birth_date:
            raise ValidationError({"joined_on": _("入党日期不能早于出生日期")})
    return PartyMember(person=person, branch=branch, joined_on=joined_on, status=status,
                       needs_home_delivery=needs_home_delivery, is_mobile=is_mobile, in_hardship=in_hardship,
                       org_path=person.org_path)


def party_member_audit_changes(member: PartyMember) -> dict:
    """The audit entry of a new member profile (the same as ``party_member_save``)."""
    return {"created": True, "branch": member.branch.code, "status": member.status,
            "needs_home_delivery": member.needs_home_delivery, "is_mobile": member.is_mobile,
            "in_hardship": member.in_hardship}


@transaction.atomic
def party_member_bulk_create(*, by, members: list[PartyMember], audit: bool = True,
                             refresh_coverage: bool = True) -> list[PartyMember]:
    """Insert new member profiles from ``party_member_build`` (for persons who have none yet);
    ``refresh_coverage`` as for ``person_bulk_create``."""
    if len({m.person_id for m in members}) != len(members):
        raise ValidationError(_("同一人员不能重复登记为党员"))
    insert_instances(PartyMember, members)
    if refresh_coverage:
        coverage_refresh_persons([m.person_id for m in members])
    if audit:
        audit_record_many(by=by, action=AuditAction.PARTY_MEMBER_SAVED, objects=members,
                          changes_for=party_member_audit_changes)
    return members


def responsibility_build(*, person: Person, kind: str, org: Org | None = None,
                         household: Household | None = None) -> Responsibility:
    """A validated, unsaved responsibility, as ``responsibility_assign`` would create it."""
    if kind not in ResponsibilityKind.values:
        raise ValidationError(_("未知的包联类型"))
    if kind == ResponsibilityKind.HOUSEHOLD:
        if household is None or org is not None:
            raise ValidationError(_("包户须指定户"))
        path = household.org_path
    else:
        if org is None or household is not None:
            raise ValidationError(_("包片、包楼须指定片区或楼栋"))
        if kind == ResponsibilityKind.BUILDING and org.kind != OrgKind.BUILDING:
            raise ValidationError(_("包楼须指定楼栋"))
        path = org.path
    return Responsibility(kind=kind, person=person, org=org, household=household, org_path=path)


@transaction.atomic
def responsibility_bulk_assign(*, by, items: list[Responsibility], batch_size: int = 2000) -> list[Responsibility]:
    Responsibility.objects.bulk_create(items, batch_size=batch_size)
    audit_record_many(
        by=by, action=AuditAction.RESPONSIBILITY_ASSIGNED, objects=items,
        changes_for=lambda r: {"kind": r.kind, "person": r.person_id, "target": str(r.household or r.org)},
    )
    return items


@transaction.atomic
def study_pair_bulk_create(*, by, pairs: list[tuple[PartyMember, PartyMember]],
                           batch_size: int = 2000) -> list[StudyPair]:
    """Pair helpers with members; pairs that already exist are left as they are."""
    wanted: dict[tuple[int, int], StudyPair] = {}
    for helper, member in pairs:
        if helper.pk == member.pk:
            raise ValidationError(_("不能与自己结对"))
        wanted.setdefault((helper.pk, member.pk), StudyPair(helper=helper, member=member, active=True))
    existing = set(
        StudyPair.objects.filter(helper_id__in={h for h, _m in wanted}).values_list("helper_id", "member_id")
    )
    new = [pair for key, pair in wanted.items() if key not in existing]
    StudyPair.objects.bulk_create(new, batch_size=batch_size)
    audit_record_many(by=by, action=AuditAction.STUDY_PAIR_CREATED, objects=new,
                      changes_for=lambda p: {"helper": p.helper.person_id, "member": p.member.person_id})
    return new
