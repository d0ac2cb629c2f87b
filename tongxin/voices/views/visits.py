"""Pages of home visits (民情日记): recording a visit on a phone (find the household, tick the
四访四问 reasons, note what was heard item by item), the visit list and one visit, visit coverage
with drill-down to the grids and their households not yet visited, and the worker's to-do.

Views read through ``selectors.visits`` and write through ``services.visits``, which checks
permission again. A household or visit outside the account's scope is 404; a page the account's
roles are not for is 403.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from tongxin.accounts.selectors import scope_filter, scope_paths, user_role_scopes
from tongxin.campaigns.models import Campaign
from tongxin.campaigns.selectors import campaign_get_visible, campaign_visible_q
from tongxin.core.forms import add_service_errors
from tongxin.core.identity import mask_personal_numbers
from tongxin.learning.views.filters import date_param, org_param, paged, sort_param
from tongxin.orgs.models import Org, OrgKind
from tongxin.orgs.selectors import org_ancestors

from ..forms.visits import VisitForm, heard_formset, heard_items
from ..models import VisitReason
from ..permissions import RECORD_ROLES, VIEW_ROLES
from ..selectors.visits import (
    ORDINARY, REASON_SHORT, VISIT_SORTS, Period, campaigns_under_way, household_get_visitable, household_search,
    households_not_visited, period_for, this_year, visit_counts, visit_coverage, visit_get_visible, visit_list,
    visit_places_for, visit_progress, visitors_in, visits_by,
)
from ..services.visits import visit_record

FIGURES = "voices.view_figures"
PAGE_SIZE = 30
# Places offered in the "范围" filters; grids are reached by drill-down (a street has dozens).
AREA_KINDS = [OrgKind.DISTRICT, OrgKind.STREET, OrgKind.TOWNSHIP, OrgKind.COMMUNITY, OrgKind.VILLAGE]


# --- What the list pages share (the deed pages use them too) ----------------------------------









def campaign_param(request) -> Campaign | None:
    slug = request.GET.get("campaign", "").strip()
    if not slug:
        return None
    campaign = campaign_get_visible(user=request.user, slug=slug)
    if campaign is None:
        raise Http404
    return campaign


def campaigns_seen_by(user) -> list[Campaign]:
    return list(Campaign.objects.filter(campaign_visible_q(user)).order_by("-starts_on", "name")[:50])


def orgs_for_filter(user, roles) -> list[Org]:
    """Places for a "范围" filter: communities and above in the account's scopes, and the scopes themselves."""
    condition = scope_filter(user, roles, field="path")
    if condition is None:
        return []
    own = {code for role, _path, code in user_role_scopes(user) if role in roles}
    return list(Org.objects.filter((condition & Q(kind__in=AREA_KINDS)) | Q(code__in=own)).order_by("path")[:300])


def list_period(request) -> tuple[Campaign | None, Period]:
    campaign = campaign_param(request)
    return campaign, period_for(campaign=campaign, since=date_param(request, "since"),
                                until=date_param(request, "until"))


def _require(user, roles) -> None:
    if not scope_paths(user, roles):
        raise PermissionDenied


# --- Recording a visit ------------------------------------------------------------------------

def _todo_period(user, places: list[Org]) -> tuple[Campaign | None, list[Campaign], Period]:
    campaigns = campaigns_under_way(user, places=places)
    campaign = campaigns[0] if campaigns else None
    return campaign, campaigns, (period_for(campaign=campaign) if campaign else this_year())


@login_required
def visit_record_view(request):
    """Step 1 (no ``?household=``): find the household — by number or a resident's name, or from
    the households not yet visited. Step 2: the visit form, with the items heard."""
    user = request.user
    _require(user, RECORD_ROLES)
    household_id = request.GET.get("household", "").strip()
    if not household_id:
        q = request.GET.get("q", "").strip()
        places = visit_places_for(user)
        _campaign, _campaigns, period = _todo_period(user, places)
        suggestions = [] if q else list(households_not_visited([p.path for p in places], period)[:8])
        return render(request, "voices/visit_pick.html", {
            "q": q, "found": household_search(user=user, q=q), "suggestions": suggestions, "places": places})
    household = household_get_visitable(user=user, pk=household_id)
    if household is None:
        raise Http404
    posted = request.method == "POST"
    adding = posted and "more" in request.POST
    form = VisitForm(request.POST if posted else None, household=household)
    formset = heard_formset(request.POST if posted else None, household=household, more=adding)
    if posted and not adding:
        form_ok, items_ok = form.is_valid(), formset.is_valid()
        if form_ok and items_ok:
            data = form.cleaned_data
            try:
                visit = visit_record(by=user, household=household, visited_at=data["visited_at"],
                                     reasons=data["reasons"], notes=data["notes"], heard=heard_items(formset),
                                     campaign=data["campaign"])
            except ValidationError as error:
                add_service_errors(form, error)
            except PermissionError:
                raise PermissionDenied from None
            else:
                heard = visit.voices.count()
                messages.success(request, _("已记录 %(household)s 的走访，登记群众心声 %(n)d 条") % {
                    "household": household, "n": heard})
                if request.GET.get("from") == "todo":
                    return redirect("voices:visit_todo")
                return redirect("voices:visit_detail", pk=visit.pk)
    return render(request, "voices/visit_form.html", {
        "household": household, "form": form, "formset": formset, "show_item_errors": posted and not adding,
        "from_todo": request.GET.get("from") == "todo",
    })


