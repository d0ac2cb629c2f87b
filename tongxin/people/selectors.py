"""Reads on people, always within what the account may see."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.db.models.functions import Right
from django.db.models.lookups import Exact

from tongxin.accounts.selectors import scope_filter
from tongxin.core import personal_data
from tongxin.core.identity import normalize_id_number, normalize_phone
from tongxin.orgs.models import Org

from .models import Person
from .permissions import VIEW_ROLES

SORTS = {
    "name": ("name_initials", "id"),
    "-name": ("-name_initials", "-id"),
    "place": ("org_path", "name_initials", "id"),
    "-place": ("-org_path", "-name_initials", "-id"),
    "birth": ("birth_date", "id"),
    "-birth": ("-birth_date", "-id"),
    "new": ("-id",),
}


def person_visible_q(user) -> Q:
    """Rows the account may see: people under its scoped roles, and itself."""
    condition = scope_filter(user, VIEW_ROLES) or Q(pk__in=[])
    if getattr(user, "person_id", None):
        condition |= Q(pk=user.person_id)
    return condition


def search_q(q: str) -> Q:
    """Search by name (prefix), pinyin initials, masked or full phone, last four digits, ID number."""
    q = q.strip()
    if not q:
        return Q()
    if re.fullmatch(r"1\d{2}\*{4}\d{4}", q):
        return Q(phone_masked=q)
    if re.fullmatch(r"\d{4}", q):
        # The expression of ``person_phone_last4_idx``; ``endswith`` would scan every row.
        return Q(Exact(Right("phone_masked", 4), q))
    if re.fullmatch(r"1\d{10}", q):
        try:
            return Q(phone_hash=personal_data.lookup_hash(normalize_phone(q)))
        except ValidationError:
            return Q(pk__in=[])
    if re.fullmatch(r"\d{15}|\d{17}[\dXx]", q):
        try:
            return Q(id_number_hash=personal_data.lookup_hash(normalize_id_number(q)))
        except ValidationError:
            return Q(pk__in=[])
    if re.fullmatch(r"[A-Za-z]+", q):
        return Q(name_initials__startswith=q.lower())
    return Q(name__startswith=q)


def person_list(*, user, org: Org | None = None, q: str = "", group: str = "", member: str = "",
                sort: str = "place") -> QuerySet[Person]:
    qs = Person.objects.filter(person_visible_q(user), is_active=True)
    if org is not None:
        qs = qs.filter(org_path__startswith=org.path)
    qs = qs.filter(search_q(q))
    if group:
        qs = qs.filter(group_memberships__group=group)
    if member == "yes":
        qs = qs.filter(party_member__isnull=False)
    elif member == "no":
        qs = qs.filter(party_member__isnull=True)
    return qs.select_related("org", "household", "party_member").order_by(*SORTS.get(sort, SORTS["place"]))


def person_get_visible(*, user, pk: int) -> Person | None:
    """The person if the account may see them, else None (so callers answer 404, not 403)."""
    return (
        Person.objects.filter(person_visible_q(user), pk=pk)
        .select_related("org", "household", "party_member__branch")
        .first()
    )


def person_count_in(org: Org) -> int:
    return Person.objects.filter(org_path__startswith=org.path, is_active=True).count()
