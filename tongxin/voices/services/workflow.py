"""The workflow of a voice: an explicit table of allowed moves, and one service per move. Each
locks the voice's row, checks who may act and whether the move is allowed from the status it
finds, changes the voice, and writes a history row (``VoiceEvent``) and an audit entry.

| move     | from                                   | to          | who                                   |
|----------|----------------------------------------|-------------|---------------------------------------|
| accept   | submitted                              | accepted    | handles (community staff over it)     |
| reject   | submitted, accepted                    | rejected    | handles; a reason is required         |
| claim    | accepted, reopened (wishes only)       | claimed     | a member of the street, staff over it |
| assign   | accepted, assigned, reopened           | assigned    | handles                               |
| start    | claimed, assigned, reopened            | in_progress | its handler, or handles               |
| resolve  | in_progress                            | resolved    | its handler, or handles; a note       |
| rate     | resolved                               | closed (满意, 基本满意) or reopened (不满意) | the speaker; staff by a follow-up call |
| close    | resolved                               | closed      | handles (no rating came)              |
| reopen   | resolved, closed, rejected             | reopened    | handles; a reason is required         |
| merge    | any but closed                         | closed      | handles; counted once, in the other   |

Steps that do not change the status: classify, a note, and (in their own modules) escalate an
overdue item to the org above (``escalation``), publish or unpublish the public summary
(``publishing``). Two claims of the same wish at the same moment: the
row lock orders them, and the second finds it claimed (``VoiceConflict``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tongxin.accounts.models import User
from tongxin.core.audit import AuditAction, audit_record
from tongxin.orgs.models import Org, OrgKind

from ..models import Library, Rating, Voice, VoiceAction, VoiceCategory, VoiceStatus
from .history import event_add
from .intake import check_photos, photos_add

S = VoiceStatus
A = VoiceAction
OPEN = (S.SUBMITTED, S.ACCEPTED, S.CLAIMED, S.ASSIGNED, S.IN_PROGRESS, S.REOPENED)

# move → (statuses it starts from, status it leaves)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    A.ACCEPT: ((S.SUBMITTED,), S.ACCEPTED),
    A.REJECT: ((S.SUBMITTED, S.ACCEPTED), S.REJECTED),
    A.CLAIM: ((S.ACCEPTED, S.REOPENED), S.CLAIMED),
    A.ASSIGN: ((S.ACCEPTED, S.ASSIGNED, S.REOPENED), S.ASSIGNED),
    A.START: ((S.CLAIMED, S.ASSIGNED, S.REOPENED), S.IN_PROGRESS),
    A.RESOLVE: ((S.IN_PROGRESS,), S.RESOLVED),
    A.CLOSE: ((S.RESOLVED,), S.CLOSED),
    A.REOPEN: ((S.RESOLVED, S.CLOSED, S.REJECTED), S.REOPENED),
    A.MERGE: ((*OPEN, S.RESOLVED, S.REJECTED), S.CLOSED),
}
# A rating moves a resolved voice on: to closed, or back to be handled again.
RATING_MOVES = {Rating.SATISFIED: S.CLOSED, Rating.BASICALLY: S.CLOSED, Rating.UNSATISFIED: S.REOPENED}
NOTE_MAX = 1000
DEFAULT_DEADLINE_DAYS = 15  # an item reopened that was never classified (rejected before acceptance)


class VoiceConflict(ValidationError):
    """The move is not allowed from the status the voice is in now (another person moved it
    first: a second claim, a double click)."""


def moves_open(voice: Voice) -> list[str]:
    """The moves the table allows from the voice's status (who may make them is another matter)."""
    moves = [move for move, (sources, _to) in TRANSITIONS.items() if voice.status in sources]
    if voice.kind != "wish" and A.CLAIM in moves:
        moves.remove(A.CLAIM)
    return moves


def _locked(voice: Voice) -> Voice:
    # Only the voice's row: PostgreSQL will not lock the nullable side of the join to the category.
    return Voice.objects.select_for_update(of=("self",)).select_related("category", "org").get(pk=voice.pk)


def _refresh(target: Voice, source: Voice) -> None:
    for field in source._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))


def _require(by, permission: str, voice: Voice) -> None:
    if by is not None and not by.has_perm(permission, voice):
        raise PermissionError(_("无权办理该事项"))


