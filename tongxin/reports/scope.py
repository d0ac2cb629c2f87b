"""What a figures or report request asks about: an org, a campaign and a period, read from the
request's parameters (``org`` by code, ``campaign`` by slug, ``from`` / ``to`` as 2024-09-10) and
checked against the account. Shared by the API, the pages and the ``report`` command.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from tongxin.accounts.selectors import scope_paths
from tongxin.campaigns.models import Campaign
from tongxin.campaigns.selectors import campaign_get_visible
from tongxin.orgs.models import Org

from .permissions import FIGURES_ROLES

PERIOD_MAX_DAYS = 3 * 366  # a campaign lasts months; three years is every figure a report asks for


@dataclass(frozen=True)
class FigureScope:
    org: Org
    campaign: Campaign | None
    date_from: date | None
    date_to: date | None


class ScopeNotFound(Exception):
    """An org or campaign that does not exist or that the account may not see: answered 404."""


def default_org(user) -> Org | None:
    """The widest org whose figures the account reads: its highest staff or superior scope."""
    paths = scope_paths(user, FIGURES_ROLES)
    if not paths:
        return None
    return Org.objects.filter(path=min(paths, key=lambda path: (path.count("/"), path))).first()


def _day(name: str, value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ValidationError({name: _("日期格式应为 2024-09-10")}) from None


def parse_scope(user, *, org: str | None = "", campaign: str | None = "", date_from: str | None = "",
                date_to: str | None = "") -> FigureScope:
    """The scope of a request. Raises ``ValidationError`` (bad dates, named by parameter),
    ``ScopeNotFound`` (no such org or campaign for this account) or ``PermissionError`` (an org
    the account may not read)."""
    since, until = _day("from", date_from), _day("to", date_to)
    if since and until and since > until:
        raise ValidationError({"to": _("结束日期不能早于开始日期")})
    if since and until and (until - since).days > PERIOD_MAX_DAYS:
        raise ValidationError({"to": _("统计期间最长三年")})
    chosen = None
    if campaign:
        chosen = campaign_get_visible(user=user, slug=campaign.strip())
        if chosen is None:
            raise ScopeNotFound(_("找不到该主题活动"))
    if org:
        place = Org.objects.filter(code=org.strip()).first()
        if place is None:
            raise ScopeNotFound(_("找不到编码为“%(code)s”的组织") % {"code": org})
    else:
        place = default_org(user)
    if place is None or not user.has_perm("reports.view_figures", place):
        raise PermissionError(_("无权查看该组织的统计数据"))
    return FigureScope(place, chosen, since, until)
