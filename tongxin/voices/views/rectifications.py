"""Pages of the problem list (问题清单): the list with the counts the reports quote on top, putting
an item on it (immediate, or phased with its phases as rows), and its page with the phases to
tick, the fix and the reopening."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tongxin.learning.forms.study import AREA_KINDS, campaigns_seen_by
from tongxin.learning.views.filters import campaign_param, org_param, orgs_in_scope, paged, sort_param

from ..forms.projects import (
    FixForm, PhaseDoneForm, PhaseFormSet, RectificationForm, ReopenForm, add_service_errors, manageable_orgs,
)
from ..models import Rectification, RectificationMode, RectificationPhase, RectificationSource, RectificationStatus
from ..permissions import VIEW_ROLES
from ..selectors.projects import is_project_viewer
from ..selectors.rectifications import (
    RECTIFICATION_SORTS, rectification_counts, rectification_get_visible, rectification_history, rectification_list,
    rectification_phases,
)
from ..services.rectifications import (
    RectificationEvent, may_manage, moves_open, phase_done, rectification_create, rectification_fix,
    rectification_reopen, rectification_start,
)
from .projects import source_voice_param


def _choice(request, name: str, values) -> str:
    value = request.GET.get(name, "")
    return value if value in values else ""


@login_required
def rectification_list_view(request):
    user = request.user
    if not is_project_viewer(user):
        raise PermissionDenied
    org = org_param(request, "voices.view_figures")
    campaign = campaign_param(request)
    filters = {
        "q": request.GET.get("q", "").strip(),
        "status": _choice(request, "status", RectificationStatus.values),
        "mode": _choice(request, "mode", RectificationMode.values),
        "source": _choice(request, "source", RectificationSource.values),
        "overdue": request.GET.get("overdue") == "yes",
        "sort": sort_param(request, RECTIFICATION_SORTS, "-created"),
    }
    page, query = paged(request, rectification_list(user=user, org=org, campaign=campaign, **filters))
    # The counts leave the status out, so that 已完成整改 and 正在整改 stand side by side.
    counts = rectification_counts(user=user, org=org, campaign=campaign, q=filters["q"], mode=filters["mode"],
                                  source=filters["source"], overdue=filters["overdue"])
    return render(request, "voices/rectification_list.html", {
        "page": page, "query": query, "filters": filters, "org": org, "campaign": campaign, "counts": counts,
        "statuses": RectificationStatus.choices, "modes": RectificationMode.choices,
        "sources": RectificationSource.choices, "orgs": orgs_in_scope(user, VIEW_ROLES, AREA_KINDS),
        "campaigns": campaigns_seen_by(user), "can_create": manageable_orgs(user).exists(),
    })


@login_required
def rectification_create_view(request):
    user = request.user
    if not manageable_orgs(user).exists():
        raise PermissionDenied
    voice = source_voice_param(request)
    form = RectificationForm(request.POST or None, user=user, voice=voice,
                             initial={"mode": RectificationMode.IMMEDIATE})
    rows = PhaseFormSet(request.POST or None, prefix="phases")
    if request.method == "POST" and all([form.is_valid(), rows.is_valid()]):  # both, for every error at once
        data = form.cleaned_data
        try:
            item = rectification_create(
                by=user, org=data["org"], item=data["item"], source=data["source"], owner=data["owner"],
                mode=data["mode"], measures=data["measures"], due_on=data["due_on"], campaign=data["campaign"],
                source_voice=data["source_voice"], phases=rows.filled())
        except ValidationError as error:
            add_service_errors(form, error, "phases", rows)
        except PermissionError:
            raise PermissionDenied from None
        else:
            messages.success(request, _("已列入问题清单"))
            return redirect("voices:rectification_detail", pk=item.pk)
    return render(request, "voices/rectification_form.html", {"form": form, "rows": rows, "voice": voice})


def _item(request, pk: int) -> Rectification:
    item = rectification_get_visible(user=request.user, pk=pk)
    if item is None:
        raise Http404
    return item


def _managed(request, pk: int) -> Rectification:
    """The item, for a step only its managers take (the service checks again)."""
    item = _item(request, pk)
    if not may_manage(request.user, item):
        raise PermissionDenied
    return item


def _render_detail(request, item: Rectification, *, bound: dict | None = None):
    """The item's page. ``bound``: a form sent with an error, shown again with what was typed —
    ``("phase", id)``, ``"fix"``, ``"reopen"`` → form."""
    bound = bound or {}
    can_manage = may_manage(request.user, item)
    phases = rectification_phases(item)
    moves = moves_open(item) if can_manage else []
    for phase in phases:
        if can_manage and phase.is_next and item.status != RectificationStatus.FIXED:
            phase.done_form = bound.get(("phase", phase.pk)) or PhaseDoneForm(auto_id=f"phase{phase.pk}_%s")
    waiting = sum(1 for phase in phases if phase.done_on is None)
    return render(request, "voices/rectification_detail.html", {
        "item": item, "phases": phases, "history": rectification_history(item), "can_manage": can_manage,
        "can_start": RectificationEvent.START in moves,
        "can_fix": RectificationEvent.FIX in moves and not waiting,
        "waiting": waiting if RectificationEvent.FIX in moves else 0,
        "fix_form": bound.get("fix") or (FixForm() if RectificationEvent.FIX in moves else None),
        "reopen_form": bound.get("reopen") or (ReopenForm() if RectificationEvent.REOPEN in moves else None),
    })


@login_required
def rectification_detail_view(request, pk: int):
    return _render_detail(request, _item(request, pk))


def _back(item: Rectification, anchor: str = "") -> str:
    url = reverse("voices:rectification_detail", args=[item.pk])
    return f"{url}#{anchor}" if anchor else url


@login_required
@require_POST
def rectification_start_view(request, pk: int):
    item = _managed(request, pk)
    try:
        rectification_start(by=request.user, rectification=item)
    except PermissionError:
        raise PermissionDenied from None
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("已开始整改"))
    return redirect(_back(item))


@login_required
@require_POST
def rectification_phase_done_view(request, pk: int, phase_pk: int):
    item = _managed(request, pk)
    phase = get_object_or_404(RectificationPhase, pk=phase_pk, rectification=item)
    form = PhaseDoneForm(request.POST, auto_id=f"phase{phase.pk}_%s")
    if form.is_valid():
        try:
            phase_done(by=request.user, phase=phase, **form.cleaned_data)
        except PermissionError:
            raise PermissionDenied from None
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("第 %(n)d 阶段已完成") % {"n": phase.order})
            return redirect(_back(item, "phases"))
    return _render_detail(request, item, bound={("phase", phase.pk): form})


@login_required
@require_POST
def rectification_fix_view(request, pk: int):
    item = _managed(request, pk)
    form = FixForm(request.POST)
    if form.is_valid():
        try:
            rectification_fix(by=request.user, rectification=item, **form.cleaned_data)
        except PermissionError:
            raise PermissionDenied from None
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("已完成整改，问题销号"))
            return redirect(_back(item))
    return _render_detail(request, item, bound={"fix": form})


@login_required
@require_POST
def rectification_reopen_view(request, pk: int):
    item = _managed(request, pk)
    form = ReopenForm(request.POST)
    if form.is_valid():
        try:
            rectification_reopen(by=request.user, rectification=item, reason=form.cleaned_data["reason"])
        except PermissionError:
            raise PermissionDenied from None
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("已退回重新整改"))
            return redirect(_back(item))
    return _render_detail(request, item, bound={"reopen": form})