def _note(note: str, *, required: str | None = None) -> str:
    note = (note or "").strip()
    if required and not note:
        raise ValidationError({"note": required})
    if len(note) > NOTE_MAX:
        raise ValidationError({"note": _("说明不能超过 %(n)d 字") % {"n": NOTE_MAX}})
    return note


def _move(*, by, voice: Voice, move: str, note: str = "", fields: dict | None = None,
          to_status: str | None = None, audit: dict | None = None) -> Voice:
    """Apply a move of the table to the locked voice: status, fields, history row, audit entry."""
    sources, target = TRANSITIONS[move]
    target = to_status or target
    if voice.status not in sources:
        raise VoiceConflict(_("该事项当前为“%(status)s”，不能%(move)s") % {
            "status": voice.get_status_display(), "move": A(move).label})
    before = voice.status
    voice.status = target
    for name, value in (fields or {}).items():
        setattr(voice, name, value)
    voice.save(update_fields=["status", *(fields or {})])
    event_add(voice=voice, action=move, by=by, from_status=before, to_status=target, note=note)
    audit_record(by=by, action=AuditAction.VOICE_MOVED, obj=voice,
                 changes={"move": move, "status": [before, target], **(audit or {})})
    return voice


def _step(*, by, voice: Voice, action: str, note: str = "", fields: dict | None = None,
          audit: dict | None = None) -> Voice:
    """A step that leaves the status as it is, recorded in the history all the same."""
    if fields:
        for name, value in fields.items():
            setattr(voice, name, value)
        voice.save(update_fields=list(fields))
    event_add(voice=voice, action=action, by=by, from_status=voice.status, to_status=voice.status, note=note)
    audit_record(by=by, action=AuditAction.VOICE_MOVED, obj=voice, changes={"move": action, **(audit or {})})
    return voice


def _classification(library: str | None, category: VoiceCategory | None, voice: Voice) -> tuple[str, VoiceCategory]:
    library = library or voice.library or voice.suggested_library
    if category is None:
        code = voice.category.code if voice.category_id else voice.suggested_category
        category = VoiceCategory.objects.filter(code=code).first() if code else None
    if library not in Library.values:
        raise ValidationError({"library": _("请选择归入哪个库（难点库、问题库或建议库）")})
    if category is None:
        raise ValidationError({"category": _("请选择类别")})
    return library, category


@transaction.atomic
def voice_accept(*, by, voice: Voice, library: str | None = None, category: VoiceCategory | None = None,
                 note: str = "") -> Voice:
    """Accept (受理): confirm the library and category (the suggestions when none are given); the
    deadline follows from the category's days."""
    locked = _locked(voice)
    _require(by, "voices.handle_voice", locked)
    library, category = _classification(library, category, locked)
    now = timezone.now()
    _move(by=by, voice=locked, move=A.ACCEPT, note=_note(note), fields={
        "library": library, "category": category, "responded_at": now,
        "due_at": now + timedelta(days=category.deadline_days),
    }, audit={"library": library, "category": category.code,
              "as_suggested": [library == locked.suggested_library, category.code == locked.suggested_category]})
    _refresh(voice, locked)
    return voice


@transaction.atomic
def voice_reject(*, by, voice: Voice, reason: str) -> Voice:
    """Not accepted (不予受理), with a reason the speaker will read."""
    locked = _locked(voice)
    _require(by, "voices.handle_voice", locked)
    reason = _note(reason, required=_("请写明不予受理的理由"))[:200]
    _move(by=by, voice=locked, move=A.REJECT, note=reason, fields={
        "reject_reason": reason, "responded_at": locked.responded_at or timezone.now()})
    _refresh(voice, locked)
    return voice


@transaction.atomic
def voice_claim(*, by, voice: Voice, unit: Org | None = None, note: str = "") -> Voice:
    """A member, a cadre, or a partner unit (共建单位, claimed by its staff or members) takes a
    wish on (接单). Of two claims at once, the first to lock the row wins; the second finds it
    claimed and gets ``VoiceConflict``."""
    locked = _locked(voice)
    if locked.kind != "wish":
        raise ValidationError(_("只有心愿可以接单"))
    if locked.status not in TRANSITIONS[A.CLAIM][0]:
        raise VoiceConflict(_("该心愿已被认领或不在可接单状态（当前：%(status)s）") % {
            "status": locked.get_status_display()})
    if by is None:
        raise PermissionError(_("接单须由具体的人办理"))
    _require(by, "voices.claim_wish", locked)
    if unit is not None:
        if not unit.is_co_building_unit:
            raise ValidationError({"unit": _("只有共建单位可以单位名义接单")})
        member = getattr(getattr(by, "person", None), "party_member", None) if by.person_id else None
        if not by.has_perm("voices.record_voice", locked.org) and not (
                member is not None and member.branch.path.startswith(unit.path)):
            raise PermissionError(_("您不是该共建单位的党员，不能以单位名义接单"))
    _move(by=by, voice=locked, move=A.CLAIM, note=_note(note) or (unit.name if unit else ""),
          fields={"handler": by, "handler_unit": unit}, audit={"unit": unit.code if unit else None})
    _refresh(voice, locked)
    return voice


