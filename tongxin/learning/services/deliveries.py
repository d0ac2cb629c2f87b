"""Study brought to a person (送学上门, 网络助学, 口袋书, mp3, 有声书).

Who may record one: an account holding ``learning.record_delivery`` on the person (street
admin, community worker, grid worker, building head over the person's place), or the person's
study partner (结对助学: the helper of an active ``StudyPair`` with them). A pocket book or an mp3
player handed over with a material leaves that material's stock in the same transaction, with a
``Distribution`` row for the person.
"""

from __future__ import annotations

from datetime import datetime
from typing import BinaryIO

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from tongxin.core.audit import AuditAction, audit_record
from tongxin.orgs.models import Org
from tongxin.people.models import Person, StudyPair
from tongxin.points.actions import PointsAction
from tongxin.points.services.ledger import points_award

from ..models import Delivery, DeliveryKind, Material, MaterialKind, way_bit
from ..selectors.coverage import scope_holds
from .coverage import coverage_mark_reached
from .materials import actor_or_none, check_not_future, stock_take, write_workbook

RECORD_PERMISSION = "learning.record_delivery"

# The ways of delivery that hand an object over: a copy leaves the stock.
HANDED_OVER = frozenset({DeliveryKind.POCKET_BOOK, DeliveryKind.MP3})

# Which materials fit which way. For the ways that hand nothing over, the material names what
# was studied together (at home) or sent (online, audio book).
MATERIAL_KINDS_FOR = {
    DeliveryKind.HOME: frozenset(MaterialKind.values) - {MaterialKind.MP3_PLAYER},
    DeliveryKind.ONLINE: frozenset(MaterialKind.values) - {MaterialKind.MP3_PLAYER},
    DeliveryKind.POCKET_BOOK: frozenset({MaterialKind.POCKET_BOOK, MaterialKind.BOOK}),
    DeliveryKind.MP3: frozenset({MaterialKind.MP3_PLAYER}),
    DeliveryKind.AUDIO_BOOK: frozenset({MaterialKind.AUDIO}),
}


def is_study_partner(user, person: Person) -> bool:
    """True if the account's person helps ``person`` study (an active 结对助学 pair)."""
    helper_person_id = getattr(user, "person_id", None)
    if not helper_person_id or person is None:
        return False
    return StudyPair.objects.filter(active=True, helper__person_id=helper_person_id,
                                    member__person_id=person.pk).exists()


def may_record_delivery(user, person: Person) -> bool:
    return user.has_perm(RECORD_PERMISSION, person) or is_study_partner(user, person)


