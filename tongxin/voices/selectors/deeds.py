"""Reads on good deeds ("党员办好一件实事", "居民办好一件小事"): the list, searchable, filterable and
sortable, and its counts by kind (deeds and the people who did them) — grouped SQL counts over an
org subtree (``org_path LIKE 'prefix%'``) and a period of days."""

from __future__ import annotations

import re

from django.db.models import Count, Q, QuerySet

from tongxin.accounts.selectors import scope_filter
from tongxin.orgs.models import Org
from tongxin.people.models import Person
from tongxin.people.selectors import search_q

from ..models import DeedKind, GoodDeed
from ..permissions import HANDLE_ROLES, VIEW_ROLES
from .visits import ALL_TIME, NOTHING, Period

DEED_SORTS = {
    "-date": ("-done_on", "-id"),
    "date": ("done_on", "id"),
    "name": ("person__name_initials", "-done_on", "-id"),
    "kind": ("kind", "-done_on", "-id"),
}


def deed_visible_q(user) -> Q:
    """Deeds under the account's staff and superior scopes, the account's own, and those it recorded."""
    condition = scope_filter(user, VIEW_ROLES) or NOTHING
    if getattr(user, "person_id", None):
        condition |= Q(person_id=user.person_id)
    if getattr(user, "pk", None):
        condition |= Q(recorded_by_id=user.pk)
    return condition


def deed_list(*, user, org: Org | None = None, period: Period = ALL_TIME, kind: str = "", q: str = "",
              sort: str = "-date") -> QuerySet[GoodDeed]:
    """``q``: the start of the doer's name or its pinyin initials, or words of what was done or
    for whom."""
    qs = GoodDeed.objects.filter(deed_visible_q(user)).filter(period.day_q("done_on"))
    if org is not None:
        qs = qs.filter(org_path__startswith=org.path)
    if kind in DeedKind.values:
        qs = qs.filter(kind=kind)
    q = q.strip()
    if q:
        if re.fullmatch(r"[A-Za-z]+", q):
            qs = qs.filter(person__name_initials__startswith=q.lower())
        else:
            qs = qs.filter(Q(person__name__startswith=q) | Q(what__contains=q) | Q(for_whom__contains=q))
    return (qs.select_related("person__org", "org", "campaign")
            .order_by(*DEED_SORTS.get(sort, DEED_SORTS["-date"])))


def deed_counts(deeds: QuerySet[GoodDeed]) -> dict:
    """``{"rows": [{kind, label, deeds, people}, …], "deeds": n, "people": n}`` in two grouped queries."""
    base = deeds.order_by()
    grouped = {kind: (n, people) for kind, n, people in
               base.values_list("kind").annotate(n=Count("id"), people=Count("person", distinct=True))}
    totals = base.aggregate(deeds=Count("id"), people=Count("person", distinct=True))
    rows = [{"kind": kind, "label": label, "deeds": grouped.get(kind, (0, 0))[0],
             "people": grouped.get(kind, (0, 0))[1]} for kind, label in DeedKind.choices]
    return {"rows": rows, **totals}


def deed_counts_for_org(org: Org, *, period: Period = ALL_TIME) -> dict:
    """The counts by kind of every deed under ``org`` in ``period`` (for figures and reports)."""
    return deed_counts(GoodDeed.objects.filter(org_path__startswith=org.path).filter(period.day_q("done_on")))


def deed_people(*, user, q: str = "", limit: int = 30) -> list[Person]:
    """Whom the account may record a deed for, as staff: the people of its places found by name,
    initials or phone digits; without a search, the party members first."""
    scope = scope_filter(user, HANDLE_ROLES)
    if scope is None:
        return []
    people = Person.objects.filter(scope, is_active=True)
    people = people.filter(search_q(q)) if q.strip() else people.filter(party_member__isnull=False)
    return list(people.select_related("org", "party_member").order_by("org_path", "name_initials", "id")[:limit])
