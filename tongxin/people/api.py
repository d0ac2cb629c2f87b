from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema

from tongxin.core.api_schemas import ErrorOut, Limit, Offset, OrgCode, Text, choice, id_path, not_found
from tongxin.orgs.models import Org

from .models import Person, PersonGroup
from .selectors import SORTS, person_get_visible, person_list

router = Router(tags=["people"])
PersonId = id_path("人员编号")


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
    org: OrgCode = ""
    q: Text = ""
    group: choice(PersonGroup, blank=True) = ""
    sort: choice(list(SORTS)) = "place"
    limit: Limit = 50
    offset: Offset = 0


@router.get("", response={200: PeopleOut, 404: ErrorOut})
def people(request, filters: Query[PeopleQuery]):
    """People the caller may see, masked, optionally under an org and matching a search."""
    org = None
    if filters.org:
        org = Org.objects.filter(code=filters.org).first()
        if org is None:
            raise not_found(_("找不到编码为“%(code)s”的组织") % {"code": filters.org})
    qs = person_list(user=request.user, org=org, q=filters.q, group=filters.group, sort=filters.sort)
    offset = filters.offset
    items = list(qs.prefetch_related("group_memberships").select_related("party_member")[offset:offset + filters.limit])
    return {"count": qs.count(), "items": items}


@router.get("/{person_id}", response=PersonOut)
def person_detail(request, person_id: PersonId):
    person = person_get_visible(user=request.user, pk=person_id)
    if person is None:
        raise Http404
    return person
