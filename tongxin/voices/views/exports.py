"""Excel downloads of the voices pages, for staff and superiors: each takes the same filters as its
list page and exports what that list shows the account (the list selectors keep to what it may
see), all of it rather than a page; the figures download takes the figures page's parameters. An
``org`` the account may not read figures of is 403, as on the lists."""

from __future__ import annotations

import tempfile

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _

from tongxin.accounts.selectors import scope_paths
from tongxin.learning.services.exports import filename_part
from tongxin.learning.views.filters import org_param, xlsx_response
from tongxin.orgs.models import Org

from ..models import (
    Channel, DeedKind, ProjectStatus, RectificationMode, RectificationSource, RectificationStatus, VisitReason,
    VoiceCategory, VoiceKind, VoiceStatus,
)
from ..permissions import VIEW_ROLES
from ..selectors.deeds import DEED_SORTS, deed_list
from ..selectors.figures import voice_figures, voice_figures_by_child
from ..selectors.lists import RESULTS, VOICE_SORTS, voice_list
from ..selectors.projects import PROJECT_SORTS, project_list
from ..selectors.rectifications import RECTIFICATION_SORTS, rectification_list
from ..selectors.visits import ORDINARY, VISIT_SORTS, visit_list
from ..services.exports import (
    deeds_export_workbook, figures_export_workbook, projects_export_workbook, rectifications_export_workbook,
    visits_export_workbook, voices_export_workbook,
)
from .figures import figures_params
from .visits import FIGURES, campaign_param, list_period

# The voice list's tabs (``views.voices.TABS``): all, awaiting acceptance, a library, the results.
VOICE_TABS = ("all", "submitted", "difficulty", "problem", "suggestion", RESULTS)


def _staff(request) -> None:
    """Exports are for staff and superiors; a resident's own lists have none."""
    if not scope_paths(request.user, VIEW_ROLES):
        raise PermissionDenied


def _choice(request, name: str, values) -> str:
    value = request.GET.get(name, "").strip()
    return value if value in values else ""


def _sort(request, sorts: dict, default: str) -> str:
    return _choice(request, "sort", sorts) or default


def _download(out, title: str, org: Org | None):
    filename = _("%(title)s-%(org)s-%(date)s.xlsx") % {
        "title": title, "org": filename_part(org.name) if org else _("全部"),
        "date": timezone.localdate().strftime("%Y%m%d")}
    return xlsx_response(out, filename)


@login_required
def voice_export_view(request):
    """The voice list (``voices:voice_list``) under its tab and filters."""
    _staff(request)
    org = org_param(request, FIGURES)
    tab = _choice(request, "tab", VOICE_TABS) or "all"
    filters = {
        "q": request.GET.get("q", "").strip(),
        "category": _choice(request, "category", VoiceCategory.objects.values_list("code", flat=True)),
        "status": _choice(request, "status", VoiceStatus.values),
        "kind": _choice(request, "kind", VoiceKind.values),
        "channel": _choice(request, "channel", Channel.values),
        "urgent": True if request.GET.get("urgent") == "1" else None,
        "overdue": True if request.GET.get("overdue") == "1" else None,
        "sort": _sort(request, VOICE_SORTS, "-submitted"),
        "duplicates": request.GET.get("duplicates") == "1",
    }
    if tab == "submitted":
        filters["status"] = VoiceStatus.SUBMITTED
    elif tab != "all":
        filters["library"] = tab
    out = tempfile.TemporaryFile()
    voices_export_workbook(by=request.user, voices=voice_list(user=request.user, org=org, **filters), org=org,
                           filters={"tab": tab, **filters}, out=out)
    return _download(out, _("群众心声"), org)


@login_required
def visit_export_view(request):
    """The visit log (``voices:visit_list``) under its period and filters."""
    _staff(request)
    org = org_param(request, FIGURES)
    campaign, period = list_period(request)
    try:
        visitor = int(request.GET.get("visitor", ""))
    except ValueError:
        visitor = None
    filters = {
        "q": request.GET.get("q", "").strip(),
        "reason": _choice(request, "reason", (*VisitReason.values, ORDINARY)),
        "visitor": visitor,
        "sort": _sort(request, VISIT_SORTS, "-date"),
    }
    out = tempfile.TemporaryFile()
    visits_export_workbook(by=request.user, visits=visit_list(user=request.user, org=org, period=period, **filters),
                           org=org, filters={"campaign": campaign.slug if campaign else "", "since": period.since,
                                             "until": period.until, **filters}, out=out)
    return _download(out, _("走访记录"), org)


@login_required
def project_export_view(request):
    """Livelihood projects (``voices:project_list``) with their progress, under the list's filters."""
    _staff(request)
    org = org_param(request, FIGURES)
    campaign = campaign_param(request)
    filters = {
        "q": request.GET.get("q", "").strip(),
        "status": _choice(request, "status", ProjectStatus.values),
        "overdue": request.GET.get("overdue") == "yes",
        "supervised": _choice(request, "supervised", ("yes", "no")),
        "sort": _sort(request, PROJECT_SORTS, "-created"),
    }
    out = tempfile.TemporaryFile()
    projects_export_workbook(by=request.user, projects=project_list(user=request.user, org=org, campaign=campaign,
                                                                    **filters),
                             org=org, filters={"campaign": campaign.slug if campaign else "", **filters}, out=out)
    return _download(out, _("民生实事"), org)


@login_required
def rectification_export_view(request):
    """The problem list (``voices:rectification_list``) with each item's phases, under the list's filters."""
    _staff(request)
    org = org_param(request, FIGURES)
    campaign = campaign_param(request)
    filters = {
        "q": request.GET.get("q", "").strip(),
        "status": _choice(request, "status", RectificationStatus.values),
        "mode": _choice(request, "mode", RectificationMode.values),
        "source": _choice(request, "source", RectificationSource.values),
        "overdue": request.GET.get("overdue") == "yes",
        "sort": _sort(request, RECTIFICATION_SORTS, "-created"),
    }
    out = tempfile.TemporaryFile()
    rectifications_export_workbook(
        by=request.user, rectifications=rectification_list(user=request.user, org=org, campaign=campaign, **filters),
        org=org, filters={"campaign": campaign.slug if campaign else "", **filters}, out=out)
    return _download(out, _("问题清单"), org)


@login_required
def deed_export_view(request):
    """Good deeds (``voices:deed_list``) under the list's period and filters."""
    _staff(request)
    org = org_param(request, FIGURES)
    campaign, period = list_period(request)
    filters = {
        "q": request.GET.get("q", "").strip(),
        "kind": _choice(request, "kind", DeedKind.values),
        "sort": _sort(request, DEED_SORTS, "-date"),
    }
    out = tempfile.TemporaryFile()
    deeds_export_workbook(by=request.user, deeds=deed_list(user=request.user, org=org, period=period, **filters),
                          org=org, filters={"campaign": campaign.slug if campaign else "", "since": period.since,
                                            "until": period.until, **filters}, out=out)
    return _download(out, _("好事实事"), org)


@login_required
def figures_export_view(request):
    """The figures page as a workbook: every figure, the children side by side, the definitions."""
    params = figures_params(request)
    out = tempfile.TemporaryFile()
    figures_export_workbook(by=request.user, figures=voice_figures(**params.selector_args),
                            children=voice_figures_by_child(**params.selector_args), out=out)
    return _download(out, _("群众心声统计"), params.org)
