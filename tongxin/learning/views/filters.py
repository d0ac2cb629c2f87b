"""What the study list pages (deliveries, materials, reflections, bulletins) share: the filters
read from the query (范围 ``org``, 主题活动 ``campaign``, dates, sort), paging, and the Excel
download of a filtered list."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse
from django.shortcuts import get_object_or_404

from tongxin.accounts.selectors import scope_filter, scope_paths, user_role_scopes
from tongxin.campaigns.models import Campaign
from tongxin.orgs.models import Org

from ..permissions import COVERAGE_ROLES

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PAGE_SIZE = 30


def orgs_in_scope(user, roles, kinds) -> list[Org]:
    """Places for a "范围" filter: those of ``kinds`` in the account's scopes, and the scopes
    themselves (a grid worker's grid)."""
    condition = scope_filter(user, roles, field="path")
    if condition is None:
        return []
    own = {code for role, _path, code in user_role_scopes(user) if role in roles}
    return list(Org.objects.filter((condition & Q(kind__in=kinds)) | Q(code__in=own)).order_by("path")[:300])


def org_param(request, permission: str) -> Org | None:
    """The org named by ``?org=CODE``, if the account holds ``permission`` on it."""
    code = request.GET.get("org", "").strip()
    if not code:
        return None
    org = get_object_or_404(Org, code=code)
    if not request.user.has_perm(permission, org):
        raise PermissionDenied
    return org


def campaign_param(request) -> Campaign | None:
    slug = request.GET.get("campaign", "").strip()
    if not slug:
        return None
    campaign = get_object_or_404(Campaign, slug=slug)
    if not request.user.has_perm("campaigns.view_campaign", campaign):
        raise PermissionDenied
    return campaign


def date_param(request, name: str) -> date | None:
    try:
        return date.fromisoformat(request.GET.get(name, "").strip())
    except ValueError:
        return None


def sort_param(request, sorts: dict, default: str) -> str:
    sort = request.GET.get("sort", default)
    return sort if sort in sorts else default


def paged(request, qs, size: int = PAGE_SIZE):
    """The page of ``?page=`` and the query without it (for the page links)."""
    page = Paginator(qs, size).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return page, query.urlencode()


def is_staff_viewer(user) -> bool:
    return bool(scope_paths(user, COVERAGE_ROLES))


def xlsx_response(out, filename: str) -> FileResponse:
    out.seek(0)
    response = FileResponse(out, as_attachment=True, filename=filename, content_type=XLSX)
    response["Cache-Control"] = "no-store"  # names of people
    return response
