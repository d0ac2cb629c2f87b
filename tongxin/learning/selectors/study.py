"""Reads on deliveries, materials, reflections and bulletins, always within what the account
may see. Figures are SQL aggregates (one grouped query each), never Python loops over rows."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from tongxin.accounts.models import Role
from tongxin.accounts.selectors import scope_filter, scope_paths
from tongxin.orgs.models import Org
from tongxin.people.models import Person
from tongxin.people.selectors import ancestor_paths

from ..models import (
    Bulletin, Delivery, DeliveryKind, Distribution, Material, MaterialKind, Reflection, ReflectionStatus,
)
from ..permissions import COVERAGE_ROLES, DELIVERY_ROLES, MANAGE_ROLES

NOTHING = Q(pk__in=[])


def name_search_q(q: str, prefix: str = "") -> Q:
    """Search a person by the start of the name, or by pinyin initials (zs → 张三)."""
    q = q.strip()
    if not q:
        return Q()
    if re.fullmatch(r"[A-Za-z]+", q):
        return Q(**{f"{prefix}name_initials__startswith": q.lower()})
    return Q(**{f"{prefix}name__startswith": q})


def _day_bounds(since: date | None, until: date | None, field: str) -> Q:
    """``since`` … ``until`` inclusive, as local-day bounds on a datetime column (indexable)."""
    condition = Q()
    tz = timezone.get_current_timezone()
    if since:
        condition &= Q(**{f"{field}__gte": datetime.combine(since, time.min, tzinfo=tz)})
    if until:
        condition &= Q(**{f"{field}__lt": datetime.combine(until + timedelta(days=1), time.min, tzinfo=tz)})
    return condition


def _within_or_above(user, roles, field: str) -> Q:
    """Rows of orgs inside the account's scopes, or above them (a street's pocket books are
    seen by the grid worker who hands them out)."""
    paths = set(scope_paths(user, roles))
    if not paths:
        return NOTHING
    condition = scope_filter(user, roles, field=field)
    above = {a for p in paths for a in ancestor_paths(p)}
    return condition | Q(**{f"{field}__in": sorted(above)})


# --- Deliveries -----------------------------------------------------------------------------

DELIVERY_SORTS = {
    "-date": ("-delivered_at", "-id"),
    "date": ("delivered_at", "id"),
    "name": ("person__name_initials", "-delivered_at", "-id"),
    "-name": ("-person__name_initials", "-delivered_at", "-id"),
    "kind": ("kind", "-delivered_at", "-id"),
}


def delivery_visible_q(user) -> Q:
    """Deliveries to people under the account's staff scopes, and those it made or recorded
    (a study partner sees their own)."""
    condition = scope_filter(user, COVERAGE_ROLES, field="person__org_path") or NOTHING
    if getattr(user, "person_id", None):
        condition |= Q(delivered_by_id=user.person_id)
    if getattr(user, "pk", None):
        condition |= Q(recorded_by_id=user.pk)
    return condition


def delivery_list(*, user, org: Org | None = None, campaign=None, kind: str = "", since: date | None = None,
                  until: date | None = None, q: str = "", sort: str = "-date") -> QuerySet[Delivery]:
    qs = Delivery.objects.filter(delivery_visible_q(user))
    if org is not None:
        qs = qs.filter(person__org_path__startswith=org.path)
    if campaign is not None:
        qs = qs.filter(campaign=campaign)
    if kind:
        qs = qs.filter(kind=kind)
    qs = qs.filter(_day_bounds(since, until, "delivered_at"), name_search_q(q, "person__"))
    return (qs.select_related("person__org", "delivered_by", "material", "campaign")
            .order_by(*DELIVERY_SORTS.get(sort, DELIVERY_SORTS["-date"])))


def delivery_counts_by_kind(deliveries: QuerySet[Delivery]) -> dict:
    """``{"rows": [{kind, label, deliveries, people}, …], "deliveries": n, "people": n}`` in two
    grouped queries: 送学上门 **人次 (deliveries) and how many different people (people)."""
    base = deliveries.order_by()
    grouped = {row["kind"]: row for row in base.values("kind").annotate(
        deliveries=Count("id"), people=Count("person", distinct=True))}
    totals = base.aggregate(deliveries=Count("id"), people=Count("person", distinct=True))
    rows = [{"kind": kind, "label": label, "deliveries": grouped.get(kind, {}).get("deliveries", 0),
             "people": grouped.get(kind, {}).get("people", 0)} for kind, label in DeliveryKind.choices]
    return {"rows": rows, **totals}


def delivery_targets(*, user, q: str = "", limit: int = 30) -> dict:
    """Whom the account may record a delivery for, for the first step of the delivery form:
    its study partners, and (staff) the people of its scope — by default the members who need
    study at home or are away (流动党员), else whoever matches the search."""
    partners = Person.objects.none()
    if getattr(user, "person_id", None):
        partners = (Person.objects.filter(is_active=True, party_member__helped_by__active=True,
                                          party_member__helped_by__helper__person_id=user.person_id)
                    .select_related("org", "party_member").order_by("name_initials", "id"))
    scope = scope_filter(user, DELIVERY_ROLES)
    people = Person.objects.none()
    if scope is not None:
        people = Person.objects.filter(scope, is_active=True)
        if q.strip():
            people = people.filter(name_search_q(q))
        else:
            people = people.filter(Q(party_member__needs_home_delivery=True) | Q(party_member__is_mobile=True))
        people = people.select_related("org", "party_member").order_by("org_path", "name_initials", "id")[:limit]
    if q.strip():
        partners = partners.filter(name_search_q(q))
    return {"partners": list(partners), "people": list(people), "is_staff": scope is not None}


# --- Materials ------------------------------------------------------------------------------

MATERIAL_SORTS = {
    "title": ("title", "id"),
    "kind": ("kind", "title", "id"),
    "stock": ("stock", "title", "id"),
    "-stock": ("-stock", "title", "id"),
    "-distributed": ("-distributed", "title", "id"),
    "place": ("org_path", "kind", "title", "id"),
}


def material_visible_q(user) -> Q:
    return _within_or_above(user, COVERAGE_ROLES, "org_path")


def _distributed_total():
    """Copies handed out of a material, as a correlated subquery (no join to multiply rows)."""
    total = (Distribution.objects.filter(material=OuterRef("pk")).order_by().values("material")
             .annotate(n=Sum("quantity")).values("n"))
    return Coalesce(Subquery(total, output_field=IntegerField()), Value(0))


def _material_filter(*, user, org: Org | None, kind: str, q: str) -> QuerySet[Material]:
    qs = Material.objects.filter(material_visible_q(user))
    if org is not None:
        qs = qs.filter(org_path__startswith=org.path)
    if kind:
        qs = qs.filter(kind=kind)
    if q.strip():
        qs = qs.filter(title__icontains=q.strip())
    return qs


def material_list(*, user, org: Org | None = None, kind: str = "", q: str = "",
                  sort: str = "place") -> QuerySet[Material]:
    """Materials with ``distributed`` (copies handed out) annotated."""
    qs = _material_filter(user=user, org=org, kind=kind, q=q)
    return (qs.annotate(distributed=_distributed_total()).select_related("org", "campaign")
            .order_by(*MATERIAL_SORTS.get(sort, MATERIAL_SORTS["place"])))


def material_stock_totals(*, user, org: Org | None = None, kind: str = "", q: str = "") -> list[dict]:
    """Stock and copies handed out per material kind, over the same filters as the list: one
    grouped query over materials, one over distributions."""
    materials = _material_filter(user=user, org=org, kind=kind, q=q).order_by()
    stock = {row["kind"]: row for row in materials.values("kind").annotate(items=Count("id"), stock=Sum("stock"))}
    handed = dict(
        Distribution.objects.filter(material__in=materials.values("pk")).order_by()
        .values_list("material__kind").annotate(n=Sum("quantity"))
    )
    return [{"kind": kind, "label": label, "items": stock[kind]["items"], "stock": stock[kind]["stock"] or 0,
             "distributed": handed.get(kind, 0)}
            for kind, label in MaterialKind.choices if kind in stock]


def material_get_visible(*, user, pk: int) -> Material | None:
    return (Material.objects.filter(material_visible_q(user), pk=pk).annotate(distributed=_distributed_total())
            .select_related("org", "campaign").first())


def materials_for_person(person: Person, kinds=None) -> QuerySet[Material]:
    """Materials held by the person's place or any place above it, i.e. those that may be
    handed to them."""
    qs = Material.objects.filter(org_path__in=ancestor_paths(person.org_path))
    if kinds is not None:
        qs = qs.filter(kind__in=kinds)
    return qs.order_by("kind", "title")


def distributions_of(material: Material) -> QuerySet[Distribution]:
    return (Distribution.objects.filter(material=material)
            .select_related("person", "org", "recorded_by__person").order_by("-distributed_at", "-id"))


def distribution_totals(material: Material) -> dict:
    """Copies handed to people, to units, and how many different people, in one query."""
    return Distribution.objects.filter(material=material).aggregate(
        to_people=Coalesce(Sum("quantity", filter=Q(person__isnull=False)), 0),
        to_units=Coalesce(Sum("quantity", filter=Q(org__isnull=False)), 0),
        people=Count("person", distinct=True),
        units=Count("org", distinct=True),
    )


# --- Reflections ----------------------------------------------------------------------------

REFLECTION_SORTS = {
    "-date": ("-submitted_at", "-id"),
    "date": ("submitted_at", "id"),
    "name": ("person__name_initials", "-submitted_at", "-id"),
    "place": ("org_path", "-submitted_at", "-id"),
}


def reflection_visible_q(user) -> Q:
    """Reviewers (street admin, community worker) and superiors see the reflections of their
    scope; everyone sees their own."""
    condition = scope_filter(user, (*MANAGE_ROLES, Role.SUPERIOR)) or NOTHING
    if getattr(user, "person_id", None):
        condition |= Q(person_id=user.person_id)
    return condition


def reflection_list(*, user, org: Org | None = None, campaign=None, status: str = "", excellent: str = "",
                    q: str = "", sort: str = "-date") -> QuerySet[Reflection]:
    qs = Reflection.objects.filter(reflection_visible_q(user))
    if org is not None:
        qs = qs.filter(org_path__startswith=org.path)
    if campaign is not None:
        qs = qs.filter(campaign=campaign)
    if status in ReflectionStatus.values:
        qs = qs.filter(status=status)
    if excellent == "yes":
        qs = qs.filter(is_excellent=True)
    if q.strip():
        qs = qs.filter(name_search_q(q, "person__") | Q(title__icontains=q.strip()))
    return (qs.select_related("person__org", "campaign")
            .order_by(*REFLECTION_SORTS.get(sort, REFLECTION_SORTS["-date"])))


def reflection_counts(reflections: QuerySet[Reflection]) -> dict:
    """Submitted / approved / returned and excellent, in one query."""
    return reflections.order_by().aggregate(
        total=Count("id"),
        submitted=Count("id", filter=Q(status=ReflectionStatus.SUBMITTED)),
        approved=Count("id", filter=Q(status=ReflectionStatus.APPROVED)),
        returned=Count("id", filter=Q(status=ReflectionStatus.RETURNED)),
        excellent=Count("id", filter=Q(is_excellent=True)),
    )


def reflection_get_visible(*, user, pk: int) -> Reflection | None:
    return (Reflection.objects.filter(reflection_visible_q(user), pk=pk)
            .select_related("person__org", "campaign", "session", "reviewed_by__person").first())


def my_reflections(person: Person) -> QuerySet[Reflection]:
    return Reflection.objects.filter(person=person).select_related("campaign").order_by("-submitted_at", "-id")


# --- Bulletins ------------------------------------------------------------------------------

BULLETIN_SORTS = {
    "-date": ("-published_on", "-issue_no", "-id"),
    "date": ("published_on", "issue_no", "id"),
    "issue": ("org_path", "campaign_id", "-issue_no"),
    "title": ("title", "-published_on"),
}


def bulletin_visible_q(user) -> Q:
    """Bulletins of orgs in the account's scopes, and of the orgs above them (a street's weekly
    通报 is read by its communities; a superior reads what its streets issue)."""
    return _within_or_above(user, COVERAGE_ROLES, "org_path")


def bulletin_list(*, user, org: Org | None = None, campaign=None, q: str = "",
                  sort: str = "-date") -> QuerySet[Bulletin]:
    qs = Bulletin.objects.filter(bulletin_visible_q(user))
    if org is not None:
        qs = qs.filter(org_path__startswith=org.path)
    if campaign is not None:
        qs = qs.filter(campaign=campaign)
    if q.strip():
        qs = qs.filter(title__icontains=q.strip())
    return qs.select_related("org", "campaign").order_by(*BULLETIN_SORTS.get(sort, BULLETIN_SORTS["-date"]))


def bulletin_get_visible(*, user, pk: int) -> Bulletin | None:
    return (Bulletin.objects.filter(bulletin_visible_q(user), pk=pk)
            .select_related("org", "campaign", "created_by__person").first())


def study_figures(*, org: Org, campaign=None, since: date | None = None, until: date | None = None) -> dict:
    """The figures a bulletin quotes for ``org`` (and ``campaign``, period): deliveries by way,
    copies handed out, reflections and excellent ones, from the records."""
    deliveries = Delivery.objects.filter(person__org_path__startswith=org.path)
    reflections = Reflection.objects.filter(org_path__startswith=org.path)
    if campaign is not None:
        deliveries = deliveries.filter(campaign=campaign)
        reflections = reflections.filter(campaign=campaign)
    deliveries = deliveries.filter(_day_bounds(since, until, "delivered_at"))
    reflections = reflections.filter(_day_bounds(since, until, "submitted_at"))
    # Copies that reached people or units of the org, from whichever stock they came.
    handed = Distribution.objects.filter(
        Q(person__org_path__startswith=org.path) | Q(org__path__startswith=org.path),
        _day_bounds(since, until, "distributed_at"))
    copies = dict(handed.order_by().values_list("material__kind").annotate(n=Sum("quantity")))
    return {
        "deliveries": delivery_counts_by_kind(deliveries),
        "copies": [{"kind": kind, "label": label, "copies": copies[kind]}
                   for kind, label in MaterialKind.choices if copies.get(kind)],
        "reflections": reflection_counts(reflections),
    }
