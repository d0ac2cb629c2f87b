import base64
import io

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from tongxin.core.audit import AuditAction, audit_record

from .forms import LoginForm, OtpForm
from .services import account_unlock


class TongxinLoginView(LoginView):
    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


def lockout_detail() -> str:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return _("登录失败次数过多，账号已锁定 %(minutes)d 分钟") % {"minutes": minutes}


def locked_out(request, original_response=None, credentials=None, *args, **kwargs):
    """django-axes calls this when an account is locked; its answer replaces the view's.

    The API gets JSON like its other errors, the pages get the lockout page.
    """
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": lockout_detail()}, status=403)
    return render(request, "accounts/locked.html", status=403)


@require_POST
def logout_view(request):
    logout(request)
    return redirect("accounts:login")


def _qr_svg(uri: str) -> str:
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    return base64.b64encode(buffer.getvalue()).decode()


@login_required
def otp_verify(request):
    """Second factor for staff: set up a TOTP device on first use, then verify a code."""
    device = TOTPDevice.objects.filter(user=request.user).first()
    if device is None:
        device = TOTPDevice.objects.create(user=request.user, name="default", confirmed=False)
    form = OtpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            with transaction.atomic():
                if not device.confirmed:
                    device.confirmed = True
                    device.save(update_fields=["confirmed"])
                    audit_record(by=request.user, action=AuditAction.TOTP_CONFIRMED, obj=request.user)
            otp_login(request, device)
            target = request.GET.get("next", "")
            if not url_has_allowed_host_and_scheme(target, {request.get_host()}):
                target = "/"
            return redirect(target or "/")
        messages.error(request, _("验证码不正确或已过期，请重新输入。"))
    context = {"form": form, "setup": not device.confirmed}
    if not device.confirmed:
        context["qr_svg"] = _qr_svg(device.config_url)
        context["secret"] = base64.b32encode(device.bin_key).decode()
    return render(request, "accounts/otp.html", context)


@login_required
def lockouts(request):
    """Accounts locked after repeated failed logins, for the security admin to lift."""
    from axes.models import AccessAttempt

    if not request.user.has_perm("accounts.unlock_accounts"):
        raise PermissionDenied
    if request.method == "POST":
        username = request.POST.get("username", "").strip()
        if username:
            account_unlock(by=request.user, username=username)
            messages.success(request, _("已解锁：%(name)s") % {"name": username})
        return redirect("accounts:lockouts")
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    attempts = AccessAttempt.objects.filter(attempt_time__gte=since).order_by("-attempt_time")
    rows = [
        {"username": a.username, "ip": a.ip_address, "failures": a.failures_since_start, "at": a.attempt_time,
         "locked": a.failures_since_start >= settings.AXES_FAILURE_LIMIT}
        for a in attempts[:200]
    ]
    return render(request, "accounts/lockouts.html", {"rows": rows, "limit": settings.AXES_FAILURE_LIMIT})
