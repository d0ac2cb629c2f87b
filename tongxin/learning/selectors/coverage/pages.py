"""Which campaign and org a coverage page opens on, and the places of a grid worker's to-do."""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from tongxin.accounts.models import Role
from tongxin.accounts.selectors import scope_paths
from tongxin.campaigns.models import Campaign, CampaignStatus
from tongxin.orgs.models import Org

from ...permissions import COVERAGE_ROLES


def coverage_campaigns_for(user, *, today: date | None = None) -> list[Campaign]:
    """Campaigns under way that the account may read coverage of, newest first."""
    from tongxin.campaigns.selectors import campaign_visible_q

    today = today or timezone.localdate()
    return list(
        Campaign.objects.filter(campaign_visible_q(user), status=CampaignStatus.ACTIVE, starts_on__lte=today,
                                ends_on__gte=today)
        .select_related("scope").order_by("-starts_on", "name", "id")
    )


def coverage_default_org(user, campaign: Campaign) -> Org | None:
    """The campaign's scope for those who read it, else the account's widest place inside it."""
    if user.has_perm("learning.view_coverage", campaign.scope):
        return campaign.scope
    paths = sorted((p for p in scope_paths(user, COVERAGE_ROLES)
                    if p.startswith(campaign.scope_path) or campaign.scope_path.startswith(p)), key=len)
    return Org.objects.filter(path__in=paths[:1]).first() if paths else None


def todo_places_for(user) -> list[Org]:
    """The grids where the account is a grid worker and the buildings where it is a building head."""
    paths = scope_paths(user, (Role.GRID_WORKER, Role.BUILDING_HEAD))
    outer = [p for p in sorted(set(paths)) if not any(p != q and p.startswith(q) for q in paths)]
    return list(Org.objects.filter(path__in=outer).order_by("path"))
