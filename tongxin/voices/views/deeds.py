"""Pages of good deeds ("党员办好一件实事", "居民办好一件小事"): the list with its counts by kind, and
recording one — by community staff for a person of their place, or by a member or resident for
themselves, on a phone."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from tongxin.accounts.selectors import scope_paths
from tongxin.core.forms import add_service_errors
from tongxin.core.identity import mask_personal_numbers
from tongxin.learning.views.filters import date_param, org_param, paged, sort_param
from tongxin.people.models import Person

from ..forms.visits import DeedForm
from ..models import DeedKind
from ..permissions import HANDLE_ROLES, VIEW_ROLES
from ..selectors.deeds import DEED_SORTS, deed_counts, deed_list, deed_people
from ..services.deeds import good_deed_record, may_record_deed
from .visits import FIGURES, campaigns_seen_by, list_period, orgs_for_filter


@login_required
def deed_list_view(request):
    """Staff and superiors see the deeds of their places; a member or resident their own."""
    user = request.user
    is_staff = bool(scope_paths(user, VIEW_ROLES))
    if not (is_staff or user.person_id):
        raise PermissionDenied
    org = org_param(request, FIGURES)
    campaign, period = list_period(request)
    kind = request.GET.get("kind", "")
    filters = {
        "q": request.GET.get("q", "").strip(),
        "kind": kind if kind in DeedKind.values else "",
        "sort": sort_param(request, DEED_SORTS, "-date"),
    }
    deeds = deed_list(user=user, org=org, period=period, **filters)
    page, query = paged(request, deeds)
    for deed in page:
        deed.what_shown = mask_personal_numbers(deed.what)
        deed.for_whom_shown = mask_personal_numbers(deed.for_whom)
    return render(request, "voices/deed_list.html", {
        "page": page, "query": query, "filters": filters, "org": org, "campaign": campaign,
        "since": date_param(request, "since"), "until": date_param(request, "until"),
        # The counts by kind ignore the kind filter, so that both kinds show side by side.
        "counts": deed_counts(deed_list(user=user, org=org, period=period, q=filters["q"])),
        "kinds": DeedKind.choices, "is_staff": is_staff,
        "orgs": orgs_for_filter(user, VIEW_ROLES) if is_staff else [],
        "campaigns": campaigns_seen_by(user),
    })


@login_required
def deed_record_view(request):
    """Staff (no ``?person=``): find the person first. A member or resident: the form for
    themselves. ``?person=`` someone the account may not record for: 404."""
    user = request.user
    is_staff = bool(scope_paths(user, HANDLE_ROLES))
    person_id = request.GET.get("person", "").strip()
    if not person_id:
        if is_staff:
            q = request.GET.get("q", "").strip()
            return render(request, "voices/deed_pick.html", {"q": q, "people": deed_people(user=user, q=q)})
        if not user.person_id:
            raise PermissionDenied
        person_id = str(user.person_id)
    if not person_id.isdigit():
        raise Http404
    person = Person.objects.filter(pk=int(person_id), is_active=True).select_related("org", "party_member").first()
    if person is None or not may_record_deed(user, person):
        raise Http404  # whether the person exists is not for this account to learn
    form = DeedForm(request.POST or None, person=person)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            deed = good_deed_record(by=user, kind=data["kind"], person=person, what=data["what"],
                                    for_whom=data["for_whom"], done_on=data["done_on"], campaign=data["campaign"])
        except ValidationError as error:
            add_service_errors(form, error)
        except PermissionError:
            raise PermissionDenied from None
        else:
            messages.success(request, _("已登记：%(name)s · %(kind)s") % {
                "name": person.name, "kind": deed.get_kind_display()})
            return redirect("voices:deed_list")
    return render(request, "voices/deed_form.html", {
        "form": form, "person": person, "for_self": user.person_id == person.pk, "is_staff": is_staff})