@transaction.atomic
def voice_assign(*, by, voice: Voice, handler: User | None = None, unit: Org | None = None,
                 note: str = "") -> Voice:
    """Assign (交办) to a staff account or a unit; again to another while not started."""
    locked = _locked(voice)
    _require(by, "voices.handle_voice", locked)
    if handler is None and unit is None:
        raise ValidationError({"handler": _("请选择承办人或承办单位")})
    if handler is not None and not handler.is_active:
        raise ValidationError({"handler": _("该账号已停用")})
    if handler is not None and not handler.has_perm("voices.record_voice", locked.org):
        raise ValidationError({"handler": _("承办人须是该网格的工作人员")})
    if unit is not None and unit.kind not in (OrgKind.UNIT, OrgKind.COMMUNITY, OrgKind.STREET, OrgKind.GRID):
        raise ValidationError({"unit": _("承办单位须是单位、社区、街道或网格")})
    who = ", ".join(name for name in [handler.display_name if handler else "", unit.name if unit else ""] if name)
    _move(by=by, voice=locked, move=A.ASSIGN, note=_note(note) or who,
          fields={"handler": handler, "handler_unit": unit},
          audit={"handler": handler.get_username() if handler else None, "unit": unit.code if unit else None})
    _refresh(voice, locked)
    return voice


@transaction.atomic
def voice_start(*, by, voice: Voice, note: str = "") -> Voice:
    locked = _locked(voice)
    _require(by, "voices.work_voice", locked)
    _move(by=by, voice=locked, move=A.START, note=_note(note))
    _refresh(voice, locked)
    return voice


@transaction.atomic
def voice_resolve(*, by, voice: Voice, resolution: str, photos: Sequence[UploadedFile] = ()) -> Voice:
    """Resolved (办结): what was done, with photos as evidence. The item enters the results
    library (成果库) and waits for the speaker's rating."""
    locked = _locked(voice)
    _require(by, "voices.work_voice", locked)
    resolution = _note(resolution, required=_("请写明办理结果"))
    check_photos(photos)
    _move(by=by, voice=locked, move=A.RESOLVE, note=resolution,
          fields={"resolution": resolution, "resolved_at": timezone.now()}, audit={"photos": len(photos)})
    photos_add(by=by, voice=locked, photos=photos, evidence=True)
    _refresh(voice, locked)
    return voice


def _new_deadline(voice: Voice):
    return timezone.now() + timedelta(days=voice.category.deadline_days if voice.category_id else DEFAULT_DEADLINE_DAYS)


def _rate(*, by, voice: Voice, rating: str, note: str, action: str) -> Voice:
    if rating not in Rating.values:
        raise ValidationError({"rating": _("请选择满意、基本满意或不满意")})
    if voice.status != S.RESOLVED:
        raise VoiceConflict(_("该事项当前为“%(status)s”，不能评价") % {"status": voice.get_status_display()})
    note = _note(note, required=_("请说说哪里不满意，便于重新办理") if rating == Rating.UNSATISFIED else None)
    before, target = voice.status, RATING_MOVES[rating]
    voice.status, voice.rating, voice.rated_at = target, rating, timezone.now()
    fields = ["status", "rating", "rated_at"]
    if target == S.REOPENED:  # handled again: a new deadline, or it would be overdue at once
        voice.due_at = _new_deadline(voice)
        fields.append("due_at")
    voice.save(update_fields=fields)
    event_add(voice=voice, action=action, by=by, from_status=before, to_status=target,
              note=f"{Rating(rating).label}{'：' + note if note else ''}")
    audit_record(by=by, action=AuditAction.VOICE_MOVED, obj=voice,
                 changes={"move": action, "status": [before, target], "rating": rating})
    return voice


