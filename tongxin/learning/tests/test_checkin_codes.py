"""The rotating check-in code: made and checked with a clock passed in, never a patched one."""

import re
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone

import pytest

from tongxin.learning.checkin_codes import (
    WINDOW_SECONDS, CodeCheck, code_expires_at, make_code, next_change_at, seconds_to_next_change, verify_code,
    window_of,
)
from tongxin.learning.models import Session

# The first second of a 30-second window (Unix time divisible by 30).
T0 = datetime.fromtimestamp(1_790_000_010, tz=dt_timezone.utc)
assert int(T0.timestamp()) % WINDOW_SECONDS == 0


def _session(pk: int = 7, secret: str = "0123456789abcdef0123456789abcdef") -> Session:
    return Session(pk=pk, checkin_secret=secret)


def test_a_code_is_accepted_in_its_window():
    s = _session()
    code = make_code(s, now=T0)
    assert verify_code(s, code, now=T0) is CodeCheck.VALID
    assert verify_code(s, code, now=T0 + timedelta(seconds=29.9)) is CodeCheck.VALID


def test_the_previous_window_is_still_accepted_then_the_code_expires():
    s = _session()
    code = make_code(s, now=T0)
    assert verify_code(s, code, now=T0 + timedelta(seconds=30)) is CodeCheck.VALID
    assert verify_code(s, code, now=T0 + timedelta(seconds=59.9)) is CodeCheck.VALID
    assert verify_code(s, code, now=T0 + timedelta(seconds=60)) is CodeCheck.EXPIRED
    assert verify_code(s, code, now=T0 + timedelta(days=3)) is CodeCheck.EXPIRED


def test_a_code_lives_between_30_and_60_seconds():
    s = _session()
    late = make_code(s, now=T0 + timedelta(seconds=29))  # shown in the last second of its window
    assert verify_code(s, late, now=T0 + timedelta(seconds=59)) is CodeCheck.VALID
    assert verify_code(s, late, now=T0 + timedelta(seconds=60)) is CodeCheck.EXPIRED


def test_the_code_changes_every_window_and_is_stable_within_one():
    s = _session()
    assert make_code(s, now=T0) == make_code(s, now=T0 + timedelta(seconds=29))
    codes = {make_code(s, now=T0 + timedelta(seconds=30 * i)) for i in range(20)}
    assert len(codes) == 20


@pytest.mark.parametrize("forged", [
    "", "abc", "123", ".", "x.y", "1.2.3", "-5.AAAA", "99999999999999.AAAA",
])
def test_malformed_codes_are_invalid(forged):
    assert verify_code(_session(), forged, now=T0) is CodeCheck.INVALID


def test_a_forged_mac_is_invalid_even_in_the_current_window():
    s = _session()
    window, mac = make_code(s, now=T0).split(".")
    tampered = mac[:-1] + ("A" if mac[-1] != "A" else "B")
    assert verify_code(s, f"{window}.{tampered}", now=T0) is CodeCheck.INVALID
    # An old window with a forged MAC is invalid, not "expired": only genuine codes expire.
    assert verify_code(s, f"{int(window) - 10}.{mac}", now=T0) is CodeCheck.INVALID


def test_a_code_of_another_session_or_secret_is_invalid():
    code = make_code(_session(pk=7), now=T0)
    assert verify_code(_session(pk=8), code, now=T0) is CodeCheck.INVALID
    assert verify_code(_session(pk=7, secret="f" * 32), code, now=T0) is CodeCheck.INVALID


def test_a_code_from_a_window_not_yet_begun_is_invalid():
    s = _session()
    future = make_code(s, now=T0 + timedelta(seconds=30))
    assert verify_code(s, future, now=T0) is CodeCheck.INVALID


def test_codes_are_url_safe_and_short():
    code = make_code(_session(), now=T0)
    assert re.fullmatch(r"\d+\.[A-Za-z0-9_-]{16}", code)


def test_expiry_and_next_change_times():
    s = _session()
    code = make_code(s, now=T0 + timedelta(seconds=12))
    assert code_expires_at(code) == T0 + timedelta(seconds=60)
    assert code_expires_at("nonsense") is None
    assert next_change_at(T0 + timedelta(seconds=12)) == T0 + timedelta(seconds=30)
    assert seconds_to_next_change(T0 + timedelta(seconds=12)) == 18
    assert window_of(T0 + timedelta(seconds=30)) == window_of(T0) + 1
