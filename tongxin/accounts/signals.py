"""Logins, failed logins and lockouts go to the audit log.

Django's auth signals are the only place these events surface (django-axes raises its own for
lockouts), so this is the one place the project uses signals.
"""

from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from tongxin.core.audit import AuditAction, audit_record
from tongxin.core.request_context import client_ip

from .backends import login_name
from .selectors import is_staff_user


def _ip(request):
    return client_ip(request) if request is not None else None


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    audit_record(by=user, action=AuditAction.LOGIN, obj=user, ip=_ip(request))
    # The staff idle timeout starts with the login itself: the middleware renews it on each
    # later request, but it runs before the login view, so without this the first session
    # cookie would live for the residents' two weeks.
    session = getattr(request, "session", None)
    if session is not None and session.get(SESSION_KEY) and is_staff_user(user):
        session.set_expiry(settings.TONGXIN_STAFF_SESSION_SECONDS)


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        audit_record(by=user, action=AuditAction.LOGOUT, obj=user, ip=_ip(request))


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    name = login_name(credentials.get("username", ""))
    audit_record(by=None, action=AuditAction.LOGIN_FAILED, ip=_ip(request), actor_name=name,
                 changes={"username": name})


@receiver(user_locked_out)
def _locked_out(sender, request, username, ip_address, **kwargs):
    name = login_name(username or "")
    audit_record(by=None, action=AuditAction.LOGIN_LOCKED, ip=ip_address, actor_name=name,
                 changes={"username": name})
