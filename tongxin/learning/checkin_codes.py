"""The rotating check-in code a session's QR screen shows.

A code is ``<window>.<mac>``: ``window`` is the number of the 30-second window it was made in
(Unix time // 30) and ``mac`` an HMAC-SHA256 over the session id and that window, keyed with the
session's ``checkin_secret``, cut to 96 bits and written in URL-safe base64. So:

- making and checking a code needs no database row and no shared state between app servers
  (only the session's secret, which is read anyway);
- a code is accepted in the window it was made in and the next one, so it lives 30–60 seconds:
  long enough to scan it as the screen changes, too short for a photo forwarded to a WeChat
  group to be of use;
- because the window is written in the code, an old but genuine code is told apart from a forged
  or mistyped one, and the person is told to scan the screen again instead of "invalid code".

Clocks are passed in (``now=``) so tests move time instead of patching it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime, timedelta
from enum import Enum

from django.utils import timezone

WINDOW_SECONDS = 30
# The current window and the one before it: a code lives between 30 and 60 seconds.
ACCEPTED_WINDOWS = 2
_MAC_BYTES = 12


class CodeCheck(Enum):
    VALID = "valid"
    EXPIRED = "expired"  # genuine, but its window has passed
    INVALID = "invalid"  # not made with this session's secret, or malformed


def window_of(now: datetime) -> int:
    return int(now.timestamp()) // WINDOW_SECONDS


def _mac(secret: str, session_id: int, window: int) -> str:
    digest = hmac.new(secret.encode(), f"tongxin-checkin:{session_id}:{window}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:_MAC_BYTES]).decode().rstrip("=")


def make_code(session, *, now: datetime | None = None) -> str:
    """The code ``session``'s QR screen shows at ``now``."""
    window = window_of(now or timezone.now())
    return f"{window}.{_mac(session.checkin_secret, session.pk, window)}"


def verify_code(session, code: str, *, now: datetime | None = None) -> CodeCheck:
    window_text, _sep, mac = (code or "").partition(".")
    if not window_text.isdigit() or len(window_text) > 12 or not mac:
        return CodeCheck.INVALID
    window = int(window_text)
    if not hmac.compare_digest(mac.encode(), _mac(session.checkin_secret, session.pk, window).encode()):
        return CodeCheck.INVALID
    current = window_of(now or timezone.now())
    if window > current:
        # Made in a window that has not begun: only a clock ahead of ours could have done it.
        return CodeCheck.INVALID
    return CodeCheck.VALID if current - window < ACCEPTED_WINDOWS else CodeCheck.EXPIRED


def code_expires_at(code: str) -> datetime | None:
    """When a (genuine) code stops being accepted."""
    window_text = code.partition(".")[0]
    if not window_text.isdigit():
        return None
    end = (int(window_text) + ACCEPTED_WINDOWS) * WINDOW_SECONDS
    return datetime.fromtimestamp(end, tz=timezone.get_current_timezone())


def next_change_at(now: datetime | None = None) -> datetime:
    """When the screen should show a new code: the start of the next window."""
    now = now or timezone.now()
    start = (window_of(now) + 1) * WINDOW_SECONDS
    return datetime.fromtimestamp(start, tz=now.tzinfo or timezone.get_current_timezone())


def seconds_to_next_change(now: datetime | None = None) -> float:
    now = now or timezone.now()
    return max(0.0, (next_change_at(now) - now) / timedelta(seconds=1))
