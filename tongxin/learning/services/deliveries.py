"""Study brought to a person (送学上门, 网络助学, 口袋书, mp3, 有声书)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tongxin.core.audit import AuditAction, audit_record
from tongxin.people.models import Person

from ..models import Delivery, DeliveryKind, Material


@transaction.atomic
def delivery_record(*, by, person: Person, kind: str, campaign=None, delivered_by: Person | None = None,
                    delivered_at: datetime | None = None, material: Material | None = None,
                    note: str = "") -> Delivery:
    """Record that ``delivered_by`` brought study to ``person``. ``by`` is the account recording it."""
    if kind not in DeliveryKind.values:
        raise ValidationError({"kind": _("未知的送学方式")})
    when = delivered_at or timezone.now()
    if when > timezone.now() + timedelta(minutes=5):
        raise ValidationError({"delivered_at": _("送学时间不能晚于现在")})
    if campaign is not None and not (campaign.starts_on <= timezone.localdate(when) <= campaign.ends_on):
        raise ValidationError({"delivered_at": _("送学时间不在活动期间内")})
    if campaign is not None and not person.org_path.startswith(campaign.scope_path):
        raise ValidationError({"person": _("该人员不在本次活动范围内")})
    delivery = Delivery.objects.create(
        campaign=campaign, person=person, kind=kind, delivered_by=delivered_by, delivered_at=when,
        material=material, note=note.strip(), recorded_by=by if getattr(by, "pk", None) else None,
    )
    audit_record(by=by, action=AuditAction.DELIVERY_RECORDED, obj=delivery, changes={
        "person": person.pk, "kind": kind, "campaign": campaign.slug if campaign else None,
        "delivered_by": delivered_by.pk if delivered_by else None, "material": material.pk if material else None,
    })
    return delivery