@transaction.atomic
def voice_rate(*, by, voice: Voice, rating: str, note: str = "") -> Voice:
    """The speaker rates the resolution: 满意 or 基本满意 closes it, 不满意 reopens it."""
    locked = _locked(voice)
    if by is not None and (locked.person_id is None or getattr(by, "person_id", None) != locked.person_id):
        raise PermissionError(_("只有反映人本人可以评价"))
    _rate(by=by, voice=locked, rating=rating, note=note, action=A.RATE)
    _refresh(voice, locked)
    return voice


@transaction.atomic
def voice_follow_up(*, by, voice: Voice, rating: str, note: str = "") -> Voice:
    """Staff call the speaker back (回访) and record their rating for them."""
    locked = _locked(voice)
    _require(by, "voices.handle_voice", locked)
    _rate(by=by, voice=locked, rating=rating, note=note, action=A.FOLLOW_UP)
    _refresh(voice, locked)
    return voice


@transaction.atomic
def voice_close(*, by, voice: Voice, note: str) -> Voice:
    """Close a resolved item no rating came for (the speaker could not be reached)."""
    locked = _locked(voice)
    _require(by, "voices.handle_voice", locked)
    _move(by=by, voice=locked, move=A.CLOSE, note=_note(note, required=_("请写明关闭的原因")))
    _refresh(voice, locked)
    return voice


@transaction.atomic
def voice_reopen(*, by, voice: Voice, note: str) -> Voice:
    locked = _locked(voice)
    _require(by, "voices.handle_voice", locked)
    _move(by=by, voice=locked, move=A.REOPEN, note=_note(note, required=_("请写明重新办理的原因")),
          fields={"due_at": _new_deadline(locked)})
    _refresh(voice, locked)
    return voice


@transaction.atomic
def voice_merge(*, by, voice: Voice, into: Voice, note: str = "") -> Voice:
    """A near-duplicate of ``into``: closed and counted once, in ``into``, whose history says so."""
    locked = _locked(voice)
    _require(by, "voices.handle_voice", locked)
    target = Voice.objects.select_for_update().get(pk=into.pk)
    if target.pk == locked.pk:
        raise ValidationError({"into": _("不能合并到自身")})
    if target.duplicate_of_id is not None:
        raise ValidationError({"into": _("目标事项本身已被合并，请合并到 #%(id)s") % {"id": target.duplicate_of_id}})
    if not by_sees(by, target):
        raise PermissionError(_("无权查看目标事项"))
    note = _note(note)
    _move(by=by, voice=locked, move=A.MERGE, note=note or _("与 #%(id)s 为同一事项") % {"id": target.pk},
          fields={"duplicate_of": target}, audit={"into": target.pk})
    # Those the merged item pointed to now point to the target: one level of duplicates only.
    Voice.objects.filter(duplicate_of=locked).update(duplicate_of=target)
    _step(by=by, voice=target, action=A.MERGE, note=_("合并了重复事项 #%(id)s") % {"id": locked.pk},
          audit={"merged": locked.pk})
    _refresh(voice, locked)
    return voice


def by_sees(by, voice: Voice) -> bool:
    return by is None or by.has_perm("voices.view_voice", voice)


@transaction.atomic
def voice_classify(*, by, voice: Voice, library: str, category: VoiceCategory, note: str = "") -> Voice:
    """Move an item to another library or category (the deadline of an open one follows)."""
    locked = _locked(voice)
    _require(by, "voices.handle_voice", locked)
    library, category = _classification(library, category, locked)
    before = [locked.library, locked.category.code if locked.category_id else ""]
    fields = {"library": library, "category": category}
    if locked.responded_at and locked.status in OPEN:
        fields["due_at"] = locked.responded_at + timedelta(days=category.deadline_days)
    _step(by=by, voice=locked, action=A.CLASSIFY, fields=fields,
          note=_note(note) or f"{Library(library).label} · {category.name}",
          audit={"library": [before[0], library], "category": [before[1], category.code]})
    _refresh(voice, locked)
    return voice


@transaction.atomic
def voice_note(*, by, voice: Voice, note: str) -> Voice:
    """A note in the history (a call made, a part ordered) by whoever works on the item."""
    locked = _locked(voice)
    _require(by, "voices.work_voice", locked)
    _step(by=by, voice=locked, action=A.NOTE, note=_note(note, required=_("请填写备注内容")))
    _refresh(voice, locked)
    return voice
