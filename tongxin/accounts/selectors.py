"""Who may act where: the roles an account holds and the org subtrees they cover."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.db.models import Q

from .models import STAFF_ROLES, Role, RoleAssignment

_CACHE_ATTR = "_tongxin_role_scopes"


def user_role_scopes(user) -> list[tuple[str, str, str]]:
    """``[(role, org_path, org_code), …]`` for the account, read once per request."""
    if not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        cached = list(
            RoleAssignment.objects.filter(user=user).values_list("role", "org__path", "org__code")
        )
        setattr(user, _CACHE_ATTR, cached)
    return cached


def forget_role_scopes(user) -> None:
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def user_roles(user) -> set[str]:
    return {role for role, _, _ in user_role_scopes(user)}


def is_staff_user(user) -> bool:
    """Accounts that get the idle timeout and the second factor: staff roles, and any account
    that can enter the Django admin (``is_staff``) or holds every permission (superuser)."""
    if getattr(user, "is_staff", False) or getattr(user, "is_superuser", False):
        return True
    return bool(user_roles(user) & STAFF_ROLES)


def totp_required(user) -> bool:
    """True if the account must pass the TOTP second factor (``TONGXIN_STAFF_TOTP``)."""
    return bool(settings.TONGXIN_STAFF_TOTP) and is_staff_user(user)


def scope_paths(user, roles: Iterable[str]) -> list[str]:
    wanted = set(roles)
    return [path for role, path, _ in user_role_scopes(user) if role in wanted]


def has_role_over(user, roles: Iterable[str], path: str) -> bool:
    """True if the account holds one of ``roles`` on ``path`` or on an ancestor of it."""
    return any(path.startswith(scope) for scope in scope_paths(user, roles))


def scope_filter(user, roles: Iterable[str], field: str = "org_path") -> Q | None:
    """A filter for rows under any org where the account holds one of ``roles``.

    Nested scopes are collapsed so the query holds one condition per disjoint subtree.
    """
    paths = sorted(set(scope_paths(user, roles)))
    outer: list[str] = []
    for path in paths:
        if not any(path.startswith(p) for p in outer):
            outer.append(path)
    if not outer:
        return None
    condition = Q()
    for path in outer:
        condition |= Q(**{f"{field}__startswith": path})
    return condition


HOME_ROLE_ORDER = [
    Role.STREET_ADMIN, Role.COMMUNITY_WORKER, Role.GRID_WORKER, Role.BUILDING_HEAD, Role.SUPERIOR,
    Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDITOR, Role.PARTY_MEMBER, Role.RESIDENT,
]


def primary_role(user) -> str | None:
    roles = user_roles(user)
    for role in HOME_ROLE_ORDER:
        if role in roles:
            return role
    return None