@transaction.atomic
def delivery_record(*, by, person: Person, kind: str, campaign=None, delivered_by: Person | None = None,
                    delivered_at: datetime | None = None, material: Material | None = None,
                    note: str = "") -> Delivery:
    """Record that ``delivered_by`` brought study to ``person``. ``by`` is the account recording it.

    ``delivered_by`` defaults to the recording account's own person; a study partner may only
    record what they delivered themself. ``by=None`` is the system (demo data) and is not asked
    for permission. A form sent twice (same person, way, material, time and recorder) is recorded
    once: the second call returns the first delivery.
    """
    if by is not None and not may_record_delivery(by, person):
        raise PermissionError(_("无权为该人员记录送学"))
    if kind not in DeliveryKind.values:
        raise ValidationError({"kind": _("未知的送学方式")})
    if not person.is_active:
        raise ValidationError({"person": _("该人员已不在册")})
    own_person_id = getattr(by, "person_id", None)
    if delivered_by is None and own_person_id:
        delivered_by = by.person
    if (by is not None and delivered_by is not None and delivered_by.pk != own_person_id
            and not by.has_perm(RECORD_PERMISSION, person)):
        raise ValidationError({"delivered_by": _("结对助学只能记录本人的送学")})
    if delivered_by is not None and delivered_by.pk == person.pk:
        raise ValidationError({"delivered_by": _("送学人不能是对象本人")})
    when = delivered_at or timezone.now()
    check_not_future(when, "delivered_at")
    if campaign is not None and not (campaign.starts_on <= timezone.localdate(when) <= campaign.ends_on):
        raise ValidationError({"delivered_at": _("送学时间不在活动期间内")})
    # Held by the scope as coverage counts them: a unit's campaign reaches its members where they live.
    if campaign is not None and not scope_holds(campaign, person):
        raise ValidationError({"person": _("该人员不在本次活动范围内")})
    if material is not None:
        if material.kind not in MATERIAL_KINDS_FOR[kind]:
            raise ValidationError({"material": _("“%(material)s”（%(mkind)s）不能用于%(kind)s") % {
                "material": material.title, "mkind": material.get_kind_display(),
                "kind": DeliveryKind(kind).label}})
        if not person.org_path.startswith(material.org_path):
            raise ValidationError({"material": _("该材料不属于该人员所在的街道或社区")})
    note = (note or "").strip()
    if len(note) > 200:
        raise ValidationError({"note": _("备注不能超过 200 字")})

    # Lock the person's row (no key update: inserts that merely reference the person, such as a
    # check-in, go on) so that the same form sent twice is seen as such.
    list(Person.objects.select_for_update(no_key=True).filter(pk=person.pk).values_list("pk", flat=True))
    if delivered_at is not None:
        same = Delivery.objects.filter(person=person, kind=kind, material=material, delivered_at=delivered_at,
                                       recorded_by=actor_or_none(by)).first()
        if same is not None:
            return same

    distribution = None
    if material is not None and kind in HANDED_OVER:
        try:
            distribution = stock_take(by=by, material=material, quantity=1, when=when, person=person,
                                      note=str(DeliveryKind(kind).label))
        except ValidationError as error:
            raise ValidationError({"material": error.messages}) from None
    delivery = Delivery(
        campaign=campaign, person=person, kind=kind, delivered_by=delivered_by, delivered_at=when,
        material=material, note=note, recorded_by=actor_or_none(by),
    )
    delivery.full_clean()
    delivery.save()
    if campaign is not None:
        coverage_mark_reached(campaign_id=campaign.pk, person_ids=[person.pk], when=when, way=way_bit("delivery", kind))
    audit_record(by=by, action=AuditAction.DELIVERY_RECORDED, obj=delivery, changes={
        "person": person.pk, "kind": kind, "campaign": campaign.slug if campaign else None,
        "delivered_by": delivered_by.pk if delivered_by else None, "material": material.pk if material else None,
        "distribution": distribution.pk if distribution else None,
    })
    if kind == DeliveryKind.HOME:  # study brought home earns the person reached; online, books, mp3 do not
        points_award(by=by, person=person, action=PointsAction.HOME_DELIVERY, key=f"delivery:{delivery.pk}",
                     source=delivery, reason=_("接受送学上门"), campaign=campaign, at=when)
    return delivery


def deliveries_export_workbook(*, by, org: Org | None, deliveries: QuerySet[Delivery], out: BinaryIO,
                               filters: dict | None = None) -> int:
    """Write deliveries (already scoped by the caller, see ``selectors.study.delivery_list``) to
    ``out`` as .xlsx: formula-safe, any phone or ID number in a note masked. Audited. Returns the
    number of rows."""
    rows = (
        [d.delivered_at, d.person.name, d.person.org.name, d.get_kind_display(),
         d.material.title if d.material_id else "", d.delivered_by.name if d.delivered_by_id else "",
         d.campaign.name if d.campaign_id else "", d.note]
        for d in deliveries.iterator(chunk_size=2000)
    )
    count = write_workbook(out, title=_("送学记录"), headers=[
        _("时间"), _("对象"), _("所在网格/楼栋"), _("方式"), _("学习材料"), _("送学人"), _("主题活动"), _("备注"),
    ], widths=(18, 10, 18, 12, 24, 10, 24, 30), rows=rows)
    audit_record(by=by, action=AuditAction.DELIVERIES_EXPORTED, obj=org, changes={
        "org": org.code if org else None, "count": count,
        "filters": {k: str(v) for k, v in (filters or {}).items() if v},
    })
    return count
