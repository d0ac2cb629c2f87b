"""Who may see and change the org tree.

| action           | who                                                                   |
|------------------|-----------------------------------------------------------------------|
| orgs.view_org    | any staff role held on the org or an ancestor (system admin included, to grant roles) |
| orgs.change_org  | street admin over the org                                             |
"""

import rules

from tongxin.accounts.models import STAFF_ROLES, Role
from tongxin.accounts.selectors import has_role_over

VIEW_ROLES = tuple(STAFF_ROLES - {Role.SECURITY_ADMIN, Role.AUDITOR})


@rules.predicate
def sees_org(user, org) -> bool:
    return org is not None and has_role_over(user, VIEW_ROLES, org.path)


@rules.predicate
def administers_org(user, org) -> bool:
    return org is not None and has_role_over(user, (Role.STREET_ADMIN,), org.path)


rules.add_perm("orgs.view_org", sees_org)
rules.add_perm("orgs.change_org", administers_org)
