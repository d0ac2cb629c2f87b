"""Pages of deliveries (送学): the list with its counts by way and its export, and recording one —
by staff, or by a study partner (结对助学) for their partner."""

from __future__ import annotations

import tempfile

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from tongxin.core.forms import add_service_errors
from tongxin.people.models import Person, StudyPair

from ..forms.study import AREA_KINDS, DeliveryForm, campaigns_seen_by, now_to_the_minute
from ..models import DeliveryKind
from ..permissions import COVERAGE_ROLES
from ..selectors.study import DELIVERY_SORTS, delivery_counts_by_kind, delivery_list, delivery_targets
from ..services.deliveries import deliveries_export_workbook, delivery_record, may_record_delivery
from .filters import (
    campaign_param, date_param, is_staff_viewer, org_param, orgs_in_scope, paged, sort_param, xlsx_response,
)


def _helps_someone(user) -> bool:
    return bool(getattr(user, "person_id", None)) and StudyPair.objects.filter(
        active=True, helper__person_id=user.person_id).exists()


def _filters(request) -> dict:
    """The list's filters from the query (the export takes the same)."""
    return {
        "q": request.GET.get("q", "").strip(),
        "kind": request.GET.get("kind", "") if request.GET.get("kind") in DeliveryKind.values else "",
        "since": date_param(request, "since"),
        "until": date_param(request, "until"),
        "sort": sort_param(request, DELIVERY_SORTS, "-date"),
    }


@login_required
def delivery_list_view(request):
    user = request.user
    if not (is_staff_viewer(user) or _helps_someone(user)):
        raise PermissionDenied
    org = org_param(request, "learning.view_coverage")
    campaign = campaign_param(request)
    filters = _filters(request)
    qs = delivery_list(user=user, org=org, campaign=campaign, **filters)
    # The counts by way ignore the way filter, so that they show every way side by side.
    counts = delivery_counts_by_kind(delivery_list(user=user, org=org, campaign=campaign,
                                                   **{**filters, "kind": ""}))
    page, query = paged(request, qs)
    return render(request, "learning/delivery_list.html", {
        "page": page, "query": query, "filters": filters, "org": org, "campaign": campaign, "counts": counts,
        "kinds": DeliveryKind.choices, "orgs": orgs_in_scope(user, COVERAGE_ROLES, AREA_KINDS),
        "campaigns": campaigns_seen_by(user),
        "can_export": org is not None and user.has_perm("people.export_people", org),
        "is_staff_viewer": is_staff_viewer(user),
    })


@login_required
def delivery_export_view(request):
    code = request.GET.get("org", "").strip()
    if not code:
        raise Http404(_("请先选择范围再导出"))
    org = org_param(request, "people.export_people")
    campaign = campaign_param(request)
    filters = _filters(request)
    deliveries = delivery_list(user=request.user, org=org, campaign=campaign, **filters)
    out = tempfile.TemporaryFile()
    deliveries_export_workbook(by=request.user, org=org, deliveries=deliveries, out=out,
                               filters={**filters, "campaign": campaign.slug if campaign else ""})
    filename = _("送学记录-%(org)s-%(date)s.xlsx") % {"org": org.name, "date": timezone.localdate().strftime("%Y%m%d")}
    return xlsx_response(out, filename)


@login_required
def delivery_create_view(request):
    """Step 1 (no ``?person=``): find the person — study partners first, then, for staff, the
    members who need study at home or are away, or whoever the search finds. Step 2: the form."""
    user = request.user
    person_id = request.GET.get("person", "").strip()
    if not person_id:
        q = request.GET.get("q", "").strip()
        targets = delivery_targets(user=user, q=q)
        if not targets["is_staff"] and not _helps_someone(user):
            raise PermissionDenied
        return render(request, "learning/delivery_targets.html", {"targets": targets, "q": q})
    if not person_id.isdigit():
        raise Http404
    person = Person.objects.filter(pk=int(person_id), is_active=True).select_related("org", "party_member").first()
    if person is None or not may_record_delivery(user, person):
        raise Http404  # not "forbidden": whether the person exists is not for this account to learn
    form = DeliveryForm(request.POST or None, person=person,
                        initial={"delivered_at": now_to_the_minute(),
                                 "kind": DeliveryKind.HOME if getattr(person, "party_member", None)
                                 and person.party_member.needs_home_delivery else None})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            delivery = delivery_record(by=user, person=person, kind=data["kind"], campaign=data["campaign"],
                                       delivered_at=data["delivered_at"], material=data["material"],
                                       note=data["note"])
        except ValidationError as error:
            add_service_errors(form, error)
        except PermissionError:
            raise PermissionDenied from None
        else:
            messages.success(request, _("已记录：%(name)s · %(kind)s") % {
                "name": person.name, "kind": delivery.get_kind_display()})
            return redirect("learning:delivery_create")
    return render(request, "learning/delivery_form.html", {"form": form, "person": person})
