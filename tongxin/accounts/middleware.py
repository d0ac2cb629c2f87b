"""Staff accounts: an idle timeout, and the TOTP second factor when it is switched on."""

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from .selectors import is_staff_user, totp_required

# Paths a staff member may reach before the second factor is verified.
_OPEN_PREFIXES = ("/accounts/", "/static/", "/healthz", "/api/v1/auth/")


class StaffSecurityMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and is_staff_user(user):
            # Idle timeout: the session cookie's age restarts on every request.
            request.session.set_expiry(settings.TONGXIN_STAFF_SESSION_SECONDS)
            if totp_required(user) and not user.is_verified() and not request.path.startswith(_OPEN_PREFIXES):
                # The API answers a session without the second factor too: it must not be a way
                # round the code. It cannot follow a redirect to a form, so it gets a 403.
                if request.path.startswith("/api/"):
                    return JsonResponse({"detail": _("请先完成动态验证码验证")}, status=403)
                return redirect(f"{reverse('accounts:otp')}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)
