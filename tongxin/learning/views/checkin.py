"""Check-in by QR code: the full-screen code for the projector with its two small JSON feeds, and
the phone's scan page that the code leads to (签到)."""

from __future__ import annotations

import re
from datetime import datetime
from datetime import timezone as dt_timezone

import qrcode
import qrcode.image.svg
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.cache import never_cache

from ..checkin_codes import CodeCheck, code_expires_at, make_code, seconds_to_next_change, verify_code
from ..models import Session
from ..selectors.sessions import attendance_count
from ..services.attendance import attendance_checkin, checkin_state
from .sessions import managed_session

# Where the scan page keeps "this browser scanned a valid code at …" while its person logs in.
SCANS_KEY = "learning_checkin_scans"


def checkin_url(request, session: Session, token: str) -> str:
    return request.build_absolute_uri(reverse("learning:checkin", args=[session.pk, token]))


def qr_svg(data: str) -> str:
    """The QR code of ``data`` as inline SVG, drawn here (no script, no CDN)."""
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    svg = image.to_string(encoding="unicode")
    # Let the page size it: drop the fixed millimetre size, keep the viewBox.
    svg = re.sub(r'^<svg width="[^"]*" height="[^"]*"', '<svg', svg, count=1)
    return svg.replace("<svg", f'<svg role="img" aria-label="{_("签到二维码")}" preserveAspectRatio="xMidYMid meet"', 1)


# --- The QR screen and its two small JSON feeds --------------------------------------------------

def _code_payload(request, session: Session) -> dict:
    now = timezone.now()
    token = make_code(session, now=now)
    url = checkin_url(request, session, token)
    return {"token": token, "url": url, "svg": qr_svg(url), "refresh_in": round(seconds_to_next_change(now), 2),
            "expires_at": code_expires_at(token).isoformat()}


STATE_LABELS = {"open": _lazy("签到中"), "not_yet": _lazy("尚未开始签到"), "closed": _lazy("签到已关闭")}


def _live_payload(session: Session) -> dict:
    state = checkin_state(session, timezone.now())
    return {"count": attendance_count(session=session), "capacity": session.capacity, "state": state,
            "state_label": str(STATE_LABELS[state]), "status": session.status}


@login_required
@never_cache
def session_qr(request, pk: int):
    """The full-screen page for the projector: the code changes every 30 seconds by itself."""
    session = managed_session(request, pk)
    return render(request, "learning/session_qr.html", {
        "session": session, "code": _code_payload(request, session), "live": _live_payload(session)})


@login_required
@never_cache
def session_qr_code(request, pk: int):
    return JsonResponse(_code_payload(request, managed_session(request, pk)))


@login_required
@never_cache
def session_live(request, pk: int):
    return JsonResponse(_live_payload(managed_session(request, pk)))


# --- The phone's scan page -----------------------------------------------------------------------

def _scan_key(session: Session, token: str) -> str:
    return f"{session.pk}/{token}"


@never_cache
def checkin_view(request, session_id: int, token: str):
    """The address in the QR code. Logged in: check in at once. Not logged in: check the code now,
    remember that it was scanned in time, and send the person to log in and back here."""
    session = get_object_or_404(Session.objects.select_related("org"), pk=session_id)
    now = timezone.now()
    # The session's details only to someone who holds a genuine code for it.
    context = {"session": session, "show_session": False}
    if not request.user.is_authenticated:
        check = verify_code(session, token, now=now)
        if check is CodeCheck.VALID:
            scans = request.session.get(SCANS_KEY, {})
            scans[_scan_key(session, token)] = now.timestamp()
            request.session[SCANS_KEY] = dict(list(scans.items())[-5:])
            return redirect_to_login(request.get_full_path())
        context["error"] = (_("二维码已过期，请扫描屏幕上最新的二维码") if check is CodeCheck.EXPIRED
                            else _("二维码无效，请扫描现场屏幕上的二维码"))
        return render(request, "learning/checkin.html", context, status=400)
    scans = request.session.get(SCANS_KEY, {})
    scanned = scans.get(_scan_key(session, token))
    presented_at = datetime.fromtimestamp(scanned, tz=dt_timezone.utc) if scanned else None
    try:
        attendance, created = attendance_checkin(by=request.user, session=session, token=token, now=now,
                                                 presented_at=presented_at)
    except ValidationError as error:
        context["error"] = " ".join(error.messages)
        context["show_session"] = error.code != "invalid"
        return render(request, "learning/checkin.html", context,
                      status=403 if error.code in ("out_of_scope", "no_person") else 400)
    if scanned:
        scans.pop(_scan_key(session, token), None)
        request.session[SCANS_KEY] = scans
    context.update(attendance=attendance, created=created, show_session=True)
    return render(request, "learning/checkin.html", context)
