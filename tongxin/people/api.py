from django.http import Http404
from ninja import Query, Router, Schema

from tongxin.orgs.models import Org

from .models import Person
from .selectors import person_get_visible, person_list

router = Router(tags=["people"])


class PersonOut(Schema):
    id: int
    name: str
    gender: str
    birth_date: str | None
    id_number: str
    phone: str
    org: str
    org_name: str
    household: str | None
    groups: list[str]
    is_party_member: bool

    @staticmethod
    def resolve_birth_date(obj: Person):
        return obj.birth_date.isoformat() if obj.birth_date else None

    @staticmethod
    def resolve_id_number(obj: Person) -> str:
        return obj.id_number_masked

    @staticmethod
    def resolve_phone(obj: Person) -> str:
        return obj.phone_masked

    @staticmethod
    def resolve_org(obj: Person) -> str:
        return obj.org.code

    @staticmethod
    def resolve_org_name(obj: Person) -> str:
        return obj.org.name

    @staticmethod
    def resolve_household(obj: Person):
        return obj.household.number if obj.household_id else None

    @staticmethod
    def resolve_groups(obj: Person):
        return obj.group_codes

    @staticmethod
    def resolve_is_party_member(obj: Person) -> bool:
        return hasattr(obj, "party_member")


class PeopleOut(Schema):
    count: int
    items: list[PersonOut]


class PeopleQuery(Schema):
    org: str | None = None
    q: str = ""
    group: str = ""
    sort: str = "place"
    limit: int = 50
    offset: int = 0


@router.get("", response=PeopleOut)
def people(request, filters: Query[PeopleQuery]):
    """People the caller may see, masked, optionally under an org and matching a search."""
    org = None
    if filters.org:
        org = Org.objects.filter(code=filters.org).first()
        if org is None:
            raise Http404
    qs = person_list(user=request.user, org=org, q=filters.q, group=filters.group, sort=filters.sort)
    limit = max(1, min(filters.limit, 200))
    items = list(qs.prefetch_related("group_memberships").select_related("party_member")[filters.offset:filters.offset + limit])
    return {"count": qs.count(), "items": items}


@router.get("/{person_id}", response=PersonOut)
def person_detail(request, person_id: int):
    person = person_get_visible(user=request.user, pk=person_id)
    if person is None:
        raise Http404
    return person
