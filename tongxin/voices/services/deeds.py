"""Good deeds: "党员办好一件实事" (a party member's practical deed for residents) and "居民办好一件
小事" (a resident's small deed for the community) — who did what, for whom, when. Recorded by the
community staff over the person's place, or by the member or resident themselves."""

from __future__ import annotations

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tongxin.core.audit import AuditAction, audit_record
from tongxin.people.models import Person

from ..models import DeedKind, GoodDeed, Voice

WHAT_MIN = 4
WHAT_MAX = 300
FOR_WHOM_MAX = 100
# As for visits: a deed entered long afterwards is nearly always a mistyped year.
BACKFILL_MAX = timedelta(days=366)


def may_record_deed(user, person: Person) -> bool:
    """Staff who manage the person's place, or the person themselves."""
    if getattr(user, "person_id", None) == person.pk:
        return True
    return bool(getattr(user, "pk", None)) and user.has_perm("voices.manage_projects", person.org)


def _check_done_on(done_on: date | None, campaign) -> None:
    if done_on is None:
        raise ValidationError({"done_on": _("请填写日期")})
    today = timezone.localdate()
    if done_on > today:
        raise ValidationError({"done_on": _("日期不能晚于今天")})
    if campaign is not None:
        if not campaign.starts_on <= done_on <= campaign.ends_on:
            raise ValidationError({"done_on": _("日期须在主题活动期间（%(start)s 至 %(end)s）") % {
                "start": campaign.starts_on.isoformat(), "end": campaign.ends_on.isoformat()}})
    elif done_on < today - BACKFILL_MAX:
        raise ValidationError({"done_on": _("只能补录一年以内的好事实事，请检查年份")})


@transaction.atomic
def good_deed_record(*, by, kind: str, person: Person, what: str, for_whom: str = "", done_on: date,
                     voice: Voice | None = None, campaign=None) -> GoodDeed:
    """Record a good deed. ``DeedKind.MEMBER`` needs a party member; ``DeedKind.RESIDENT`` anyone
    in the registry. ``voice``: the wish or request the deed answered, if any (one the recorder
    may see). The same deed sent twice (same person, kind, text and day) is one."""
    if kind not in DeedKind.values:
        raise ValidationError({"kind": _("请选择类型")})
    if not may_record_deed(by, person):
        raise PermissionError(_("无权为该人员登记好事实事"))
    if not person.is_active:
        raise ValidationError({"person": _("该人员已不在册")})
    if kind == DeedKind.MEMBER and not hasattr(person, "party_member"):
        raise ValidationError({"kind": _("“党员办好一件实事”只能登记党员")})
    what = " ".join((what or "").split())
    if len(what) < WHAT_MIN:
        raise ValidationError({"what": _("请写清办了什么事（至少 %(n)d 个字）") % {"n": WHAT_MIN}})
    if len(what) > WHAT_MAX:
        raise ValidationError({"what": _("事项不能超过 %(n)d 字") % {"n": WHAT_MAX}})
    for_whom = " ".join((for_whom or "").split())
    if len(for_whom) > FOR_WHOM_MAX:
        raise ValidationError({"for_whom": _("服务对象不能超过 %(n)d 字") % {"n": FOR_WHOM_MAX}})
    if campaign is not None and not person.org_path.startswith(campaign.scope_path):
        raise ValidationError({"campaign": _("该人员不在主题活动范围内")})
    _check_done_on(done_on, campaign)
    if voice is not None and not by.has_perm("voices.view_voice", voice):
        raise ValidationError({"voice": _("无法关联该心愿或诉求")})

    # The person's row orders two sends of the same form: the second waits, then finds the first.
    list(Person.objects.select_for_update(no_key=True).filter(pk=person.pk).values_list("pk", flat=True))
    same = GoodDeed.objects.filter(person=person, kind=kind, what=what, done_on=done_on).first()
    if same is not None:
        return same
    deed = GoodDeed(kind=kind, person=person, org=person.org, org_path=person.org_path, what=what,
                    for_whom=for_whom, done_on=done_on, voice=voice, campaign=campaign, recorded_by=by)
    deed.full_clean(exclude=["org_path"])
    deed.save()
    audit_record(by=by, action=AuditAction.GOOD_DEED_RECORDED, obj=deed, changes={
        "kind": kind, "person": person.pk, "org": person.org.code, "done_on": done_on.isoformat(),
        "voice": voice.pk if voice else None, "campaign": campaign.slug if campaign else None,
        "self": getattr(by, "person_id", None) == person.pk,
    })
    return deed
