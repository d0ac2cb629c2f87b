"""Coverage pages: the figures of a campaign within an org with drill-down (street → community →
grid), the gap list of an org and its Excel download, and the grid worker's to-do list on a phone, from which a delivery
is recorded.

Views read through ``selectors.coverage`` and write through ``services.deliveries``, which
checks permission again. A campaign the account does not see is 404; an org whose coverage it may
not read is 403; a person outside its to-do list is 404.
"""

from __future__ import annotations

import tempfile

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from tongxin.campaigns.models import Campaign
from tongxin.campaigns.selectors import campaign_get_visible
from tongxin.orgs.models import Org, OrgKind
from tongxin.orgs.selectors import org_ancestors
from tongxin.people.models import Person
from tongxin.people.selectors import person_visible_q

from ..models import DeliveryKind
from ..selectors.coverage import (
    TODO_DELIVERY_KINDS, coverage_campaigns_for, coverage_default_org, coverage_for_org,
    coverage_gap_page, coverage_target, is_place, reached_q, todo_places_for,
)
from ..services.deliveries import delivery_record
from ..services.exports import filename_part, gaps_export_workbook
from .filters import xlsx_response

VIEW_PERMISSION = "learning.view_coverage"

# The buttons of a to-do card: what was done, in the field's words.
TODO_BUTTONS = {
    DeliveryKind.HOME: gettext_lazy("已送学上门"),
    DeliveryKind.ONLINE: gettext_lazy("已网络助学"),
    DeliveryKind.POCKET_BOOK: gettext_lazy("已发口袋书"),
}


def _campaign(request, campaigns: list[Campaign]) -> Campaign | None:
    """``?campaign=slug`` (any campaign the account sees, also a closed one), else the newest under way."""
    slug = request.GET.get("campaign", "").strip()
    if slug:
        campaign = campaign_get_visible(user=request.user, slug=slug)
        if campaign is None:
            raise Http404
        return campaign
    return campaigns[0] if campaigns else None


def _org(request, campaign: Campaign) -> Org:
    code = request.GET.get("org", "").strip()
    org = get_object_or_404(Org, code=code) if code else coverage_default_org(request.user, campaign)
    if org is None or not request.user.has_perm(VIEW_PERMISSION, org):
        raise PermissionDenied
    return org


def _crumbs(user, org: Org) -> list[Org]:
    """The way down to ``org`` through the orgs whose coverage the account may read."""
    return [o for o in org_ancestors(org) + [org] if user.has_perm(VIEW_PERMISSION, o)]


def _query(campaign: Campaign, org: Org | None = None, **extra) -> str:
    params = {"campaign": campaign.slug}
    if org is not None:
        params["org"] = org.code
    params.update({k: v for k, v in extra.items() if v})
    return urlencode(params)


@login_required
def coverage_view(request):
    campaigns = coverage_campaigns_for(request.user)
    campaign = _campaign(request, campaigns)
    if campaign is None:
        return render(request, "learning/coverage.html", {"campaigns": campaigns, "campaign": None})
    org = _org(request, campaign)
    coverage = coverage_for_org(campaign, org)
    if campaign not in campaigns:
        campaigns = [campaign] + campaigns
    return render(request, "learning/coverage.html", {
        "campaigns": campaigns, "campaign": campaign, "org": org, "coverage": coverage,
        "crumbs": _crumbs(request.user, org),
        "query": _query(campaign, org),
        "campaign_query": _query(campaign),
        "member_groups": [g for g in coverage.groups if g.kind == "member"],
        "resident_groups": [g for g in coverage.groups if g.kind == "resident" and g.target],
        "ways": [w for w in coverage.ways if w.reached],
        "has_grid_rows": bool(coverage.grids) and org.kind not in (OrgKind.GRID, OrgKind.BUILDING),
        "children_are_grids": all(r.org is None or r.org.kind == OrgKind.GRID for r in coverage.places),
        "is_place": is_place(org),
        "clipped_to": campaign.scope if coverage.clipped else None,
    })


