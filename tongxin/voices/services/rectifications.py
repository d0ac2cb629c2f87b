"""The problem list (问题清单, 检视整改): each item is fixed on the spot (立行立改) or in phases, each
phase with its target and due date.

The status moves only by this table (anything else raises ``RectificationConflict``):

| move   | from              | to          | when                                                     |
|--------|-------------------|-------------|----------------------------------------------------------|
| start  | open              | in_progress | staff start the fix, or the first phase is marked done    |
| fix    | open, in_progress | fixed       | staff record the result; a phased item needs every phase done |
| reopen | fixed             | in_progress | an inspection finds it not fixed; a reason is required    |

An immediate item has no phases and a near due date (``IMMEDIATE_MAX_DAYS``); a phased item has
at least two phases whose due dates follow each other. Phases are ticked in order. Overdue: an
item not fixed past its due date, or with a phase not done past the phase's.

Who: street admin and community worker over the item's org (``voices.manage_projects``).
Every step leaves an audit entry (``RECTIFICATION_SAVED``) whose ``changes["event"]`` names it;
the item's page reads its history from them.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongxin.core.audit import AuditAction, audit_record
from tongxin.orgs.models import Org

from ..models import (
    Rectification, RectificationMode, RectificationPhase, RectificationSource, RectificationStatus, Voice,
)
from .projects import PROJECT_ORG_KINDS

S = RectificationStatus
MANAGE = "voices.manage_projects"
IMMEDIATE_DEFAULT_DAYS = 7
# 立行立改 is what can be done at once; a longer fix is planned in phases.
IMMEDIATE_MAX_DAYS = 30
ITEM_MAX = 300
OWNER_MAX = 100
MEASURES_MAX = 2000
TARGET_MAX = 200
NOTE_MAX = 500


class RectificationEvent(models.TextChoices):
    """What an audit entry of an item records (its history)."""

    CREATE = "create", gettext_lazy("列入问题清单")
    START = "start", gettext_lazy("开始整改")
    PHASE_DONE = "phase_done", gettext_lazy("完成整改阶段")
    FIX = "fix", gettext_lazy("完成整改")
    REOPEN = "reopen", gettext_lazy("重新整改")


E = RectificationEvent
# move → (statuses it starts from, status it leaves)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    E.START: ((S.OPEN,), S.IN_PROGRESS),
    E.FIX: ((S.OPEN, S.IN_PROGRESS), S.FIXED),
    E.REOPEN: ((S.FIXED,), S.IN_PROGRESS),
}


class RectificationConflict(ValidationError):
    """The step is not allowed as the item stands now."""


def may_manage(user, rectification: Rectification) -> bool:
    return user is None or user.has_perm(MANAGE, rectification.org)


def moves_open(rectification: Rectification) -> list[str]:
    """The moves the table allows from the item's status (a phased item's fix also needs its
    phases done)."""
    return [move for move, (sources, _to) in TRANSITIONS.items() if rectification.status in sources]


def _require_manage(by, org: Org) -> None:
    if by is not None and not by.has_perm(MANAGE, org):
        raise PermissionError(_("无权管理该组织的问题清单"))


def _locked(rectification: Rectification) -> Rectification:
    return Rectification.objects.select_for_update().select_related("org").get(pk=rectification.pk)


def _refresh(target: Rectification, source: Rectification) -> None:
    for field in source._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))


def _move(item: Rectification, move: str, **fields) -> list[str]:
    sources, target = TRANSITIONS[move]
    if item.status not in sources:
        raise RectificationConflict(_("该问题当前为“%(status)s”，不能%(move)s") % {
            "status": item.get_status_display(), "move": E(move).label})
    before = item.status
    item.status = target
    for name, value in fields.items():
        setattr(item, name, value)
    item.save(update_fields=["status", *fields])
    return [before, target]


def _text(value: str | None) -> str:
    return (value or "").strip()


def _note(note: str, *, required: str | None = None, field: str = "note") -> str:
    note = _text(note)
    if required and not note:
        raise ValidationError({field: required})
    if len(note) > NOTE_MAX:
        raise ValidationError({field: _("说明不能超过 %(n)d 字") % {"n": NOTE_MAX}})
    return note


def _not_future(day: date | None, field: str) -> date:
    if day is None:
        raise ValidationError({field: _("请填写完成日期")})
    if day > timezone.localdate():
        raise ValidationError({field: _("完成日期不能晚于今天")})
    return day


def _clean_phases(rows) -> list[dict]:
    cleaned, messages, previous = [], [], None
    for number, row in enumerate(rows, start=1):
        target, due_on = _text(row.get("target")), row.get("due_on")
        if not target:
            messages.append(_("第 %(n)d 阶段：请填写阶段目标") % {"n": number})
        elif len(target) > TARGET_MAX:
            messages.append(_("第 %(n)d 阶段：阶段目标不能超过 %(max)d 字") % {"n": number, "max": TARGET_MAX})
        if due_on is None:
            messages.append(_("第 %(n)d 阶段：请填写完成时限") % {"n": number})
        elif previous is not None and due_on <= previous:
            messages.append(_("第 %(n)d 阶段：完成时限须晚于上一阶段") % {"n": number})
        previous = due_on or previous
        cleaned.append({"target": target, "due_on": due_on})
    if messages:
        raise ValidationError({"phases": messages})
    return cleaned


@transaction.atomic
def rectification_create(*, by, org: Org, item: str, source: str, owner: str, mode: str, measures: str = "",
                         due_on: date | None = None, campaign=None, source_voice: Voice | None = None,
                         phases: list[dict] = ()) -> Rectification:
    """Put a problem on the list. Immediate (立行立改): no phases, due within
    ``IMMEDIATE_MAX_DAYS`` (a week when not given). Phased: at least two phases
    (``{"target", "due_on"}``, due dates in order); the item is due with its last phase."""
    _require_manage(by, org)
    errors: dict[str, str | list] = {}
    item, owner, measures = _text(item), _text(owner), _text(measures)
    phases = list(phases)
    if org.kind not in PROJECT_ORG_KINDS:
        errors["org"] = _("问题清单须属于街道、社区或网格")
    if not item:
        errors["item"] = _("请填写问题")
    elif len(item) > ITEM_MAX:
        errors["item"] = _("问题不能超过 %(n)d 字") % {"n": ITEM_MAX}
    if source not in RectificationSource.values:
        errors["source"] = _("请选择问题来源")
    if not owner:
        errors["owner"] = _("请填写责任人或责任单位")
    elif len(owner) > OWNER_MAX:
        errors["owner"] = _("责任人/责任单位不能超过 %(n)d 字") % {"n": OWNER_MAX}
    if len(measures) > MEASURES_MAX:
        errors["measures"] = _("整改措施不能超过 %(n)d 字") % {"n": MEASURES_MAX}
    if campaign is not None and not org.path.startswith(campaign.scope_path):
        errors["campaign"] = _("该组织不在所选主题活动范围内")
    if source_voice is not None and not source_voice.org_path.startswith(org.path):
        errors["source_voice"] = _("来源心声不在该组织范围内")
    today = timezone.localdate()
    if mode == RectificationMode.IMMEDIATE:
        if phases:
            errors["phases"] = _("立行立改的问题不分阶段；需要长期整改的请选择分阶段整改")
        due_on = due_on or today + timedelta(days=IMMEDIATE_DEFAULT_DAYS)
        if due_on > today + timedelta(days=IMMEDIATE_MAX_DAYS):
            errors["due_on"] = _("立行立改须在 %(n)d 天内完成；需要长期整改的请选择分阶段整改") % {
                "n": IMMEDIATE_MAX_DAYS}
    elif mode == RectificationMode.PHASED:
        if len(phases) < 2:
            errors["phases"] = _("分阶段整改至少需要两个阶段，每个阶段写明目标和完成时限")
        else:
            try:
                phases = _clean_phases(phases)
            except ValidationError as error:
                errors.update(error.message_dict)
            else:
                last = phases[-1]["due_on"]
                if due_on is None:
                    due_on = last
                elif due_on < last:
                    errors["due_on"] = _("整改完成时限不能早于最后一个阶段的时限")
    else:
        errors["mode"] = _("请选择立行立改或分阶段整改")
    if errors:
        raise ValidationError(errors)
    rectification = Rectification(org=org, org_path=org.path, campaign=campaign, item=item, source=source,
                                  source_voice=source_voice, owner=owner, mode=mode, measures=measures,
                                  due_on=due_on, created_by=by if getattr(by, "pk", None) else None)
    rectification.full_clean()
    rectification.save()
    RectificationPhase.objects.bulk_create([
        RectificationPhase(rectification=rectification, order=number, **row)
        for number, row in enumerate(phases, start=1)])
    audit_record(by=by, action=AuditAction.RECTIFICATION_SAVED, obj=rectification, changes={
        "event": E.CREATE, "org": org.code, "mode": mode, "source": source, "owner": owner,
        "due_on": due_on.isoformat(), "phases": len(phases), "campaign": campaign.slug if campaign else None,
        "source_voice": source_voice.pk if source_voice else None})
    return rectification


@transaction.atomic
def rectification_start(*, by, rectification: Rectification, note: str = "") -> Rectification:
    """Start fixing an item (正在整改)."""
    locked = _locked(rectification)
    _require_manage(by, locked.org)
    note = _note(note)
    statuses = _move(locked, E.START)
    audit_record(by=by, action=AuditAction.RECTIFICATION_SAVED, obj=locked,
                 changes={"event": E.START, "status": statuses, "note": note})
    _refresh(rectification, locked)
    return rectification


@transaction.atomic
def phase_done(*, by, phase: RectificationPhase, done_on: date, note: str = "") -> RectificationPhase:
    """Tick a phase of a phased item, in order. The first starts an open item."""
    locked = _locked(phase.rectification)
    _require_manage(by, locked.org)
    phase = RectificationPhase.objects.select_for_update().get(pk=phase.pk)
    if locked.status == S.FIXED:
        raise RectificationConflict(_("该问题已完成整改"))
    if phase.done_on is not None:
        raise RectificationConflict(_("第 %(n)d 阶段已于 %(day)s 完成") % {
            "n": phase.order, "day": phase.done_on.isoformat()})
    earlier = locked.phases.filter(order__lt=phase.order)
    waiting = earlier.filter(done_on__isnull=True).order_by("order").first()
    if waiting is not None:
        raise ValidationError(_("请先完成第 %(n)d 阶段") % {"n": waiting.order})
    done_on = _not_future(done_on, "done_on")
    previous = earlier.aggregate(last=Max("done_on"))["last"]
    if previous and done_on < previous:
        raise ValidationError({"done_on": _("完成日期不能早于上一阶段的完成日期")})
    note = _note(note)
    phase.done_on = done_on
    phase.save(update_fields=["done_on"])
    statuses = _move(locked, E.START) if locked.status == S.OPEN else None
    audit_record(by=by, action=AuditAction.RECTIFICATION_SAVED, obj=locked, changes={
        "event": E.PHASE_DONE, "phase": phase.order, "target": phase.target, "done_on": done_on.isoformat(),
        "note": note, **({"status": statuses} if statuses else {})})
    return phase


@transaction.atomic
def rectification_fix(*, by, rectification: Rectification, fixed_on: date, note: str) -> Rectification:
    """Fixed (已完成整改), with what was done. A phased item needs every phase done first."""
    locked = _locked(rectification)
    _require_manage(by, locked.org)
    if locked.status not in TRANSITIONS[E.FIX][0]:
        raise RectificationConflict(_("该问题当前为“%(status)s”，不能%(move)s") % {
            "status": locked.get_status_display(), "move": E.FIX.label})
    fixed_on = _not_future(fixed_on, "fixed_on")
    note = _note(note, required=_("请写明整改结果"))
    if locked.mode == RectificationMode.PHASED:
        phases = locked.phases.aggregate(waiting=models.Count("id", filter=models.Q(done_on__isnull=True)),
                                         last=Max("done_on"))
        if phases["waiting"]:
            raise ValidationError(_("还有 %(n)d 个阶段未完成，不能销号") % {"n": phases["waiting"]})
        if phases["last"] and fixed_on < phases["last"]:
            raise ValidationError({"fixed_on": _("完成日期不能早于最后一个阶段的完成日期")})
    statuses = _move(locked, E.FIX, fixed_on=fixed_on)
    audit_record(by=by, action=AuditAction.RECTIFICATION_SAVED, obj=locked, changes={
        "event": E.FIX, "status": statuses, "fixed_on": fixed_on.isoformat(), "note": note})
    _refresh(rectification, locked)
    return rectification


@transaction.atomic
def rectification_reopen(*, by, rectification: Rectification, reason: str) -> Rectification:
    """Back to 正在整改: an inspection (or a resident) found the problem not fixed."""
    locked = _locked(rectification)
    _require_manage(by, locked.org)
    reason = _note(reason, required=_("请写明重新整改的原因"), field="reason")
    was = locked.fixed_on
    statuses = _move(locked, E.REOPEN, fixed_on=None)
    audit_record(by=by, action=AuditAction.RECTIFICATION_SAVED, obj=locked, changes={
        "event": E.REOPEN, "status": statuses, "was_fixed_on": was.isoformat() if was else None, "note": reason})
    _refresh(rectification, locked)
    return rectification
