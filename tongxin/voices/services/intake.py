"""Intake: a voice comes in, from a resident online or recorded on their behalf by staff (at a
visit, a forum, from a form or a hotline call). Its library and category are suggested from the
text at once; staff confirm them when they accept it (``workflow.voice_accept``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tongxin.core.audit import AuditAction, audit_record
from tongxin.orgs.models import Household, Org, OrgKind
from tongxin.people.models import Person

from ..models import Channel, Visit, Voice, VoiceAction, VoiceKind, VoicePhoto, VoiceStatus
from ..text import suggest
from .history import actor_name, event_add

TEXT_MIN = 4
TEXT_MAX = 2000
PHOTOS_MAX = 6
PHOTO_BYTES_MAX = 8 * 1024 * 1024
# The same text from the same person (or recorded by the same account for the same place) within
# this time is one voice: a double tap on a slow phone, a form sent twice.
SAME_WINDOW = timedelta(minutes=30)
PLACE_KINDS = (OrgKind.GRID, OrgKind.BUILDING, OrgKind.COMMUNITY, OrgKind.VILLAGE)


def clean_text(text: str) -> str:
    text = (text or "").strip()
    if len(text) < TEXT_MIN:
        raise ValidationError({"text": _("请把要反映的事情写清楚（至少 %(n)d 个字）") % {"n": TEXT_MIN}})
    if len(text) > TEXT_MAX:
        raise ValidationError({"text": _("内容不能超过 %(n)d 字，可分几条提交") % {"n": TEXT_MAX}})
    return text


def check_photos(photos: Sequence[UploadedFile]) -> None:
    """Photos are optional; each must be an image of reasonable size (checked by decoding it)."""
    if len(photos) > PHOTOS_MAX:
        raise ValidationError({"photos": _("最多上传 %(n)d 张照片") % {"n": PHOTOS_MAX}})
    from PIL import Image, UnidentifiedImageError

    for photo in photos:
        if photo.size > PHOTO_BYTES_MAX:
            raise ValidationError({"photos": _("照片“%(name)s”超过 8 MB，请压缩后再传") % {"name": photo.name}})
        try:
            with Image.open(photo) as image:
                image.verify()
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
            raise ValidationError({"photos": _("“%(name)s”不是能打开的图片") % {"name": photo.name}}) from None
        finally:
            photo.seek(0)


def photos_add(*, by, voice: Voice, photos: Sequence[UploadedFile], evidence: bool = False) -> list[VoicePhoto]:
    saved = []
    for photo in photos:
        item = VoicePhoto(voice=voice, is_evidence=evidence, uploaded_by=by if getattr(by, "pk", None) else None)
        item.image.save(photo.name, photo, save=False)
        item.save()
        saved.append(item)
    if saved:
        audit_record(by=by, action=AuditAction.VOICE_PHOTO_ADDED, obj=voice,
                     changes={"photos": len(saved), "evidence": evidence})
    return saved


def _recent_same(*, text: str, person: Person | None, org: Org, by) -> Voice | None:
    same = Voice.objects.filter(text=text, submitted_at__gte=timezone.now() - SAME_WINDOW)
    if person is not None:
        return same.filter(person=person).first()
    return same.filter(person__isnull=True, org=org, recorded_by=by if getattr(by, "pk", None) else None).first()


@transaction.atomic
def voice_submit(*, by, kind: str, text: str, channel: str = Channel.ONLINE, person: Person | None = None,
                 speaker_name: str = "", org: Org | None = None, household: Household | None = None,
                 urgent: bool = False, campaign=None, visit: Visit | None = None,
                 photos: Sequence[UploadedFile] = (), on_behalf: bool = False) -> Voice:
    """Record a voice.

    A resident or member speaks for themselves (``on_behalf=False``): the voice is theirs, from
    their place and household, by the online channel. Staff record on someone's behalf
    (``on_behalf=True``, holding ``voices.record_voice`` over the place): the person if known, or
    a name as they gave it, the place (a grid or building; taken from the person or household
    when not given) and the channel it came by. The same text sent twice is one voice.
    """
    if kind not in VoiceKind.values:
        raise ValidationError({"kind": _("请选择反映的类型")})
    text = clean_text(text)
    speaker_name = (speaker_name or "").strip()[:50]
    if on_behalf:
        if channel not in Channel.values:
            raise ValidationError({"channel": _("请选择来源渠道")})
        if household is not None and person is not None and person.household_id not in (None, household.pk):
            raise ValidationError({"household": _("该人员不属于所选的户")})
        org = org or (household.org if household else None) or (person.org if person else None)
        if org is None:
            raise ValidationError({"org": _("请选择所在网格或楼栋")})
        if org.kind not in PLACE_KINDS:
            raise ValidationError({"org": _("所在地须是社区、网格或楼栋")})
        if household is None and person is not None:
            household = person.household
        if household is not None and not household.org_path.startswith(org.path):
            raise ValidationError({"household": _("该户不在所选网格或楼栋内")})
        if by is not None and not by.has_perm("voices.record_voice", org):
            raise PermissionError(_("无权为该网格登记群众心声"))
        if by is not None and person is not None and not by.has_perm("voices.record_voice", person.org):
            raise PermissionError(_("该反映人不在您负责的范围内"))
    else:
        own = getattr(by, "person", None) if getattr(by, "person_id", None) else None
        if by is not None:
            if own is None:
                raise PermissionError(_("账号未关联人员，请到社区登记后再提交"))
            person = own
        if person is None:
            raise ValidationError({"person": _("请指定反映人")})
        channel, org, household = Channel.ONLINE, person.org, person.household
    if person is not None and not person.is_active:
        raise ValidationError({"person": _("该人员已不在册")})
    if campaign is not None and not org.path.startswith(campaign.scope_path):
        raise ValidationError({"campaign": _("所在地不在该主题活动范围内")})
    check_photos(photos)
    if person is not None:
        # The person's row orders two sends of the same form.
        list(Person.objects.select_for_update(no_key=True).filter(pk=person.pk).values_list("pk", flat=True))
    same = _recent_same(text=text, person=person, org=org, by=by)
    if same is not None:
        return same
    suggestion = suggest(text, kind)
    voice = Voice(
        kind=kind, channel=channel, text=text, urgent=urgent, person=person,
        speaker_name=speaker_name or (person.name if person else ""), household=household, org=org,
        org_path=org.path, recorded_by=by if getattr(by, "pk", None) else None, visit=visit, campaign=campaign,
        suggested_library=suggestion.library, suggested_category=suggestion.category,
    )
    voice.full_clean(exclude=["org_path"])
    voice.save()
    event_add(voice=voice, action=VoiceAction.SUBMIT, by=by, to_status=VoiceStatus.SUBMITTED,
              note=_("%(channel)s，%(who)s") % {"channel": voice.get_channel_display(),
                                               "who": _("本人提交") if not on_behalf else
                                               _("%(name)s代为登记") % {"name": actor_name(by)}})
    audit_record(by=by, action=AuditAction.VOICE_SUBMITTED, obj=voice, changes={
        "kind": kind, "channel": channel, "org": org.code, "person": person.pk if person else None,
        "urgent": urgent, "suggested": [suggestion.library, suggestion.category], "chars": len(text),
    })
    photos_add(by=by, voice=voice, photos=photos)
    return voice