@login_required
def coverage_gaps_view(request):
    campaigns = coverage_campaigns_for(request.user)
    campaign = _campaign(request, campaigns)
    if campaign is None:
        return redirect("learning:coverage")
    org = _org(request, campaign)
    page, items = coverage_gap_page(campaign, [org], page=request.GET.get("page"),
                                    visible=person_visible_q(request.user))
    return render(request, "learning/coverage_gaps.html", {
        "campaign": campaign, "org": org, "page": page, "items": items,
        "crumbs": _crumbs(request.user, org),
        "query": _query(campaign, org),
    })


@login_required
def coverage_gaps_export_view(request):
    """The gap list as .xlsx: the same campaign, org, permission and narrowing as the page, all of
    it rather than a page."""
    campaigns = coverage_campaigns_for(request.user)
    campaign = _campaign(request, campaigns)
    if campaign is None:
        raise Http404
    org = _org(request, campaign)
    out = tempfile.TemporaryFile()
    gaps_export_workbook(by=request.user, campaign=campaign, org=org, out=out,
                         visible=person_visible_q(request.user))
    filename = _("未覆盖名单-%(campaign)s-%(org)s-%(date)s.xlsx") % {
        "campaign": filename_part(campaign.name, 20), "org": filename_part(org.name),
        "date": timezone.localdate().strftime("%Y%m%d")}
    return xlsx_response(out, filename)


def _todo_campaigns(user, places: list[Org]) -> list[Campaign]:
    """Campaigns under way whose target may live in the account's grids or buildings."""
    return [c for c in coverage_campaigns_for(user)
            if any(p.path.startswith(c.scope_path) or c.scope_path.startswith(p.path) or not is_place(c.scope)
                   for p in places)]


@login_required
def my_todo_view(request):
    places = todo_places_for(request.user)
    campaigns = _todo_campaigns(request.user, places) if places else []
    campaign = _campaign(request, campaigns) if places else None
    context = {"places": places, "campaigns": campaigns, "campaign": campaign}
    if campaign is None:
        return render(request, "learning/todo.html", context)
    page, items = coverage_gap_page(campaign, places, page=request.GET.get("page"),
                                    visible=person_visible_q(request.user))
    context.update({
        "page": page, "items": items, "query": _query(campaign),
        "kinds": [(k, TODO_BUTTONS[k]) for k in TODO_DELIVERY_KINDS],
    })
    return render(request, "learning/todo.html", context)


@login_required
@require_POST
def my_todo_record_view(request):
    """Record a delivery from a to-do card. Only for a person of the campaign's target in the
    account's grids or buildings (else 404); a card sent twice records once, since the second
    finds the person reached and the card gone."""
    campaign = campaign_get_visible(user=request.user, slug=request.POST.get("campaign", "").strip())
    places = todo_places_for(request.user)
    kind = request.POST.get("kind", "")
    try:
        person_id = int(request.POST.get("person", ""))
    except ValueError:
        raise Http404 from None
    if campaign is None or not places or kind not in TODO_DELIVERY_KINDS:
        raise Http404
    person = coverage_target(campaign, places).filter(person_visible_q(request.user), pk=person_id).first()
    if person is None:
        raise Http404
    back = reverse("learning:my_todo") + "?" + _query(campaign, page=request.POST.get("page", ""))
    try:
        with transaction.atomic():
            # Two taps on the same card: the second waits for the first here, then finds the
            # person reached.
            list(Person.objects.select_for_update(no_key=True).filter(pk=person.pk).values_list("pk", flat=True))
            if Person.objects.filter(reached_q(campaign), pk=person.pk).exists():
                messages.info(request, _("%(name)s 已覆盖，无需重复记录。") % {"name": person.name})
                return redirect(back)
            delivery_record(by=request.user, person=person, kind=kind, campaign=campaign,
                            delivered_by=request.user.person, note=request.POST.get("note", "").strip())
    except PermissionError:
        raise PermissionDenied from None
    except ValidationError as error:
        messages.error(request, "；".join(error.messages))
        return redirect(back)
    messages.success(request, _("已记录：%(name)s · %(kind)s") % {"name": person.name, "kind": DeliveryKind(kind).label})
    return redirect(back)
