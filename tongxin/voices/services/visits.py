"""Home visits (走访, 民情日记): a grid worker, building head or community staff member visits a
household, for one of the 四访四问 reasons or none, notes what they found, and records each thing
heard there as a voice (channel ``visit``) in the same transaction: the visit and its voices are
saved together or not at all."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Value
from django.db.models.functions import Coalesce, Greatest, Least
from django.utils import timezone
from django.utils.translation import gettext as _

from tongxin.core.audit import AuditAction, audit_record
from tongxin.core.identity import mask_personal_numbers
from tongxin.orgs.models import Household
from tongxin.people.models import Person

from ..models import Channel, Visit, VisitReason, VoiceKind
from .intake import clean_text, voice_submit

# A phone's clock may run a little ahead of the server's.
CLOCK_SLACK = timedelta(minutes=5)
# Paper 民情日记 may be entered afterwards, but not from long ago: an older date is nearly always
# a mistyped year, and it would count in no period anyone reads.
BACKFILL_MAX = timedelta(days=366)
NOTES_MAX = 2000
HEARD_MAX = 20


@dataclass(frozen=True)
class HeardItem:
    """One thing heard at a visit, checked: it becomes a voice."""

    kind: str
    text: str
    urgent: bool
    person: Person | None


def _minute(value: datetime) -> datetime:
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value.replace(second=0, microsecond=0)


def _check_when(visited_at: datetime | None, campaign) -> datetime:
    if visited_at is None:
        raise ValidationError({"visited_at": _("请填写走访时间")})
    visited_at = _minute(visited_at)
    now = timezone.now()
    if visited_at > now + CLOCK_SLACK:
        raise ValidationError({"visited_at": _("走访时间不能晚于现在")})
    if campaign is not None:
        day = timezone.localtime(visited_at).date()
        if not campaign.starts_on <= day <= campaign.ends_on:
            raise ValidationError({"visited_at": _("走访时间须在主题活动期间（%(start)s 至 %(end)s）") % {
                "start": campaign.starts_on.isoformat(), "end": campaign.ends_on.isoformat()}})
    elif visited_at < now - BACKFILL_MAX:
        raise ValidationError({"visited_at": _("只能补录一年以内的走访，请检查年份")})
    return visited_at


def _reason_fields(reasons: Iterable[str]) -> dict[str, bool]:
    reasons = set(reasons or ())
    if reasons - set(VisitReason.values):
        raise ValidationError({"reasons": _("走访类型不正确")})
    return {field: reason in reasons for reason, field in Visit.REASON_FIELDS.items()}


def _item_error(number: int, error: ValidationError) -> ValidationError:
    """An item's error, naming the item: "第2条：……"."""
    return ValidationError({"heard": _("第%(n)d条：%(message)s") % {"n": number, "message": "；".join(error.messages)}})


def _heard_items(heard: Sequence[Mapping], household: Household) -> list[HeardItem]:
    """Check every item before anything is saved, so that the message names the bad one."""
    if len(heard) > HEARD_MAX:
        raise ValidationError({"heard": _("一次走访最多登记 %(n)d 条，其余请另行登记") % {"n": HEARD_MAX}})
    items = []
    for number, item in enumerate(heard, start=1):
        try:
            kind = item.get("kind") or ""
            if kind not in VoiceKind.values:
                raise ValidationError(_("请选择反映的类型"))
            text = clean_text(item.get("text") or "")
            person = item.get("person")
            if person is not None:
                if not isinstance(person, Person):
                    person = Person.objects.filter(pk=person).first()
                if person is None or person.household_id != household.pk:
                    raise ValidationError(_("反映人不是该户成员"))
                if not person.is_active:
                    raise ValidationError(_("该人员已不在册"))
        except ValidationError as error:
            raise _item_error(number, error) from None
        items.append(HeardItem(kind=kind, text=text, urgent=bool(item.get("urgent")), person=person))
    return items


def visitor_name(by) -> str:
    """The visitor's name as the log keeps it. A login name may be a phone number: masked."""
    return mask_personal_numbers(by.display_name)[:50]


@transaction.atomic
def visit_record(*, by, household: Household, visited_at: datetime, reasons: Sequence[str] = (),
                 notes: str = "", heard: Sequence[Mapping] = (), campaign=None) -> Visit:
    """Record a home visit and what was heard at it.

    ``reasons``: values of ``VisitReason`` (四访四问); none is an ordinary visit. ``heard``: items
    ``{"kind", "text", "urgent", "person"}`` (``person`` optional, of this household), each
    becoming a voice recorded on the household's behalf. A bad item rejects the whole visit with a
    message naming it. The same visit sent twice (same visitor, household and minute) is one.
    """
    if not getattr(by, "pk", None):
        raise PermissionError(_("走访须由登录的工作人员记录"))
    org = household.org
    if not by.has_perm("voices.record_voice", org):
        raise PermissionError(_("无权记录该户的走访"))
    if campaign is not None and not household.org_path.startswith(campaign.scope_path):
        raise ValidationError({"campaign": _("该户不在主题活动范围内")})
    visited_at = _check_when(visited_at, campaign)
    flags = _reason_fields(reasons)
    notes = (notes or "").strip()
    if len(notes) > NOTES_MAX:
        raise ValidationError({"notes": _("走访情况不能超过 %(n)d 字") % {"n": NOTES_MAX}})
    items = _heard_items(list(heard or ()), household)

    # The household's row orders two sends of the same form: the second waits here, then finds
    # the first visit.
    list(Household.objects.select_for_update(no_key=True).filter(pk=household.pk).values_list("pk", flat=True))
    same = Visit.objects.filter(visitor=by, household=household, visited_at__gte=visited_at,
                                visited_at__lt=visited_at + timedelta(minutes=1)).first()
    if same is not None:
        return same

    visit = Visit(household=household, org=org, org_path=org.path, visitor=by, visitor_name=visitor_name(by),
                  visited_at=visited_at, notes=notes, campaign=campaign, **flags)
    visit.full_clean(exclude=["org_path"])
    visit.save()
    Household.objects.filter(pk=household.pk).update(
        first_visited_at=Least(Coalesce("first_visited_at", Value(visited_at)), Value(visited_at)),
        last_visited_at=Greatest(Coalesce("last_visited_at", Value(visited_at)), Value(visited_at)))
    for number, item in enumerate(items, start=1):
        try:
            voice_submit(by=by, kind=item.kind, text=item.text, channel=Channel.VISIT, person=item.person,
                         household=household, urgent=item.urgent, campaign=campaign, visit=visit, on_behalf=True)
        except ValidationError as error:
            raise _item_error(number, error) from None
    audit_record(by=by, action=AuditAction.VISIT_RECORDED, obj=visit, changes={
        "household": household.pk, "org": org.code, "visited_at": visited_at.isoformat(),
        "reasons": visit.reasons, "heard": len(items), "campaign": campaign.slug if campaign else None,
    })
    return visit


@transaction.atomic
def household_visit_spans_rebuild(org) -> None:
    """Set the first and last visit of every household under ``org`` from its visits (after visits
    were written in bulk, as the demo's seeders do)."""
    households, visits = Household._meta.db_table, Visit._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {households} SET first_visited_at = span.first, last_visited_at = span.last "
            f"FROM (SELECT household_id, MIN(visited_at) AS first, MAX(visited_at) AS last FROM {visits} "
            f"WHERE org_path LIKE %s GROUP BY household_id) AS span WHERE {households}.id = span.household_id",
            [org.path + "%"])
