"""Sessions and deliveries for the tests, written through the learning services like real data."""

from datetime import date, datetime, time, timedelta

from django.utils import timezone

from tongxin.learning.models import Delivery, DeliveryKind, Session, SessionKind
from tongxin.learning.services.deliveries import delivery_record
from tongxin.learning.services.sessions import session_create


def at(day: date, hour: int = 15) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def days(n: int) -> date:
    return timezone.localdate() + timedelta(days=n)


def make_session(street, campaign, org, *, day: date, kind: str = SessionKind.GROUP_STUDY,
                 topic: str = "学习党的二十大精神") -> Session:
    return session_create(by=street.accounts["street_admin"], org=org, kind=kind, topic=topic, starts_at=at(day),
                          ends_at=at(day, 16), campaign=campaign)


def make_delivery(street, campaign, person, *, day: date, kind: str = DeliveryKind.HOME) -> Delivery:
    return delivery_record(by=street.accounts["street_admin"], person=person, kind=kind, campaign=campaign,
                           delivered_at=at(day, 10))
