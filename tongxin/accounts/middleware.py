"""Staff accounts: an idle timeout, and the TOTP second factor when it is switched on."""

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse

from .selectors import is_staff_user

# Paths a staff member may reach before the second factor is verified.
_OPEN_PREFIXES = ("/accounts/", "/static/", "/healthz", "/api/")


class StaffSecurityMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and is_staff_user(user):
            # Idle timeout: the session cookie's age restarts on every request.
            request.session.set_expiry(settings.TONGXIN_STAFF_SESSION_SECONDS)
            if settings.TONGXIN_STAFF_TOTP and not request.user.is_verified() \
                    and not request.path.startswith(_OPEN_PREFIXES):
                return redirect(f"{reverse('accounts:otp')}?next={request.get_full_path()}")
        return self.get_response(request)
