"""Reflections (学习心得): a member or resident writes one, staff review it, the best are selected
as excellent (优质心得).

The allowed moves (anything else raises ``ValidationError``):

| decision        | from                 | to        | excellent |
|-----------------|----------------------|-----------|-----------|
| approve         | submitted            | approved  | —         |
| return (note)   | submitted            | returned  | no        |
| excellent       | approved, not yet    | approved  | yes       |
| not_excellent   | approved, excellent  | approved  | no        |
| (resubmit)      | returned             | submitted | —         |

Reviewers hold ``learning.review_reflections`` on the author's community (street admin,
community worker over it); nobody reviews their own reflection. Every move is audited.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongxin.core.audit import AuditAction, audit_record
from tongxin.orgs.models import Org, OrgKind
from tongxin.people.models import Person
from tongxin.points.actions import PointsAction
from tongxin.points.services.ledger import points_award

from ..models import Attendance, Reflection, ReflectionStatus, Session
from .materials import actor_or_none

REVIEW_PERMISSION = "learning.review_reflections"
TITLE_MAX = 100
TEXT_MIN = 10
TEXT_MAX = 10_000


class ReviewDecision(models.TextChoices):
    APPROVE = "approve", gettext_lazy("审阅通过")
    RETURN = "return", gettext_lazy("退回修改")
    EXCELLENT = "excellent", gettext_lazy("评为优质心得")
    NOT_EXCELLENT = "not_excellent", gettext_lazy("取消优质")


S = ReflectionStatus
# decision → (status it needs, excellent flag it needs (None: any), status it leaves, flag it leaves)
TRANSITIONS: dict[str, tuple[str, bool | None, str, bool | None]] = {
    ReviewDecision.APPROVE: (S.SUBMITTED, None, S.APPROVED, None),
    ReviewDecision.RETURN: (S.SUBMITTED, None, S.RETURNED, False),
    ReviewDecision.EXCELLENT: (S.APPROVED, False, S.APPROVED, True),
    ReviewDecision.NOT_EXCELLENT: (S.APPROVED, True, S.APPROVED, False),
}


def community_of(person: Person) -> Org:
    """The community (or village) the person lives in; their own place if none is above it."""
    ids = [int(part) for part in person.org_path.strip("/").split("/") if part]
    found = (Org.objects.filter(pk__in=ids, kind__in=[OrgKind.COMMUNITY, OrgKind.VILLAGE])
             .order_by("-depth").first())
    return found or person.org


def may_review(user, reflection: Reflection) -> bool:
    if user is None:
        return True
    if getattr(user, "person_id", None) == reflection.person_id:
        return False
    return user.has_perm(REVIEW_PERMISSION, community_of(reflection.person))


def decisions_open(reflection: Reflection) -> list[str]:
    """The decisions the transition table allows for the reflection as it stands."""
    return [decision for decision, (status, flag, _to, _flag) in TRANSITIONS.items()
            if reflection.status == status and (flag is None or reflection.is_excellent == flag)]


def _clean_text(title: str, text: str) -> tuple[str, str]:
    title = (title or "").strip()
    text = (text or "").strip()
    errors = {}
    if not title:
        errors["title"] = _("标题不能为空")
    elif len(title) > TITLE_MAX:
        errors["title"] = _("标题不能超过 %(n)d 字") % {"n": TITLE_MAX}
    if len(text) < TEXT_MIN:
        errors["text"] = _("心得内容至少 %(n)d 个字") % {"n": TEXT_MIN}
    elif len(text) > TEXT_MAX:
        errors["text"] = _("心得内容不能超过 %(n)d 字") % {"n": TEXT_MAX}
    if errors:
        raise ValidationError(errors)
    return title, text


@transaction.atomic
def reflection_submit(*, by, title: str, text: str, campaign=None, session: Session | None = None,
                      person: Person | None = None) -> Reflection:
    """A member or resident submits a reflection of their own.

    ``person`` is the account's own person (the default); only the system (``by=None``, demo
    data) names another. With a ``session`` the author must have attended it; its campaign is
    taken when none is given. The same text sent twice is recorded once.
    """
    own = getattr(by, "person", None) if getattr(by, "person_id", None) else None
    if by is not None:
        if own is None:
            raise PermissionError(_("账号未关联人员，不能提交学习心得"))
        if person is not None and person.pk != own.pk:
            raise PermissionError(_("只能提交本人的学习心得"))
        person = own
    if person is None:
        raise ValidationError({"person": _("请指定心得作者")})
    if not person.is_active:
        raise ValidationError({"person": _("该人员已不在册")})
    title, text = _clean_text(title, text)
    if session is not None:
        if not Attendance.objects.filter(session=session, person=person).exists():
            raise ValidationError({"session": _("只能为本人参加过的学习活动写心得")})
        if campaign is None:
            campaign = session.campaign
        elif session.campaign_id is not None and session.campaign_id != campaign.pk:
            raise ValidationError({"session": _("该学习活动不属于所选主题活动")})
    if campaign is not None:
        if not person.org_path.startswith(campaign.scope_path):
            raise ValidationError({"campaign": _("您不在该主题活动范围内")})
        if not (campaign.starts_on <= timezone.localdate() <= campaign.ends_on):
            raise ValidationError({"campaign": _("该主题活动不在进行中")})
    # The person's row orders two sends of the same form (a double tap on a slow phone).
    list(Person.objects.select_for_update(no_key=True).filter(pk=person.pk).values_list("pk", flat=True))
    same = Reflection.objects.filter(person=person, title=title, text=text, status=S.SUBMITTED).first()
    if same is not None:
        return same
    reflection = Reflection(person=person, org_path=person.org_path, campaign=campaign, session=session,
                            title=title, text=text)
    reflection.full_clean()
    reflection.save()
    audit_record(by=by, action=AuditAction.REFLECTION_SUBMITTED, obj=reflection, changes={
        "person": person.pk, "campaign": campaign.slug if campaign else None,
        "session": session.pk if session else None, "chars": len(text),
    })
    # Points for writing (capped per day and week); a resubmission after a return earns nothing more.
    points_award(by=by, person=person, action=PointsAction.REFLECTION_SUBMITTED, key=f"reflection:{reflection.pk}",
                 source=reflection, reason=_("提交学习心得"), campaign=campaign)
    return reflection


def _locked(reflection: Reflection) -> Reflection:
    return Reflection.objects.select_for_update().select_related("person").get(pk=reflection.pk)


@transaction.atomic
def reflection_resubmit(*, by, reflection: Reflection, title: str, text: str) -> Reflection:
    """The author revises a returned reflection and sends it again for review."""
    locked = _locked(reflection)
    if by is not None and getattr(by, "person_id", None) != locked.person_id:
        raise PermissionError(_("只能修改本人的学习心得"))
    if locked.status != S.RETURNED:
        raise ValidationError(_("只有退回修改的心得才能重新提交"))
    title, text = _clean_text(title, text)
    locked.title, locked.text, locked.status = title, text, S.SUBMITTED
    locked.save(update_fields=["title", "text", "status"])
    audit_record(by=by, action=AuditAction.REFLECTION_SUBMITTED, obj=locked, changes={
        "person": locked.person_id, "status": [S.RETURNED, S.SUBMITTED], "chars": len(text),
    })
    _refresh(reflection, locked)
    return reflection


@transaction.atomic
def reflection_review(*, by, reflection: Reflection, decision: str, note: str = "") -> Reflection:
    """Approve, return with a note, or select (unselect) as excellent; see the table above."""
    if decision not in TRANSITIONS:
        raise ValidationError({"decision": _("未知的审阅意见")})
    # The row is locked and read again: two reviewers at once do not both move it.
    locked = _locked(reflection)
    if not may_review(by, locked):
        raise PermissionError(_("无权审阅该心得"))
    note = (note or "").strip()
    if len(note) > 200:
        raise ValidationError({"note": _("审阅意见不能超过 200 字")})
    need_status, need_flag, to_status, to_flag = TRANSITIONS[decision]
    if decision == ReviewDecision.EXCELLENT and locked.status != S.APPROVED:
        raise ValidationError({"decision": _("只有审阅通过的心得才能评为优质")})
    if locked.status != need_status or (need_flag is not None and locked.is_excellent != need_flag):
        raise ValidationError({"decision": _("该心得当前为“%(status)s%(flag)s”，不能%(decision)s") % {
            "status": locked.get_status_display(), "flag": _("、优质") if locked.is_excellent else "",
            "decision": ReviewDecision(decision).label}})
    if decision == ReviewDecision.RETURN and not note:
        raise ValidationError({"note": _("退回时请写明修改意见")})
    before = {"status": locked.status, "is_excellent": locked.is_excellent}
    locked.status = to_status
    if to_flag is not None:
        locked.is_excellent = to_flag
    if note:
        locked.review_note = note
    locked.reviewed_by = actor_or_none(by)
    locked.reviewed_at = timezone.now()
    locked.save(update_fields=["status", "is_excellent", "review_note", "reviewed_by", "reviewed_at"])
    audit_record(by=by, action=AuditAction.REFLECTION_REVIEWED, obj=locked, changes={
        "decision": decision, "status": [before["status"], locked.status],
        "is_excellent": [before["is_excellent"], locked.is_excellent], "note": note,
    })
    if decision == ReviewDecision.EXCELLENT:  # once per reflection: unselected and selected again earns no more
        points_award(by=by, person=locked.person, action=PointsAction.REFLECTION_EXCELLENT,
                     key=f"reflection_excellent:{locked.pk}", source=locked, reason=_("心得评为优质"),
                     campaign=locked.campaign)
    _refresh(reflection, locked)
    return reflection


def _refresh(target: Reflection, source: Reflection) -> None:
    for field in ("title", "text", "status", "is_excellent", "review_note", "reviewed_by_id", "reviewed_at"):
        setattr(target, field, getattr(source, field))
