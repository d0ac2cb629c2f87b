"""Figures and reports over the API.

- ``GET /figures?org=&campaign=&from=&to=&children=``: every figure of the org's subtree
  (``reports.selectors.figures``), each with its Chinese name, unit, section and, for a rate, its
  numerator and denominator; ``children=true`` adds each child place side by side.
- ``GET /reports/progress.docx?org=&campaign=&from=&to=``: the progress report as a Word document
  (attachment with a Chinese file name); without a campaign 422.

``org`` is an org's code (default: the account's widest scope), ``campaign`` a campaign's slug,
``from`` / ``to`` local days (2024-09-10), both included. Bad dates: 422 naming the parameter; an
org or campaign not found: 404; an org the account may not read: 403.
"""

from __future__ import annotations

import io
from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from .scope import ScopeNotFound, parse_scope
from .selectors.figures import ReportFigures, report_figures, report_figures_by_child
from .services.progress import progress_docx
from .views.progress import DOCX, docx_response, progress_filename

router = Router(tags=["reports"])


class FiguresQuery(Schema):
    org: str = ""
    campaign: str = ""
    date_from: str = Field("", alias="from")
    date_to: str = Field("", alias="to")
    children: bool = False


class FigureOut(Schema):
    key: str
    section: str
    label: str
    value: float | None
    shown: str
    unit: str
    numerator: int | None = None
    denominator: int | None = None


class OrgOut(Schema):
    code: str
    name: str


class FiguresOut(Schema):
    org: OrgOut
    campaign: str | None
    date_from: date | None
    date_to: date
    figures: list[FigureOut]
    children: list[FiguresOut] | None = None


class RefusalOut(Schema):
    detail: str
    code: str
    errors: dict[str, list[str]] = {}


def figures_out(result: ReportFigures) -> dict:
    return {
        "org": {"code": result.org.code, "name": result.org.name},
        "campaign": result.campaign.slug if result.campaign else None,
        "date_from": result.date_from, "date_to": result.date_to,
        "figures": [{"key": f.key, "section": f.defn.section, "label": f.label, "value": f.value, "shown": f.shown,
                     "unit": f.unit, "numerator": f.numerator, "denominator": f.denominator}
                    for f in result.figures.values()],
    }


def scope_of(request, query) -> dict | Status:
    """The scope of a request as keyword arguments of the selectors, or the refusal to answer with
    (422 bad dates, 404 no such org or campaign); an org the account may not read raises 403."""
    try:
        scope = parse_scope(request.user, org=query.org, campaign=query.campaign, date_from=query.date_from,
                            date_to=query.date_to)
    except ValidationError as error:
        return Status(422, {"detail": "；".join(m for messages in error.message_dict.values() for m in messages),
                            "code": "invalid", "errors": error.message_dict})
    except ScopeNotFound as error:
        return Status(404, {"detail": str(error), "code": "not_found"})
    return {"org": scope.org, "campaign": scope.campaign, "date_from": scope.date_from, "date_to": scope.date_to}


@router.get("/figures", response={200: FiguresOut, 404: RefusalOut, 422: RefusalOut})
def figures(request, query: Query[FiguresQuery]):
    """Every figure of an org's subtree for a campaign and period (definitions: docs/figures.md)."""
    scope = scope_of(request, query)
    if isinstance(scope, Status):
        return scope
    data = figures_out(report_figures(**scope))
    if query.children:
        data["children"] = [figures_out(child) for child in report_figures_by_child(**scope)]
    return Status(200, data)


# --- The progress report -------------------------------------------------------------------------

class ProgressQuery(Schema):
    org: str = ""
    campaign: str = ""
    date_from: str = Field("", alias="from")
    date_to: str = Field("", alias="to")


# The document itself is no schema: the 200 answer is described for the OpenAPI page by hand.
DOCX_OPENAPI = {"responses": {200: {"description": "工作开展情况报告（.docx）",
                                    "content": {DOCX: {"schema": {"type": "string", "format": "binary"}}}}}}


@router.get("/reports/progress.docx", response={404: RefusalOut, 422: RefusalOut}, openapi_extra=DOCX_OPENAPI)
def progress_docx_download(request, query: Query[ProgressQuery]):
    """The progress report (工作开展情况报告) of an org for a campaign, as .docx (GB/T 9704): the
    same document as the page's "下载 Word". ``campaign`` is required (422 without it). Audited."""
    scope = scope_of(request, query)
    if isinstance(scope, Status):
        return scope
    if scope["campaign"] is None:
        message = _("请选择主题活动：工作开展情况报告是某一主题活动的报告")
        return Status(422, {"detail": message, "code": "invalid", "errors": {"campaign": [message]}})
    out = io.BytesIO()
    try:
        report = progress_docx(**scope, out=out, by=request.user)
    except ValidationError as error:
        return Status(422, {"detail": "；".join(m for messages in error.message_dict.values() for m in messages),
                            "code": "invalid", "errors": error.message_dict})
    return docx_response(out.getvalue(), progress_filename(report))
