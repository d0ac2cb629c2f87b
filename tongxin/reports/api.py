"""Figures and reports over the API.

- ``GET /figures?org=&campaign=&from=&to=&children=``: every figure of the org's subtree
  (``reports.selectors.figures``), each with its Chinese name, unit, section and, for a rate, its
  numerator and denominator; ``children=true`` adds each child place side by side.
- ``GET /reports/progress.docx?org=&campaign=&from=&to=``: the progress report as a Word document
  (attachment with a Chinese file name); without a campaign 422.

``org`` is an org's code (default: the account's widest scope), ``campaign`` a campaign's slug,
``from`` / ``to`` local days (2024-09-10), both included. Bad dates (or a period that ends before
it begins, or longer than three years): 422 naming the parameter; an org or campaign not found:
404; an org the account may not read: 403; a campaign not run in the org: 409.
"""

from __future__ import annotations

import io
import re
from datetime import date
from typing import Annotated

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Field, Query, Router, Schema, Status
from pydantic import AfterValidator, ConfigDict, WithJsonSchema

from tongxin.core.api_schemas import (
    Day, ErrorOut, OrgCode, Refusal, Slug, conflict, messages_of, not_found, refused, schema_requires,
)

from .scope import ScopeNotFound, parse_scope
from .selectors.figures import ReportFigures, report_figures, report_figures_by_child
from .services.progress import progress_docx
from .views.progress import DOCX, docx_response, progress_filename

router = Router(tags=["reports"])


class FiguresQuery(Schema):
    org: OrgCode = ""
    campaign: Slug = ""
    date_from: Day = Field(None, alias="from")
    date_to: Day = Field(None, alias="to")
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


class ReportOrgOut(Schema):
    code: str
    name: str


class ReportFiguresOut(Schema):
    org: ReportOrgOut
    campaign: str | None
    date_from: date | None
    date_to: date
    figures: list[FigureOut]
    children: list[ReportFiguresOut] | None = None


def figures_out(result: ReportFigures) -> dict:
    return {
        "org": {"code": result.org.code, "name": result.org.name},
        "campaign": result.campaign.slug if result.campaign else None,
        "date_from": result.date_from, "date_to": result.date_to,
        "figures": [{"key": f.key, "section": f.defn.section, "label": f.label, "value": f.value, "shown": f.shown,
                     "unit": f.unit, "numerator": f.numerator, "denominator": f.denominator}
                    for f in result.figures.values()],
    }


def _iso(day: date | None) -> str:
    return day.isoformat() if day else ""


def scope_of(request, query) -> dict:
    """The scope of a request as keyword arguments of the selectors. Raises the refusal to answer
    with: 422 for a period that ends before it begins or is longer than three years (the schema
    cannot compare two parameters), 404 for no such org or campaign, 403 for an org the account
    may not read."""
    try:
        scope = parse_scope(request.user, org=query.org, campaign=query.campaign, date_from=_iso(query.date_from),
                            date_to=_iso(query.date_to))
    except ValidationError as error:
        detail, errors = messages_of(error)
        raise Refusal(422, detail, "invalid", errors) from None
    except ScopeNotFound as error:
        raise not_found(str(error)) from None
    return {"org": scope.org, "campaign": scope.campaign, "date_from": scope.date_from, "date_to": scope.date_to}


@router.get("/figures", response={200: ReportFiguresOut, 404: ErrorOut})
def figures(request, query: Query[FiguresQuery]):
    """Every figure of an org's subtree for a campaign and period (definitions: docs/figures.md)."""
    scope = scope_of(request, query)
    data = figures_out(report_figures(**scope))
    if query.children:
        data["children"] = [figures_out(child) for child in report_figures_by_child(**scope)]
    return Status(200, data)


# --- The progress report -------------------------------------------------------------------------

CAMPAIGN_MISSING = gettext_lazy("请选择主题活动：工作开展情况报告是某一主题活动的报告")
CAMPAIGN_SLUG = r"^[-A-Za-z0-9_]{1,60}$"


def _campaign_given(value: str) -> str:
    if not value:
        raise refused(CAMPAIGN_MISSING)
    if not re.fullmatch(CAMPAIGN_SLUG, value):
        raise refused(_("主题活动的简称只能由字母、数字、下划线和连字符组成"))
    return value


class ProgressQuery(Schema):
    # ``campaign`` is required: its default only lets the validator say so in Chinese.
    model_config = ConfigDict(json_schema_extra=schema_requires("campaign"))

    org: OrgCode = ""
    campaign: Annotated[str, AfterValidator(_campaign_given),
                        WithJsonSchema({"type": "string", "pattern": CAMPAIGN_SLUG})] = Field(
        "", validate_default=True, json_schema_extra=lambda schema: schema.pop("default", None))
    date_from: Day = Field(None, alias="from")
    date_to: Day = Field(None, alias="to")


# The document itself is no schema: the 200 answer is described for the OpenAPI page by hand.
DOCX_OPENAPI = {"responses": {200: {"description": "工作开展情况报告（.docx）",
                                    "content": {DOCX: {"schema": {"type": "string", "format": "binary"}}}}}}


@router.get("/reports/progress.docx", response={404: ErrorOut, 409: ErrorOut}, openapi_extra=DOCX_OPENAPI)
def progress_docx_download(request, query: Query[ProgressQuery]):
    """The progress report (工作开展情况报告) of an org for a campaign, as .docx (GB/T 9704): the
    same document as the page's "下载 Word". ``campaign`` is required (422 without it); a campaign
    not run in the org is 409. Audited."""
    scope = scope_of(request, query)
    out = io.BytesIO()
    try:
        report = progress_docx(**scope, out=out, by=request.user)
    except ValidationError as error:
        detail, errors = messages_of(error)
        raise conflict(detail, "invalid", errors) from None
    return docx_response(out.getvalue(), progress_filename(report))
