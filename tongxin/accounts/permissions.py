"""Separate duties (等保 2.0): accounts, security settings and the audit log.

| action                     | who                 |
|----------------------------|---------------------|
| accounts.manage_accounts   | system admin        |
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
rules.add_perm("accounts.unlock_accounts", _has_role(Role.SECURITY_ADMIN))
rules.add_perm("core.view_audit", _has_role(Role.AUDITOR))
