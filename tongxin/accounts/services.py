from __future__ import annotations

import secrets
from datetime import timedelta
from functools import cache

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tongxin.core.audit import AuditAction, audit_record
from tongxin.core.prepared import model_from_row, prepared_cursor
from tongxin.orgs.models import Org
from tongxin.people.models import Person

from .models import ApiToken, Role, RoleAssignment, User
from .selectors import forget_role_scopes


@transaction.atomic
def account_create(*, by, username: str, password: str, person: Person | None = None,
                   first_name: str = "", check_password_policy: bool = True) -> User:
    if User.objects.filter(username=username).exists():
        raise ValidationError({"username": _("用户名已存在")})
    user = User(username=username, person=person, first_name=first_name)
    if check_password_policy:
        validate_password(password, user)
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    audit_record(by=by, action=AuditAction.ACCOUNT_CREATED, obj=user,
                 changes={"username": username, "person": person.pk if person else None})
    return user


@transaction.atomic
def account_set_password(*, by, user: User, password: str) -> User:
    validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    audit_record(by=by, action=AuditAction.ACCOUNT_UPDATED, obj=user, changes={"password": "changed"})
    return user


@transaction.atomic
def role_grant(*, by, user: User, role: str, org: Org) -> RoleAssignment:
    if role not in Role.values:
        raise ValidationError(_("未知角色"))
    if getattr(by, "pk", None) is not None and by.pk == user.pk:
        raise ValidationError(_("不能给自己授予角色"))
    assignment, created = RoleAssignment.objects.get_or_create(user=user, role=role, org=org)
    if created:
        audit_record(by=by, action=AuditAction.ROLE_GRANTED, obj=assignment, changes={"role": role, "org": org.code})
    forget_role_scopes(user)
    return assignment


@transaction.atomic
def role_revoke(*, by, assignment: RoleAssignment) -> None:
    audit_record(by=by, action=AuditAction.ROLE_REVOKED, obj=assignment,
                 changes={"role": assignment.role, "org": assignment.org.code})
    user = assignment.user
    assignment.delete()
    forget_role_scopes(user)


@transaction.atomic
def api_token_issue(*, user: User) -> str:
    """A new bearer token; the plain key is returned once and only its hash is stored."""
    key = secrets.token_urlsafe(32)
    ApiToken.objects.create(
        user=user, key_hash=ApiToken.hash_key(key),
        expires_at=timezone.now() + timedelta(days=settings.TONGXIN_API_TOKEN_DAYS),
    )
    audit_record(by=user, action=AuditAction.API_TOKEN_ISSUED, obj=user)
    return key


@cache
def _api_token_user_sql() -> str:
    columns = ", ".join(f"u.{connection.ops.quote_name(f.column)}" for f in User._meta.concrete_fields)
    return (f"SELECT {columns} FROM {ApiToken._meta.db_table} t JOIN {User._meta.db_table} u ON u.id = t.user_id "
            f"WHERE t.key_hash = %s AND t.expires_at > %s AND u.is_active")


def api_token_user(key: str) -> User | None:
    """The active account of an unexpired token. Every API request asks, so the query is plain
    SQL, prepared on PostgreSQL, and the row becomes a ``User`` without a queryset: profiled under
    the check-in load of ``make bench``, the ORM's query and ``raw()`` cost the app server several
    times what this does."""
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with prepared_cursor() as cursor:
        cursor.execute(_api_token_user_sql(), [ApiToken.hash_key(key), now])
        row = cursor.fetchone()
    return None if row is None else model_from_row(User, row)


@transaction.atomic
def account_unlock(*, by, username: str) -> int:
    """Lift the lockout of an account (django-axes keeps the failures); returns records cleared."""
    from axes.utils import reset

    cleared = reset(username=username)
    audit_record(by=by, action=AuditAction.ACCOUNT_UNLOCKED, actor_name=None,
                 changes={"username": username, "cleared": cleared})
    return cleared
