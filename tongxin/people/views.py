from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tongxin.orgs.models import Household, Org
from tongxin.orgs.selectors import org_ancestors
from tongxin.orgs.services import household_get_or_create

from .forms import PersonForm, places_managed_by
from .models import PartyMember, Person, PersonGroup
from .selectors import (
    SORTS, person_get_visible, person_list, study_pairs_of, visible_person_ids, who_answers_for,
)
from .services import PersonData, party_member_remove, party_member_save, person_create, person_reveal, person_update


def _crumbs(user, org: Org) -> list[Org]:
    """The way down to ``org`` through the places the account may open: a grid worker's
    breadcrumbs start at the grid, not at a city page that would refuse them."""
    return [o for o in org_ancestors(org) + [org] if user.has_perm("orgs.view_org", o)]


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
        "can_create": places_managed_by(request.user).exists(),
    })


@login_required
def person_detail(request, pk: int):
    person = person_get_visible(user=request.user, pk=pk)
    if person is None:
        raise Http404
    member = getattr(person, "party_member", None)
    pairs = study_pairs_of(member)
    return render(request, "people/detail.html", {
        "person": person,
        "ancestors": _crumbs(request.user, person.org),
        "member": member,
        "pairs": pairs,
        # A member sees their study partner's name; only those who may open the partner's page get a link.
        "linked_partners": visible_person_ids(user=request.user,
                                              pks=[p.pk for p in pairs["helping"] + pairs["helped_by"]]),
        "answers": who_answers_for(person.household) if person.household_id else None,
        "can_reveal": request.user.has_perm("people.reveal_person", person),
        "can_change": request.user.has_perm("people.change_person", person),
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
        "ancestors": _crumbs(request.user, household.org),
        "answers": who_answers_for(household),
    })


def _add_service_errors(form, error: ValidationError) -> None:
    """Put a service's ``ValidationError`` on the form fields it names (else on the form)."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _save_membership(*, by, person: Person, data: dict) -> None:
    if data["is_member"]:
        party_member_save(by=by, person=person, branch=data["branch"], joined_on=data["joined_on"],
                          status=data["status"] or "full", needs_home_delivery=data["needs_home_delivery"],
                          is_mobile=data["is_mobile"], in_hardship=data["in_hardship"])
    else:
        party_member_remove(by=by, person=person)


@login_required
def person_create_view(request):
    if not places_managed_by(request.user).exists():
        raise PermissionDenied
    form = PersonForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                household = household_get_or_create(by=request.user, org=data["org"], number=data["household_number"])
                person = person_create(by=request.user, data=PersonData(
                    name=data["name"], org=data["org"], id_number=data["id_number"], phone=data["phone"],
                    gender=data["gender"], household=household, groups=data["groups"], note=data["note"]))
                _save_membership(by=request.user, person=person, data=data)
        except ValidationError as error:
            _add_service_errors(form, error)
        else:
            messages.success(request, _("已登记：%(name)s") % {"name": person.name})
            return redirect("people:detail", pk=person.pk)
    return render(request, "people/form.html", {"form": form, "title": _("登记人员")})


@login_required
def person_edit_view(request, pk: int):
    person = person_get_visible(user=request.user, pk=pk)
    if person is None:
        raise Http404
    if not request.user.has_perm("people.change_person", person):
        raise PermissionDenied
    member = PartyMember.objects.filter(person=person).first()
    initial = {
        "name": person.name, "org": person.org, "household_number": person.household.number if person.household else "",
        "groups": person.group_codes, "note": person.note, "is_member": member is not None,
    }
    if member:
        initial.update(branch=member.branch, joined_on=member.joined_on, status=member.status,
                       needs_home_delivery=member.needs_home_delivery, is_mobile=member.is_mobile,
                       in_hardship=member.in_hardship)
    form = PersonForm(request.POST or None, user=request.user, editing=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        phone = data["phone"].strip()
        try:
            with transaction.atomic():
                household = household_get_or_create(by=request.user, org=data["org"], number=data["household_number"])
                person_update(by=request.user, person=person, name=data["name"], org=data["org"],
                              household=household, clear_household=household is None, groups=data["groups"],
                              note=data["note"], phone=None if not phone else ("" if phone == "无" else phone))
                _save_membership(by=request.user, person=person, data=data)
        except ValidationError as error:
            _add_service_errors(form, error)
        else:
            messages.success(request, _("已保存"))
            return redirect("people:detail", pk=person.pk)
    return render(request, "people/form.html", {"form": form, "title": _("修改：%(name)s") % {"name": person.name},
                                                "person": person})
