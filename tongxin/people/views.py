from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_POST

from tongxin.orgs.models import Household, Org
from tongxin.orgs.selectors import org_ancestors

from .models import PersonGroup
from .selectors import SORTS, person_get_visible, person_list
from .services import person_reveal


@login_required
def person_list_view(request):
    org = None
    code = request.GET.get("org", "").strip()
    if code:
        org = get_object_or_404(Org, code=code)
        if not request.user.has_perm("orgs.view_org", org):
            raise PermissionDenied
    filters = {
        "q": request.GET.get("q", "").strip(),
        "group": request.GET.get("group", ""),
        "member": request.GET.get("member", ""),
        "sort": request.GET.get("sort", "place") if request.GET.get("sort") in SORTS else "place",
    }
    qs = person_list(user=request.user, org=org, **filters)
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "people/list.html", {
        "page": page, "org": org, "filters": filters, "groups": PersonGroup.choices,
        "query": query.urlencode(),
        "can_export": org is not None and request.user.has_perm("people.export_people", org),
        "can_import": org is not None and request.user.has_perm("people.import_people", org),
    })


@login_required
def person_detail(request, pk: int):
    person = person_get_visible(user=request.user, pk=pk)
    if person is None:
        raise Http404
    return render(request, "people/detail.html", {
        "person": person,
        "ancestors": org_ancestors(person.org) + [person.org],
        "member": getattr(person, "party_member", None),
        "can_reveal": request.user.has_perm("people.reveal_person", person),
    })


@login_required
@require_POST
def person_reveal_view(request, pk: int):
    person = person_get_visible(user=request.user, pk=pk)
    field_name = request.POST.get("field", "")
    if person is None or field_name not in ("id_number", "phone"):
        raise Http404
    if not request.user.has_perm("people.reveal_person", person):
        raise PermissionDenied
    return JsonResponse({"value": person_reveal(by=request.user, person=person, field_name=field_name)})


@login_required
def household_detail(request, pk: int):
    household = get_object_or_404(Household.objects.select_related("org"), pk=pk)
    members = [p for p in household.members.filter(is_active=True).select_related("org")
               if request.user.has_perm("people.view_person", p)]
    if not members and not request.user.has_perm("orgs.view_org", household.org):
        raise Http404
    return render(request, "people/household.html", {
        "household": household, "members": members,
        "ancestors": org_ancestors(household.org) + [household.org],
    })
