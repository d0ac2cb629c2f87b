"""Reads on people, always within what the account may see."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.db.models.functions import Right
from django.db.models.lookups import Exact

from tongxin.accounts.models import Role
from tongxin.accounts.selectors import scope_filter
from tongxin.core import personal_data
from tongxin.core.identity import normalize_id_number, normalize_phone
from tongxin.orgs.models import Household, Org

from .models import PartyMember, Person, Responsibility, StudyPair
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


def visible_person_ids(*, user, pks) -> set[int]:
    """Which of the persons ``pks`` the account may see (to link to their pages)."""
    pks = list(pks)
    if not pks:
        return set()
    return set(Person.objects.filter(person_visible_q(user), pk__in=pks).values_list("pk", flat=True))


def person_count_in(org: Org) -> int:
    return Person.objects.filter(org_path__startswith=org.path, is_active=True).count()


def ancestor_paths(path: str) -> list[str]:
    """``/1/7/42/`` → ``['/1/', '/1/7/', '/1/7/42/']``: the place and every place above it."""
    parts = [p for p in path.strip("/").split("/") if p]
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def who_answers_for(household: Household) -> dict:
    """Who answers for a household: 包户, 包楼 and 包片 holders, and the grid workers of its grid."""
    paths = ancestor_paths(household.org_path)
    responsibilities = (
        Responsibility.objects.filter(Q(household=household) | Q(household__isnull=True, org_path__in=paths))
        .select_related("person", "org")
        .order_by("kind", "person__name")
    )
    grid_workers = (
        Person.objects.filter(account__role_assignments__role=Role.GRID_WORKER,
                              account__role_assignments__org__path__in=paths)
        .distinct()
        .order_by("name")
    )
    return {"responsibilities": list(responsibilities), "grid_workers": list(grid_workers)}


def study_pairs_of(member: PartyMember | None) -> dict:
    """The members this member helps study, and who helps them (结对助学)."""
    if member is None:
        return {"helping": [], "helped_by": []}
    active = StudyPair.objects.filter(active=True).select_related("helper__person", "member__person")
    return {
        "helping": [pair.member.person for pair in active.filter(helper=member)],
        "helped_by": [pair.helper.person for pair in active.filter(member=member)],
    }
