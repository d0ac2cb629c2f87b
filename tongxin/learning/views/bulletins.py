"""Pages of bulletins (简报): the list, writing one with the figures from the records beside it,
and reading one."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from tongxin.accounts.selectors import scope_paths
from tongxin.core.forms import add_service_errors

from ..forms.study import AREA_KINDS, BulletinForm, campaigns_seen_by
from ..permissions import BULLETIN_ROLES, COVERAGE_ROLES
from ..selectors.study import BULLETIN_SORTS, bulletin_get_visible, bulletin_list, study_figures
from ..services.bulletins import bulletin_create, next_issue_no
from .filters import campaign_param, is_staff_viewer, org_param, orgs_in_scope, paged, sort_param


@login_required
def bulletin_list_view(request):
    user = request.user
    if not is_staff_viewer(user):
        raise PermissionDenied
    org = org_param(request, "learning.view_coverage")
    campaign = campaign_param(request)
    filters = {"q": request.GET.get("q", "").strip(), "sort": sort_param(request, BULLETIN_SORTS, "-date")}
    page, query = paged(request, bulletin_list(user=user, org=org, campaign=campaign, **filters))
    return render(request, "learning/bulletin_list.html", {
        "page": page, "query": query, "filters": filters, "org": org, "campaign": campaign,
        "orgs": orgs_in_scope(user, COVERAGE_ROLES, AREA_KINDS), "campaigns": campaigns_seen_by(user),
        "can_create": bool(scope_paths(user, BULLETIN_ROLES)),
    })


@login_required
def bulletin_create_view(request):
    user = request.user
    if not scope_paths(user, BULLETIN_ROLES):
        raise PermissionDenied
    form = BulletinForm(request.POST or None, user=user, initial={
        "published_on": timezone.localdate(), "org": request.GET.get("org_id") or None,
        "campaign": request.GET.get("campaign_id") or None})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            bulletin = bulletin_create(by=user, org=data["org"], title=data["title"], body=data["body"],
                                       campaign=data["campaign"], published_on=data["published_on"])
        except ValidationError as error:
            add_service_errors(form, error)
        except PermissionError:
            raise PermissionDenied from None
        else:
            messages.success(request, _("已编发第 %(n)d 期") % {"n": bulletin.issue_no})
            return redirect("learning:bulletin_detail", pk=bulletin.pk)
    # Figures from the records to quote in the text, for the org and campaign chosen (or the
    # first the account may issue for).
    figures_org = figures_campaign = None
    orgs = form.fields["org"].queryset
    org_id = form.data.get("org", "") if form.is_bound else request.GET.get("org_id", "")
    if org_id.isdigit():
        figures_org = orgs.filter(pk=int(org_id)).first()
    figures_org = figures_org or orgs.first()
    campaign_id = form.data.get("campaign", "") if form.is_bound else request.GET.get("campaign_id", "")
    if campaign_id.isdigit():
        figures_campaign = form.fields["campaign"].queryset.filter(pk=int(campaign_id)).first()
    figures = study_figures(org=figures_org, campaign=figures_campaign) if figures_org else None
    return render(request, "learning/bulletin_form.html", {
        "form": form, "figures": figures, "figures_org": figures_org, "figures_campaign": figures_campaign,
        "next_issue": next_issue_no(figures_org, figures_campaign) if figures_org else None,
    })


@login_required
def bulletin_detail_view(request, pk: int):
    bulletin = bulletin_get_visible(user=request.user, pk=pk)
    if bulletin is None:
        raise Http404
    return render(request, "learning/bulletin_detail.html", {
        "bulletin": bulletin, "paragraphs": [p.strip() for p in bulletin.body.splitlines() if p.strip()],
        "can_issue": request.user.has_perm("learning.manage_bulletins", bulletin.org),
    })
