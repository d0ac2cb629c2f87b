"""Who may do what with points, declared with django-rules.

| permission          | object | who                                                          |
|---------------------|--------|--------------------------------------------------------------|
| points.run_store    | Org    | street admin, community worker over the community (catalogue, the counter, statements) |
| points.edit_rules   | Org    | street admin, community worker over the org (earning rules)  |
| points.view_figures | Org    | street admin, community worker, superior over the org (积分统计) |

Residents earn and redeem their own points: that rule is the services', since it depends on the
person, not on a role.
"""

import rules

from tongxin.accounts.models import Role
from tongxin.accounts.selectors import has_role_over

STORE_ROLES = (Role.STREET_ADMIN, Role.COMMUNITY_WORKER)
FIGURES_ROLES = (*STORE_ROLES, Role.SUPERIOR)


@rules.predicate
def runs_store(user, org) -> bool:
    return org is not None and has_role_over(user, STORE_ROLES, org.path)


@rules.predicate
def sees_figures(user, org) -> bool:
    return org is not None and has_role_over(user, FIGURES_ROLES, org.path)


rules.add_perm("points.run_store", runs_store)
rules.add_perm("points.edit_rules", runs_store)
rules.add_perm("points.view_figures", sees_figures)