# --- The visit list and one visit -------------------------------------------------------------

@login_required
def visit_list_view(request):
    user = request.user
    _require(user, VIEW_ROLES)
    org = org_param(request, FIGURES)
    campaign, period = list_period(request)
    reason = request.GET.get("reason", "")
    try:
        visitor = int(request.GET.get("visitor", ""))
    except ValueError:
        visitor = None
    filters = {
        "q": request.GET.get("q", "").strip(),
        "reason": reason if reason in (*VisitReason.values, ORDINARY) else "",
        "visitor": visitor,
        "sort": sort_param(request, VISIT_SORTS, "-date"),
    }
    visits = visit_list(user=user, org=org, period=period, **filters)
    page, query = paged(request, visits)
    for visit in page:
        visit.notes_shown = mask_personal_numbers(visit.notes)
        visit.reason_labels = [REASON_SHORT[reason] for reason in visit.reasons]
    return render(request, "voices/visit_list.html", {
        "page": page, "query": query, "filters": filters, "org": org, "campaign": campaign, "period": period,
        "since": date_param(request, "since"), "until": date_param(request, "until"),
        "counts": visit_counts(visits),
        "reasons": [*VisitReason.choices, (ORDINARY, _("日常走访"))],
        "visitors": visitors_in(visit_list(user=user, org=org, period=period)),
        "orgs": orgs_for_filter(user, VIEW_ROLES), "campaigns": campaigns_seen_by(user),
        "can_record": bool(scope_paths(user, RECORD_ROLES)),
    })


@login_required
def visit_detail_view(request, pk: int):
    visit = visit_get_visible(user=request.user, pk=pk)
    if visit is None:
        raise Http404
    voices = [{"voice": v, "text": mask_personal_numbers(v.text)} for v in visit.voices.all()]
    return render(request, "voices/visit_detail.html", {
        "visit": visit, "notes": mask_personal_numbers(visit.notes), "voices": voices,
        "reasons": [VisitReason(r).label for r in visit.reasons],
        "can_record": request.user.has_perm("voices.record_voice", visit.household.org),
    })


# --- Coverage and the to-do -------------------------------------------------------------------

def _coverage_campaign(request, user) -> tuple[Campaign | None, list[Campaign]]:
    """``?campaign=slug``; ``?campaign=`` (empty): no campaign; absent: the newest under way."""
    campaigns = campaigns_seen_by(user)
    if "campaign" not in request.GET:
        under_way = campaigns_under_way(user)
        return (under_way[0] if under_way else None), campaigns
    return campaign_param(request), campaigns


def _default_org(user) -> Org | None:
    paths = sorted(scope_paths(user, VIEW_ROLES), key=len)
    return Org.objects.filter(path__in=paths[:1]).first() if paths else None


@login_required
def visit_coverage_view(request):
    user = request.user
    _require(user, VIEW_ROLES)
    org = org_param(request, FIGURES) or _default_org(user)
    if org is None or not user.has_perm(FIGURES, org):
        raise PermissionDenied
    campaign, campaigns = _coverage_campaign(request, user)
    since, until = date_param(request, "since"), date_param(request, "until")
    period = period_for(campaign=campaign, since=since, until=until)
    coverage = visit_coverage(org, period=period)
    params = {"campaign": campaign.slug if campaign else "", "since": since or "", "until": until or ""}
    context = {
        "org": org, "coverage": coverage, "campaign": campaign, "campaigns": campaigns, "period": period,
        "since": since, "until": until,
        "crumbs": [o for o in org_ancestors(org) + [org] if user.has_perm(FIGURES, o)],
        "period_query": urlencode(params),
        "list_query": urlencode({**params, "org": org.code}),
        "can_record": user.has_perm("voices.record_voice", org),
    }
    # At the bottom of the tree (a grid, a building), the households still to visit.
    if not coverage.places:
        page, query = paged(request, households_not_visited([org.path], period))
        context.update({"page": page, "query": query})
    return render(request, "voices/visit_coverage.html", context)


@login_required
def visit_todo_view(request):
    """The households of the worker's grids and buildings not yet visited in the campaign under
    way (else this year): hardship households first, each with "记录走访"."""
    user = request.user
    places = visit_places_for(user)
    if not places:
        raise PermissionDenied
    campaign, campaigns, period = _todo_period(user, places)
    chosen = campaign_param(request)
    if chosen is not None:
        campaign, period = chosen, period_for(campaign=chosen)
    paths = [p.path for p in places]
    page, query = paged(request, households_not_visited(paths, period))
    return render(request, "voices/visit_todo.html", {
        "places": places, "campaign": campaign, "campaigns": campaigns, "period": period, "page": page,
        "query": query, "progress": visit_progress(paths, period), "mine": visits_by(user, limit=5),
    })
