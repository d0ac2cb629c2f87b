"""Figures and reports over the API.

- ``GET /figures?org=&campaign=&from=&to=&children=``: every figure of the org's subtree
  (``reports.selectors.figures``), each with its Chinese name, unit, section and, for a rate, its
  numerator and denominator; ``children=true`` adds each child place side by side.

``org`` is an org's code (default: the account's widest scope), ``campaign`` a campaign's slug,
``from`` / ``to`` local days (2024-09-10), both included. Bad dates: 422 naming the parameter; an
org or campaign not found: 404; an org the account may not read: 403.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from ninja import Field, Query, Router, Schema, Status

from .scope import ScopeNotFound, parse_scope
from .selectors.figures import ReportFigures, report_figures, report_figures_by_child

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
