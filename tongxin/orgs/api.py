from django.http import Http404
from ninja import Router, Schema

from tongxin.core.api_schemas import code_path

from .models import Org
from .selectors import org_children

router = Router(tags=["orgs"])
OrgCodePath = code_path(description="组织编码")


class OrgOut(Schema):
    code: str
    name: str
    kind: str
    kind_name: str
    domain: str
    parent: str | None
    depth: int

    @staticmethod
    def resolve_kind_name(obj: Org) -> str:
        return obj.get_kind_display()

    @staticmethod
    def resolve_parent(obj: Org) -> str | None:
        return obj.parent.code if obj.parent_id else None


def _visible_org(request, code: str) -> Org:
    org = Org.objects.select_related("parent").filter(code=code).first()
    if org is None or not request.user.has_perm("orgs.view_org", org):
        raise Http404
    return org


@router.get("/{code}", response=OrgOut)
def org_detail(request, code: OrgCodePath):
    return _visible_org(request, code)


@router.get("/{code}/children", response=list[OrgOut])
def org_children_list(request, code: OrgCodePath):
    return list(org_children(_visible_org(request, code)).select_related("parent"))
