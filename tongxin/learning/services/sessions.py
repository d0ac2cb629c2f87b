"""Sessions (学习活动) and the weekly timetable (学习课表): plan, change, open and close.

A session's status moves only along ``TRANSITIONS``; every change is audited with the old and the
new value. Who may plan a session where is ``learning.manage_sessions`` over its org: a street
admin in the street, a community worker in the community, a grid worker in the grid (a grid
micro-class, not one in the next grid).
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tongxin.core.audit import AuditAction, audit_record, changed_fields
from tongxin.orgs.models import Org

from ..models import OutreachPlace, ScheduleItem, Session, SessionKind, SessionStatus, SpeakerRole


class _Unset:
    """Marks an argument that was not given, where ``None`` is a value (no capacity, no campaign)."""

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()

# Which status may follow which. A closed session may be reopened when it was closed by mistake.
TRANSITIONS: dict[str, set[str]] = {
    SessionStatus.PLANNED: {SessionStatus.OPEN, SessionStatus.CLOSED},
    SessionStatus.OPEN: {SessionStatus.CLOSED},
    SessionStatus.CLOSED: {SessionStatus.OPEN},
}

_SESSION_TRACKED = ["kind", "topic", "speaker", "speaker_role", "place", "outreach_place", "starts_at", "ends_at",
                    "capacity", "campaign_id"]
_ITEM_TRACKED = ["weekday", "starts_at", "ends_at", "kind", "topic", "place", "campaign_id", "active"]


def _require_manager(by, org: Org) -> None:
    if not by.has_perm("learning.manage_sessions", org):
        raise PermissionError(_("无权在该组织安排学习活动"))


def _check_campaign(campaign, org: Org, day=None) -> None:
    if campaign is None:
        return
    if not org.path.startswith(campaign.scope_path):
        raise ValidationError({"campaign": _("该组织不在主题活动范围内")})
    if day is not None and not (campaign.starts_on <= day <= campaign.ends_on):
        raise ValidationError({"starts_at": _("活动时间不在主题活动期间内（%(start)s 至 %(end)s）") % {
            "start": campaign.starts_on.isoformat(), "end": campaign.ends_on.isoformat()}})


def _validate_session(session: Session, *, attended: int = 0) -> None:
    """The rules of a session that a form cannot express alone. Raises with Chinese messages."""
    errors: dict[str, str] = {}
    if session.kind not in SessionKind.values:
        errors["kind"] = _("未知的活动形式")
    if not session.topic:
        errors["topic"] = _("请填写活动主题")
    if session.speaker_role and session.speaker_role not in SpeakerRole.values:
        errors["speaker_role"] = _("未知的主讲人身份")
    if session.kind == SessionKind.PARTY_LECTURE:
        # 党课 are counted by who gave them (班子成员讲党课 10 人, 第一书记 2 人): both are needed.
        if not session.speaker:
            errors["speaker"] = _("党课须填写主讲人")
        if not session.speaker_role:
            errors["speaker_role"] = _("党课须填写主讲人身份")
    if session.kind == SessionKind.OUTREACH:
        if session.outreach_place not in OutreachPlace.values:
            errors["outreach_place"] = _("宣讲活动须选择五进场所")
    elif session.outreach_place:
        errors["outreach_place"] = _("只有宣讲活动才选择五进场所")
    if session.starts_at is None or session.ends_at is None:
        errors["starts_at"] = _("请填写开始和结束时间")
    elif session.ends_at <= session.starts_at:
        errors["ends_at"] = _("结束时间须晚于开始时间")
    if session.capacity is not None:
        if session.capacity < 1:
            errors["capacity"] = _("人数上限须为正整数，不限人数请留空")
        elif session.capacity < attended:
            errors["capacity"] = _("人数上限不能少于已签到人数（%(n)d 人）") % {"n": attended}
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def session_create(*, by, org: Org, kind: str, topic: str, starts_at: datetime, ends_at: datetime,
                   speaker: str = "", speaker_role: str = "", place: str = "", outreach_place: str = "",
                   capacity: int | None = None, campaign=None) -> Session:
    """Plan a session of ``org``. ``by`` must manage sessions there (``learning.manage_sessions``)."""
    _require_manager(by, org)
    session = Session(
        org=org, org_path=org.path, kind=kind, topic=(topic or "").strip(), speaker=(speaker or "").strip(),
        speaker_role=speaker_role or "", place=(place or "").strip(), outreach_place=outreach_place or "",
        starts_at=starts_at, ends_at=ends_at, capacity=capacity, campaign=campaign,
        created_by=by if getattr(by, "pk", None) else None,
    )
    _validate_session(session)
    _check_campaign(campaign, org, timezone.localdate(starts_at))
    session.full_clean()
    session.save()
    audit_record(by=by, action=AuditAction.SESSION_CREATED, obj=session, changes={
        "org": org.code, "kind": kind, "topic": session.topic, "speaker": session.speaker,
        "speaker_role": session.speaker_role, "place": session.place, "outreach_place": session.outreach_place,
        "starts_at": starts_at.isoformat(), "ends_at": ends_at.isoformat(), "capacity": capacity,
        "campaign": campaign.slug if campaign else None,
    })
    return session


@transaction.atomic
def session_update(*, by, session: Session, kind: str = UNSET, topic: str = UNSET, speaker: str = UNSET,
                   speaker_role: str = UNSET, place: str = UNSET, outreach_place: str = UNSET,
                   starts_at: datetime = UNSET, ends_at: datetime = UNSET, capacity: int | None = UNSET,
                   campaign=UNSET) -> Session:
    """Change what was planned. Arguments left out stay as they are; ``capacity=None`` removes the
    limit and ``campaign=None`` takes the session out of its campaign."""
    _require_manager(by, session.org)
    # Lock the row: a capacity lowered while people check in must be compared with a settled count.
    session = (Session.objects.select_for_update(no_key=True, of=("self",))
               .select_related("org", "campaign").get(pk=session.pk))
    before = {f: getattr(session, f) for f in _SESSION_TRACKED}
    given = {"kind": kind, "topic": topic, "speaker": speaker, "speaker_role": speaker_role, "place": place,
             "outreach_place": outreach_place, "starts_at": starts_at, "ends_at": ends_at, "capacity": capacity,
             "campaign": campaign}
    for name, value in given.items():
        if value is UNSET:
            continue
        if isinstance(value, str):
            value = value.strip()
        setattr(session, name, value)
    attended = session.attendances.count() if capacity is not UNSET and capacity is not None else 0
    _validate_session(session, attended=attended)
    _check_campaign(session.campaign, session.org, timezone.localdate(session.starts_at))
    session.full_clean()
    session.save()
    diff = changed_fields(session, before, _SESSION_TRACKED)
    if diff:
        audit_record(by=by, action=AuditAction.SESSION_UPDATED, obj=session, changes=diff)
    return session


def _move(*, by, session: Session, to: str, action: str) -> Session:
    _require_manager(by, session.org)
    locked = Session.objects.select_for_update(no_key=True).get(pk=session.pk)
    old = locked.status
    if old == to:
        return locked  # pressed twice: nothing to change, nothing to audit
    if to not in TRANSITIONS[old]:
        raise ValidationError(_("活动状态不能从“%(old)s”改为“%(new)s”") % {
            "old": SessionStatus(old).label, "new": SessionStatus(to).label})
    locked.status = to
    locked.save(update_fields=["status"])
    audit_record(by=by, action=action, obj=locked, changes={"status": [old, to]})
    session.status = to
    return locked


@transaction.atomic
def session_open(*, by, session: Session) -> Session:
    """Open check-in now (a planned session also opens by itself 30 minutes before it starts)."""
    return _move(by=by, session=session, to=SessionStatus.OPEN, action=AuditAction.SESSION_OPENED)


@transaction.atomic
def session_close(*, by, session: Session) -> Session:
    """End the session: the QR code stops working. Staff may still enter a paper sign-in sheet."""
    return _move(by=by, session=session, to=SessionStatus.CLOSED, action=AuditAction.SESSION_CLOSED)


# --- The weekly timetable ------------------------------------------------------------------------

def _validate_item(item: ScheduleItem) -> None:
    errors: dict[str, str] = {}
    if item.weekday not in range(7):
        errors["weekday"] = _("请选择星期几")
    if item.kind not in SessionKind.values:
        errors["kind"] = _("未知的活动形式")
    if not item.topic:
        errors["topic"] = _("请填写学习内容")
    if not isinstance(item.starts_at, time) or not isinstance(item.ends_at, time):
        errors["starts_at"] = _("请填写开始和结束时间")
    elif item.ends_at <= item.starts_at:
        errors["ends_at"] = _("结束时间须晚于开始时间")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def schedule_item_create(*, by, org: Org, weekday: int, starts_at: time, ends_at: time, topic: str,
                         kind: str = SessionKind.GROUP_STUDY, place: str = "", campaign=None) -> ScheduleItem:
    """Add a weekly slot to ``org``'s timetable, e.g. group study every Tuesday afternoon."""
    _require_manager(by, org)
    item = ScheduleItem(org=org, org_path=org.path, weekday=weekday, starts_at=starts_at, ends_at=ends_at,
                        topic=(topic or "").strip(), kind=kind, place=(place or "").strip(), campaign=campaign)
    _validate_item(item)
    _check_campaign(campaign, org)
    item.full_clean()
    item.save()
    audit_record(by=by, action=AuditAction.SCHEDULE_ITEM_CREATED, obj=item, changes={
        "org": org.code, "weekday": weekday, "starts_at": starts_at.isoformat(), "ends_at": ends_at.isoformat(),
        "kind": kind, "topic": item.topic, "place": item.place, "campaign": campaign.slug if campaign else None,
    })
    return item


@transaction.atomic
def schedule_item_update(*, by, item: ScheduleItem, weekday: int = UNSET, starts_at: time = UNSET,
                         ends_at: time = UNSET, topic: str = UNSET, kind: str = UNSET, place: str = UNSET,
                         campaign=UNSET, active: bool = UNSET) -> ScheduleItem:
    """Change a slot, or switch it off (``active=False``) so it leaves "this week"."""
    _require_manager(by, item.org)
    before = {f: getattr(item, f) for f in _ITEM_TRACKED}
    given = {"weekday": weekday, "starts_at": starts_at, "ends_at": ends_at, "topic": topic, "kind": kind,
             "place": place, "campaign": campaign, "active": active}
    for name, value in given.items():
        if value is UNSET:
            continue
        setattr(item, name, value.strip() if isinstance(value, str) else value)
    _validate_item(item)
    _check_campaign(item.campaign, item.org)
    item.full_clean()
    item.save()
    diff = changed_fields(item, before, _ITEM_TRACKED)
    if diff:
        audit_record(by=by, action=AuditAction.SCHEDULE_ITEM_UPDATED, obj=item, changes=diff)
    return item
