"""The progress report (工作开展情况报告) pages: its preview with the org, campaign and period
chosen, its Word download, and the editing of its texts.

- ``progress_page`` (``/reports/progress/?org=CODE&campaign=SLUG&from=&to=``): the report as HTML,
  the same ``ProgressReport`` the .docx is written from, with a "下载 Word" button;
- ``progress_download`` (``/reports/progress.docx?…``): the .docx, audited;
- ``texts_edit`` (``/reports/progress/texts/?org=CODE&campaign=SLUG``): each part's text with its
  slots; street admins and community workers save or reset it, the others read it.

Whoever reads the org's figures (``reports.view_figures``) reads its report; an org or campaign
that does not exist or is not theirs is 404, an org above their scope 403.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from tongxin.campaigns.models import Campaign
from tongxin.campaigns.selectors import campaign_visible_q
from tongxin.learning.services.exports import filename_part
from tongxin.learning.views.filters import orgs_in_scope
from tongxin.orgs.models import Org
from tongxin.orgs.selectors import org_ancestors
from tongxin.people.selectors import ancestor_paths
from tongxin.voices.selectors.figures import PICKER_KINDS

from ..forms import ProgressForm, ReportTextForm
from ..permissions import FIGURES_ROLES
from ..scope import FigureScope, ScopeNotFound, default_org, parse_scope
from ..selectors.figures import CATALOGUE, SECTIONS, child_places
from ..services.progress import ProgressReport, progress_docx, progress_report
from ..services.texts import (
    CONTEXT_SLOTS, PARTS, PROBLEMS_SLOT, PROBLEMS_SLOT_LABEL, may_edit_report_texts, report_text_reset,
    report_text_save, report_texts_effective,
)

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def docx_response(data: bytes, filename: str) -> FileResponse:
    """A .docx as an attachment with its (Chinese) file name, as ``xlsx_response`` sends a workbook."""
    response = FileResponse(io.BytesIO(data), as_attachment=True, filename=filename, content_type=DOCX)
    response["Cache-Control"] = "no-store"
    return response


def progress_filename(report: ProgressReport) -> str:
    return _("工作开展情况报告-%(org)s-%(from)s-%(to)s.docx") % {
        "org": filename_part(report.org.name), "from": report.date_from.strftime("%Y%m%d") if report.date_from else "",
        "to": report.date_to.strftime("%Y%m%d")}


def campaigns_for_org(user, org: Org) -> list[Campaign]:
    """The campaigns the account sees that are run in ``org`` (its scope holds the org, or lies
    inside it), newest first."""
    covering = Q(scope_path__in=ancestor_paths(org.path)) | Q(scope_path__startswith=org.path)
    return list(Campaign.objects.filter(campaign_visible_q(user)).filter(covering).order_by("-starts_on", "name"))


def _scope(request) -> FigureScope:
    """The org and campaign of ``?org=&campaign=``: 404 for one not found, 403 for an org the
    account may not read (and for an account that reads none)."""
    if default_org(request.user) is None:
        raise PermissionDenied
    try:
        return parse_scope(request.user, org=request.GET.get("org", ""), campaign=request.GET.get("campaign", ""))
    except ScopeNotFound as error:
        raise Http404(str(error)) from None
    except PermissionError as error:
        raise PermissionDenied(str(error)) from None


@dataclass
class _Chosen:
    form: ProgressForm
    scope: FigureScope
    campaigns: list[Campaign]
    campaign: Campaign | None
    valid: bool

    def query(self, **changes) -> str:
        data = self.form.cleaned_data if self.valid else {}
        params = {"org": self.scope.org.code, "campaign": self.campaign.slug if self.campaign else "",
                  "from": data.get("from") or "", "to": data.get("to") or "", "addressee": data.get("addressee") or ""}
        params.update(changes)
        return urlencode({key: value for key, value in params.items() if value})


def _choose(request) -> _Chosen:
    """What the page and the download show: the scope, the campaign (the newest run in the org
    when none is asked for) and the form with its errors."""
    scope = _scope(request)
    campaigns = campaigns_for_org(request.user, scope.org)
    orgs = orgs_in_scope(request.user, FIGURES_ROLES, PICKER_KINDS)
    if scope.org not in orgs:
        orgs = [*orgs, scope.org]
    campaign = scope.campaign or (campaigns[0] if campaigns else None)
    if campaign is not None and campaign not in campaigns:
        campaigns = [campaign, *campaigns]
    data = request.GET.copy()
    data.setdefault("org", scope.org.code)
    if campaign is not None:
        data["campaign"] = campaign.slug
    form = ProgressForm(data, orgs=orgs, campaigns=campaigns)
    return _Chosen(form, scope, campaigns, campaign, form.is_valid())


def _report(chosen: _Chosen) -> ProgressReport | None:
    if not chosen.valid or chosen.campaign is None:
        return None
    data = chosen.form.cleaned_data
    try:
        return progress_report(chosen.scope.org, chosen.campaign, data.get("from"), data.get("to"),
                               addressee=data.get("addressee", ""))
    except ValidationError as error:
        for field, messages_ in error.message_dict.items():
            chosen.form.add_error(field if field in chosen.form.fields else None, messages_)
        chosen.valid = False
        return None


def _page(request, chosen: _Chosen, report: ProgressReport | None):
    user, org = request.user, chosen.scope.org
    base = reverse("reports:progress")
    readable = [o for o in org_ancestors(org) if user.has_perm("reports.view_figures", o)]
    return render(request, "reports/progress.html", {
        "form": chosen.form, "org": org, "campaign": chosen.campaign, "report": report,
        "crumbs": [(o, f"{base}?{chosen.query(org=o.code)}") for o in [*readable, org]],
        "children": [(o, f"{base}?{chosen.query(org=o.code)}") for o in child_places(org)],
        "download_url": f"{reverse('reports:progress_docx')}?{chosen.query()}",
        "texts_url": f"{reverse('reports:progress_texts')}?{chosen.query(**{'from': '', 'to': '', 'addressee': ''})}",
        "may_edit": may_edit_report_texts(user, org),
    }, status=200 if chosen.valid else 400)


@login_required
def progress_page(request):
    chosen = _choose(request)
    return _page(request, chosen, _report(chosen))


@login_required
def progress_download(request):
    """The report as .docx; input the page would refuse shows the page with its errors."""
    chosen = _choose(request)
    if chosen.valid and chosen.campaign is None:
        chosen.form.add_error("campaign", _("请选择主题活动：工作开展情况报告是某一主题活动的报告"))
        chosen.valid = False
    if not chosen.valid:
        return _page(request, chosen, None)
    data = chosen.form.cleaned_data
    out = io.BytesIO()
    try:
        report = progress_docx(org=chosen.scope.org, campaign=chosen.campaign, date_from=data.get("from"),
                               date_to=data.get("to"), out=out, by=request.user, addressee=data.get("addressee", ""))
    except ValidationError:
        return _page(request, chosen, _report(chosen))
    except PermissionError as error:
        raise PermissionDenied(str(error)) from None
    return docx_response(out.getvalue(), progress_filename(report))


# --- Texts ------------------------------------------------------------------------------------------

def slot_groups() -> list[tuple[str, list[tuple[str, str]]]]:
    """The slots, grouped as the figures are, with their Chinese names, for the editing page."""
    groups = [(_("基本信息"), [(key, str(label)) for key, label in CONTEXT_SLOTS.items()]
               + [(PROBLEMS_SLOT, str(PROBLEMS_SLOT_LABEL))])]
    for section, label in SECTIONS.items():
        groups.append((str(label), [(d.key, f"{d.label}（{d.unit}）") for d in CATALOGUE if d.section == section]))
    return groups


@login_required
def texts_edit(request):
    scope = _scope(request)
    org, campaign, user = scope.org, scope.campaign, request.user
    may_edit = may_edit_report_texts(user, org)
    posted = None
    if request.method == "POST":
        if not may_edit:
            raise PermissionDenied
        part = request.POST.get("part", "")
        posted = ReportTextForm(request.POST, auto_id=f"id_{part if part in PARTS else 'text'}_%s")
        if posted.is_valid():
            part, action = posted.cleaned_data["part"], posted.cleaned_data["action"]
            try:
                if action == "reset":
                    report_text_reset(by=user, org=org, campaign=campaign, part=part)
                    messages.success(request, _("“%(part)s”已恢复默认") % {"part": PARTS[part]})
                else:
                    report_text_save(by=user, org=org, campaign=campaign, part=part, text=posted.cleaned_data["text"])
                    messages.success(request, _("“%(part)s”已保存") % {"part": PARTS[part]})
            except ValidationError as error:
                for messages_ in error.message_dict.values():
                    posted.add_error("text", messages_)
            else:
                query = urlencode({"org": org.code, **({"campaign": campaign.slug} if campaign else {})})
                return redirect(f"{reverse('reports:progress_texts')}?{query}#part-{part}")
    effective = report_texts_effective(org, campaign)
    parts = []
    for part, label in PARTS.items():
        text = effective[part]
        own = text.saved is not None and text.saved.org_id == org.pk and text.saved.campaign_id == (
            campaign.pk if campaign else None)
        if posted is not None and posted.data.get("part") == part:
            form = posted
        else:
            form = ReportTextForm(initial={"part": part, "text": text.text, "action": "save"},
                                  auto_id=f"id_{part}_%s")
        parts.append({"key": part, "label": label, "text": text, "own": own, "form": form})
    campaign_query = urlencode({"org": org.code, **({"campaign": campaign.slug} if campaign else {})})
    return render(request, "reports/progress_texts.html", {
        "org": org, "campaign": campaign, "campaigns": campaigns_for_org(user, org), "parts": parts,
        "may_edit": may_edit, "slot_groups": slot_groups(),
        "report_url": f"{reverse('reports:progress')}?{campaign_query}",
    }, status=400 if posted is not None else 200)
