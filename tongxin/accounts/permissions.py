"""Separate duties (三员分立, 等保 2.0): the system admin keeps accounts, the security admin
decides who holds which role and unlocks accounts, the auditor reads the audit log. None of
them can do another's part, and nobody grants a role to themself (see ``role_grant``).

| action                     | who                 |
|----------------------------|---------------------|
| accounts.manage_accounts   | system admin        |
| accounts.grant_roles       | security admin      |
| accounts.unlock_accounts   | security admin      |
| core.view_audit            | auditor             |
"""

import rules

from .models import Role
from .selectors import user_roles


def _has_role(role: str):
    @rules.predicate(name=f"has_role_{role}")
    def predicate(user) -> bool:
        return role in user_roles(user)

    return predicate


rules.add_perm("accounts.manage_accounts", _has_role(Role.SYSTEM_ADMIN))
rules.add_perm("accounts.grant_roles", _has_role(Role.SECURITY_ADMIN))
rules.add_perm("accounts.unlock_accounts", _has_role(Role.SECURITY_ADMIN))
rules.add_perm("core.view_audit", _has_role(Role.AUDITOR))
