"""Who may do what with campaigns, declared with django-rules.

| action                        | object    | who                                                   |
|-------------------------------|-----------|-------------------------------------------------------|
| campaigns.manage_campaign     | Org       | street admin over the org (campaigns, plans, tasks, measures) |
| campaigns.view_campaign       | Campaign  | any staff role or superior on the scope, above it or inside it; members and residents inside it |
| campaigns.view_compliance     | Org       | street admin, community worker, grid worker, building head, superior over the org (read-only: recording is ``record_completion``) |
| campaigns.record_completion   | Org       | street admin, community worker over the unit that did the action |

``campaigns.view_compliance`` answers for an org; the compliance page of a campaign also needs the
campaign (``may_view_compliance``). Staff of the campaign's scope or above see every unit; a
community worker sees their community and a grid worker or building head sees the community their
grid lies in (the table's rows are communities, villages and units); members and residents see a
campaign's plans and actions but not how units stand.
"""

import rules

from tongxin.accounts.models import STAFF_ROLES, Role
from tongxin.accounts.selectors import has_role_over, scope_paths

VIEW_ROLES = tuple(STAFF_ROLES - {Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDITOR})


@rules.predicate
def manages_org(user, org) -> bool:
    return org is not None and has_role_over(user, (Role.STREET_ADMIN,), org.path)


@rules.predicate
def sees_campaign(user, campaign) -> bool:
    if campaign is None:
        return False
    # Above the scope (a superior) or inside it (a grid worker of one of its grids).
    if any(campaign.scope_path.startswith(p) or p.startswith(campaign.scope_path)
           for p in scope_paths(user, VIEW_ROLES)):
        return True
    person = getattr(user, "person", None) if getattr(user, "person_id", None) else None
    return person is not None and person.org_path.startswith(campaign.scope_path)


@rules.predicate
def sees_compliance_of(user, org) -> bool:
    return org is not None and has_role_over(user, VIEW_ROLES, org.path)


@rules.predicate
def records_for_org(user, org) -> bool:
    return org is not None and has_role_over(user, (Role.STREET_ADMIN, Role.COMMUNITY_WORKER), org.path)


rules.add_perm("campaigns.manage_campaign", manages_org)
rules.add_perm("campaigns.view_campaign", sees_campaign)
rules.add_perm("campaigns.view_compliance", sees_compliance_of)
rules.add_perm("campaigns.record_completion", records_for_org)


def may_view_compliance(user, campaign, org) -> bool:
    """Whether the account may open the compliance table of ``campaign`` at ``org``: the org lies
    inside the campaign's scope or above it, and the account holds ``campaigns.view_campaign`` on
    the campaign and ``campaigns.view_compliance`` on the org."""
    concerned = org.path.startswith(campaign.scope_path) or campaign.scope_path.startswith(org.path)
    return concerned and user.has_perm("campaigns.view_campaign", campaign) \
        and user.has_perm("campaigns.view_compliance", org)
