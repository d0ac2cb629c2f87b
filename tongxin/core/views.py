from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from tongxin.accounts.models import Role
from tongxin.accounts.selectors import primary_role, user_role_scopes
from tongxin.orgs.models import Org

from .audit import AuditAction
from .models import AuditEntry


@never_cache
def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # the point of the check is to report any database failure
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


@login_required
def home(request):
    """The start page differs by role: staff see their scopes, members and residents themselves."""
    role = primary_role(request.user)
    if role == Role.AUDITOR:
        return redirect("audit_log")
    held = [(r, code) for r, _path, code in user_role_scopes(request.user)
            if r not in (Role.PARTY_MEMBER, Role.RESIDENT)]
    # Cards name the place (八里铺社区), not its code: the code means nothing to a grid worker.
    names = dict(Org.objects.filter(code__in=[code for _r, code in held]).values_list("code", "name"))
    scopes = [{"role": Role(r).label, "code": code, "name": names.get(code, code)} for r, code in held]
    return render(request, "core/home.html", {"role": role, "scopes": scopes, "Role": Role})


@login_required
def audit_log(request):
    if not request.user.has_perm("core.view_audit"):
        raise PermissionDenied
    entries = AuditEntry.objects.all()
    action = request.GET.get("action", "").strip()
    who = request.GET.get("who", "").strip()
    if action:
        entries = entries.filter(action=action)
    if who:
        entries = entries.filter(actor_name__startswith=who)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    labels = dict(AuditAction.choices)
    for entry in page:
        entry.action_label = labels.get(entry.action, entry.action)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "core/audit_log.html", {
        "page": page, "actions": AuditAction.choices, "action": action, "who": who, "query": query.urlencode(),
    })
