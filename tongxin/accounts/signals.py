"""Logins, failed logins and lockouts go to the audit log.

Django's auth signals are the only place these events surface (django-axes raises its own for
lockouts), so this is the one place the project uses signals.
"""

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from tongxin.core.audit import AuditAction, audit_record
from tongxin.core.request_context import client_ip


def _ip(request):
    return client_ip(request) if request is not None else None


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    audit_record(by=user, action=AuditAction.LOGIN, obj=user, ip=_ip(request))


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        audit_record(by=user, action=AuditAction.LOGOUT, obj=user, ip=_ip(request))


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username", ""))[:150]
    audit_record(by=None, action=AuditAction.LOGIN_FAILED, ip=_ip(request), actor_name=username,
                 changes={"username": username})


@receiver(user_locked_out)
def _locked_out(sender, request, username, ip_address, **kwargs):
    audit_record(by=None, action=AuditAction.LOGIN_LOCKED, ip=ip_address, actor_name=str(username or "")[:150],
                 changes={"username": username})
