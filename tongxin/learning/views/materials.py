"""Pages of materials (学习材料): the list with stock totals, registering one, and a material's
page where those who manage it hand copies out (发放) and restock."""

from __future__ import annotations

import tempfile

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from tongxin.accounts.selectors import scope_paths
from tongxin.core.forms import add_service_errors

from ..forms.study import AREA_KINDS, DistributionForm, MaterialForm, RestockForm, now_to_the_minute
from ..models import MaterialKind
from ..permissions import COVERAGE_ROLES, MANAGE_ROLES
from ..selectors.study import (
    MATERIAL_SORTS, distribution_totals, distributions_of, material_get_visible, material_list, material_stock_totals,
)
from ..services.materials import (
    MANAGE_PERMISSION, distribution_record, distributions_export_workbook, material_create, material_restock,
)
from .filters import is_staff_viewer, org_param, orgs_in_scope, paged, sort_param, xlsx_response


@login_required
def material_list_view(request):
    user = request.user
    if not is_staff_viewer(user):
        raise PermissionDenied
    org = org_param(request, "learning.view_coverage")
    filters = {
        "q": request.GET.get("q", "").strip(),
        "kind": request.GET.get("kind", "") if request.GET.get("kind") in MaterialKind.values else "",
    }
    sort = sort_param(request, MATERIAL_SORTS, "place")
    page, query = paged(request, material_list(user=user, org=org, sort=sort, **filters))
    return render(request, "learning/material_list.html", {
        "page": page, "query": query, "filters": {**filters, "sort": sort}, "org": org,
        "totals": material_stock_totals(user=user, org=org, **filters), "kinds": MaterialKind.choices,
        "orgs": orgs_in_scope(user, COVERAGE_ROLES, AREA_KINDS),
        "can_create": bool(scope_paths(user, MANAGE_ROLES)),
    })


@login_required
def material_create_view(request):
    if not scope_paths(request.user, MANAGE_ROLES):
        raise PermissionDenied
    form = MaterialForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            material = material_create(by=request.user, org=data["org"], title=data["title"], kind=data["kind"],
                                       stock=data["stock"], url=data["url"], campaign=data["campaign"])
        except ValidationError as error:
            add_service_errors(form, error)
        except PermissionError:
            raise PermissionDenied from None
        else:
            messages.success(request, _("已登记：%(title)s") % {"title": material.title})
            return redirect("learning:material_detail", pk=material.pk)
    return render(request, "learning/material_form.html", {"form": form, "title": _("登记学习材料")})


@login_required
def material_detail_view(request, pk: int):
    """The material, its stock and distributions; for those who manage it, the forms to hand
    copies out and to restock (``action=distribute`` / ``action=restock``)."""
    user = request.user
    material = material_get_visible(user=user, pk=pk)
    if material is None:
        raise Http404
    can_manage = user.has_perm(MANAGE_PERMISSION, material.org)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    if action and not can_manage:
        raise PermissionDenied
    distribute = DistributionForm(request.POST if action == "distribute" else None, material=material, user=user,
                                  initial={"distributed_at": now_to_the_minute()}, prefix="d")
    restock = RestockForm(request.POST if action == "restock" else None, prefix="r",
                          initial={"expected_stock": material.stock})
    if action == "distribute" and distribute.is_valid():
        data = distribute.cleaned_data
        try:
            distribution_record(by=user, material=material, quantity=data["quantity"], person=data["person"],
                                org=data["org"], distributed_at=data["distributed_at"], note=data["note"])
        except ValidationError as error:
            add_service_errors(distribute, error)
        else:
            messages.success(request, _("已发放 %(n)d 份给 %(who)s") % {
                "n": data["quantity"], "who": (data["person"] or data["org"]).name})
            return redirect("learning:material_detail", pk=material.pk)
    elif action == "restock" and restock.is_valid():
        data = restock.cleaned_data
        try:
            material_restock(by=user, material=material, quantity=data["quantity"], note=data["note"],
                             expected_stock=data["expected_stock"])
        except ValidationError as error:
            add_service_errors(restock, error)
        else:
            messages.success(request, _("已入库 %(n)d 份") % {"n": data["quantity"]})
            return redirect("learning:material_detail", pk=material.pk)
    page, query = paged(request, distributions_of(material))
    return render(request, "learning/material_detail.html", {
        "material": material, "page": page, "query": query, "totals": distribution_totals(material),
        "can_manage": can_manage, "distribute": distribute, "restock": restock,
        "distribute_open": action == "distribute", "restock_open": action == "restock",
    })


@login_required
def material_distributions_export_view(request, pk: int):
    material = material_get_visible(user=request.user, pk=pk)
    if material is None:
        raise Http404
    if not request.user.has_perm(MANAGE_PERMISSION, material.org):
        raise PermissionDenied
    out = tempfile.TemporaryFile()
    distributions_export_workbook(by=request.user, material=material, distributions=distributions_of(material),
                                  out=out)
    filename = _("发放记录-%(title)s-%(date)s.xlsx") % {
        "title": material.title[:40], "date": timezone.localdate().strftime("%Y%m%d")}
    return xlsx_response(out, filename)
