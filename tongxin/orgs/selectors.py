from __future__ import annotations

from django.db.models import Count, QuerySet

from .models import Household, Org, OrgKind

PLACE_KINDS = {OrgKind.CITY, OrgKind.DISTRICT, OrgKind.STREET, OrgKind.TOWNSHIP, OrgKind.COMMUNITY,
               OrgKind.VILLAGE, OrgKind.GRID, OrgKind.BUILDING}


def org_subtree(org: Org, *, include_self: bool = True) -> QuerySet[Org]:
    qs = Org.objects.filter(path__startswith=org.path)
    return qs if include_self else qs.exclude(pk=org.pk)


def org_ancestors(org: Org) -> list[Org]:
    """From the root down to the parent, in order."""
    ids = org.ancestor_ids
    by_id = Org.objects.in_bulk(ids)
    return [by_id[i] for i in ids if i in by_id]


def org_children(org: Org) -> QuerySet[Org]:
    return Org.objects.filter(parent=org).order_by("kind", "name")


def org_children_with_counts(org: Org) -> list[dict]:
    """Children with the number of people in each child's subtree (one aggregate per child
    would be N queries; one grouped query over people covers them all)."""
    from tongxin.people.models import Person

    children = list(org_children(org))
    counts = dict(
        Person.objects.filter(org_path__startswith=org.path, is_active=True)
        .exclude(org_path=org.path)
        .values_list("org_path")
        .annotate(n=Count("id"))
    )
    result = []
    for child in children:
        # Residents live in places; units and party organisations have members, not residents.
        total = sum(n for path, n in counts.items() if path.startswith(child.path)) \
            if child.kind in PLACE_KINDS else None
        result.append({"org": child, "people": total})
    return result


def org_by_code(code: str) -> Org | None:
    return Org.objects.filter(code=code).first()


def grids_and_buildings(org: Org) -> QuerySet[Org]:
    return org_subtree(org).filter(kind__in=[OrgKind.GRID, OrgKind.BUILDING])


def households_in(org: Org) -> QuerySet[Household]:
    return Household.objects.filter(org_path__startswith=org.path)
