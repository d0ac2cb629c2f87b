from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render

from tongxin.accounts.selectors import user_role_scopes
from tongxin.people.selectors import person_count_in

from .models import Org, OrgKind
from .selectors import households_in, org_ancestors, org_children_with_counts


@login_required
def org_tree(request):
    """Start at the account's own scopes; with one scope, go straight to it."""
    codes = sorted({code for _role, _path, code in user_role_scopes(request.user)})
    orgs = [org for org in Org.objects.filter(code__in=codes) if request.user.has_perm("orgs.view_org", org)]
    if not orgs:
        raise PermissionDenied
    if len(orgs) == 1:
        return redirect("orgs:detail", code=orgs[0].code)
    return render(request, "orgs/tree.html", {"orgs": orgs})


@login_required
def org_detail(request, code: str):
    org = get_object_or_404(Org, code=code)
    if not request.user.has_perm("orgs.view_org", org):
        raise PermissionDenied
    ancestors = [a for a in org_ancestors(org) if request.user.has_perm("orgs.view_org", a)]
    households = None
    if org.kind in (OrgKind.BUILDING, OrgKind.GRID):
        households = households_in(org).filter(org=org)[:500]
    return render(request, "orgs/detail.html", {
        "org": org,
        "ancestors": ancestors,
        "children": org_children_with_counts(org),
        "people_count": person_count_in(org),
        "households": households,
        "can_view_people": request.user.has_perm("orgs.view_org", org),
    })
