"""The weekly bulletin (每周通报): the page (an org's units ranked for an ISO week, the praised and
the urged with their figures), its Word document, and the weights of the measures.

Reading takes ``reports.view_figures`` over the org (``scope.parse_scope``); setting the weights,
a street admin's or a community worker's role over it.
"""

from __future__ import annotations

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from tongxin.learning.services.exports import filename_part

from ..forms_bulletin import (
    BulletinForm, BulletinWeightsForm, bulletin_campaigns, neighbour_weeks, ranking_orgs, week_code,
)
from ..scope import ScopeNotFound, parse_scope
from ..selectors.figures import child_places
from ..services.bulletin import (
    bulletin_docx, bulletin_for, bulletin_weights, bulletin_weights_save, may_edit_weights, week_monday,
)

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _scope(request, org: str = "", campaign: str = ""):
    """The org and campaign asked for, as the account may read them: 404 for what does not exist,
    403 for an org outside the account's scope."""
    try:
        scope = parse_scope(request.user, org=org, campaign=campaign)
    except ScopeNotFound as error:
        raise Http404(str(error)) from None
    except PermissionError as error:
        raise PermissionDenied(str(error)) from None
    return scope.org, scope.campaign


def _query(org, monday, campaign) -> str:
    """?org=&week=&campaign= of a week: the campaign only when one was asked for, so that another
    week finds its own running campaign."""
    return urlencode({"org": org.code, "week": week_code(monday), **({"campaign": campaign.slug} if campaign else {})})


def _read(request):
    """The page's form, org, Monday and campaign (the Monday is None when the week is refused)."""
    org, campaign = _scope(request, request.GET.get("org", ""), request.GET.get("campaign", ""))
    data = request.GET.copy()
    data["org"] = org.code
    if not data.get("week", "").strip():
        data["week"] = week_code(week_monday(timezone.localdate()))
    orgs = list(ranking_orgs(request.user))
    if org not in orgs:  # a grid worker's grid: shown, with the note that it has nothing to rank
        orgs.insert(0, org)
    form = BulletinForm(data, orgs=orgs, campaigns=bulletin_campaigns(request.user, org))
    monday = form.cleaned_data["week"] if form.is_valid() else None
    return form, org, monday, campaign


@login_required
def bulletin_page(request):
    form, org, monday, campaign = _read(request)
    context = {"form": form, "org": org, "can_edit_weights": may_edit_weights(request.user, org),
               "has_units": bool(child_places(org))}
    if monday is None:
        return render(request, "reports/bulletin.html", context, status=400)
    before, after = neighbour_weeks(monday)
    context.update(week=week_code(monday), previous=_query(org, before, campaign),
                   next=_query(org, after, campaign) if after else None)
    if context["has_units"]:
        bulletin = bulletin_for(org, monday, campaign)
        context.update(b=bulletin, query=_query(org, monday, campaign))
    return render(request, "reports/bulletin.html", context)


@login_required
def bulletin_download(request):
    _form, org, monday, campaign = _read(request)
    if monday is None or not child_places(org):
        return bulletin_page(request)
    out = io.BytesIO()
    bulletin = bulletin_docx(org=org, week_start=monday, campaign=campaign, out=out, by=request.user)
    out.seek(0)
    filename = _("每周通报-%(org)s-%(week)s.docx") % {"org": filename_part(org.name), "week": bulletin.week_code}
    response = FileResponse(out, as_attachment=True, filename=filename, content_type=DOCX)
    response["Cache-Control"] = "no-store"
    return response


@login_required
def weights_edit(request):
    org, _campaign = _scope(request, request.GET.get("org", ""))
    if not may_edit_weights(request.user, org):
        raise PermissionDenied(_("只有街道管理员和社区工作者可以设置本组织的通报权重"))
    here = f"{reverse('reports:bulletin_weights')}?{urlencode({'org': org.code})}"
    if request.method == "POST" and "reset" in request.POST:
        bulletin_weights_save(by=request.user, org=org, weights={})  # the defaults: always valid
        messages.success(request, _("已恢复默认权重"))
        return redirect(here)
    if request.method == "POST":
        form = BulletinWeightsForm(request.POST)
        if form.is_valid():
            try:
                bulletin_weights_save(by=request.user, org=org, weights=form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, error)  # a dict goes to the fields it names
            else:
                messages.success(request, _("通报权重已保存"))
                return redirect(here)
    else:
        form = BulletinWeightsForm(initial=bulletin_weights(org))
    return render(request, "reports/bulletin_weights.html", {
        "form": form, "org": org,
        "back": f"{reverse('reports:bulletin')}?{urlencode({'org': org.code})}"},
        status=400 if form.is_bound and form.errors else 200)
