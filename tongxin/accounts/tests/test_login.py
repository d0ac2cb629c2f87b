"""Login by username or phone, lockout (django-axes), password policy, staff sessions and TOTP.

Nothing is mocked: django-axes counts real attempts in its tables, and TOTP codes are computed
from the device's key as an authenticator app would.
"""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core.exceptions import ValidationError
from django.test import Client, override_settings
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tongxin.accounts.models import User
from tongxin.accounts.services import account_create
from tongxin.core.models import AuditEntry
from tongxin.testing import PASSWORD

WRONG_PASSWORD_MESSAGE = "用户名或密码错误。连续失败 5 次将锁定 30 分钟。"
API_LOCKOUT_DETAIL = "登录失败次数过多，账号已锁定 30 分钟"


def _login(client, username, password=PASSWORD, **extra):
    return client.post("/accounts/login/", {"username": username, "password": password}, **extra)


def _logged_in_as(client) -> User | None:
    pk = client.session.get(SESSION_KEY)
    return User.objects.get(pk=pk) if pk else None


def _token(username, password=PASSWORD, **extra):
    return Client().post("/api/v1/auth/token", {"username": username, "password": password, **extra},
                         content_type="application/json")


# --- Login by username or phone ------------------------------------------------------------

def test_login_by_username(street):
    client = Client()
    response = _login(client, "resident")
    assert response.status_code == 302 and response["Location"] == "/"
    assert _logged_in_as(client) == street.accounts["resident"]


@pytest.mark.parametrize("phone", ["13812345678", "+86 138 1234 5678", "138-1234-5678"])
def test_login_by_phone_of_the_linked_person(street, phone):
    client = Client()
    response = _login(client, phone)
    assert response.status_code == 302
    assert _logged_in_as(client) == street.accounts["resident"]


def test_a_phone_without_account_does_not_log_in(street):
    # 李四's number: a person in the registry, but no account is linked to him.
    client = Client()
    response = _login(client, "13987654321")
    assert response.status_code == 200
    assert _logged_in_as(client) is None


def test_wrong_password_shows_the_chinese_message(street):
    client = Client()
    response = _login(client, "resident", "Wrong2024pass")
    assert response.status_code == 200
    assert WRONG_PASSWORD_MESSAGE in response.content.decode()
    assert _logged_in_as(client) is None


# --- Lockout --------------------------------------------------------------------------------

def _fail_five_times(username="resident"):
    client = Client()
    statuses = [_login(client, username, "Wrong2024pass").status_code for _ in range(5)]
    return statuses


def test_five_failures_lock_the_account(street):
    # The first four answer the form again; the fifth locks.
    assert _fail_five_times() == [200, 200, 200, 200, 403]
    client = Client()
    response = _login(client, "resident")  # the right password, sixth attempt
    assert response.status_code == 403
    assert "账号已锁定" in response.content.decode()
    assert _logged_in_as(client) is None
    # Other accounts are not locked, even from the same address.
    assert _login(Client(), "grid_worker").status_code == 302


@pytest.mark.parametrize("alias", ["13812345678", "+8613812345678", "138 1234 5678"])
def test_the_lock_holds_whatever_spelling_of_the_login(street, alias):
    """Failures by username lock the account for its phone number too, and the other way round."""
    _fail_five_times("resident")
    assert _login(Client(), alias).status_code == 403
    AccessAttempt.objects.all().delete()
    assert _fail_five_times(alias) == [200, 200, 200, 200, 403]
    assert _login(Client(), "resident").status_code == 403


def _move_attempts_back(delta: timedelta) -> None:
    AccessAttempt.objects.update(attempt_time=timezone.now() - delta)


def test_the_lock_lifts_after_the_cool_off(street):
    _fail_five_times()
    assert settings.AXES_COOLOFF_TIME == timedelta(minutes=30)
    _move_attempts_back(timedelta(minutes=29))
    assert _login(Client(), "resident").status_code == 403  # still locked after 29 minutes
    _move_attempts_back(timedelta(minutes=30, seconds=1))
    client = Client()
    assert _login(client, "resident").status_code == 302
    assert _logged_in_as(client) == street.accounts["resident"]


def test_the_api_locks_the_same_account(street):
    statuses = [_token("grid_worker", "Wrong2024pass").status_code for _ in range(5)]
    assert statuses == [401, 401, 401, 401, 403]
    response = _token("grid_worker")
    assert response.status_code == 403
    assert response.json() == {"detail": API_LOCKOUT_DETAIL}
    # One lock for page and API.
    assert _login(Client(), "grid_worker").status_code == 403
    _move_attempts_back(timedelta(minutes=31))
    assert _token("grid_worker").status_code == 200


def test_a_successful_api_login_resets_the_failures(street):
    for _ in range(4):
        assert _token("grid_worker", "Wrong2024pass").status_code == 401
    assert _token("grid_worker").status_code == 200
    # Counting starts again: four more failures do not lock.
    for _ in range(4):
        assert _token("grid_worker", "Wrong2024pass").status_code == 401
    assert _token("grid_worker").status_code == 200


# --- Audit of logins -------------------------------------------------------------------------

def test_failed_logins_and_logins_are_audited_with_ip(street):
    user = street.accounts["resident"]
    client = Client(REMOTE_ADDR="10.1.2.3")
    _login(client, "resident", "Wrong2024pass")
    failed = AuditEntry.objects.filter(action="login_failed").latest("id")
    assert (failed.actor, failed.actor_name, failed.ip) == (None, "resident", "10.1.2.3")
    assert failed.changes == {"username": "resident"}

    _login(client, "resident")
    login = AuditEntry.objects.filter(action="login").latest("id")
    assert (login.actor, login.actor_name, login.ip) == (user, "resident", "10.1.2.3")
    assert (login.object_type, login.object_id) == ("accounts.user", str(user.pk))


def test_failed_login_by_phone_is_audited_under_the_account_without_the_number(street):
    Client(REMOTE_ADDR="10.1.2.4").post("/accounts/login/", {"username": "13812345678", "password": "Wrong2024pass"})
    _login(Client(), "13987654321", "Wrong2024pass")  # a number that has no account
    entries = list(AuditEntry.objects.filter(action="login_failed").order_by("id"))
    assert [(e.actor_name, e.ip) for e in entries] == [("resident", "10.1.2.4"), ("139****4321", "127.0.0.1")]
    for entry in entries:
        assert "13812345678" not in str(entry.changes) and "13987654321" not in str(entry.changes)


def test_lockout_and_api_login_are_audited(street):
    _fail_five_times()
    assert AuditEntry.objects.filter(action="login_locked", actor_name="resident").exists()
    Client(REMOTE_ADDR="10.9.8.7").post("/api/v1/auth/token", {"username": "grid_worker", "password": PASSWORD},
                                         content_type="application/json")
    login = AuditEntry.objects.filter(action="login").latest("id")
    assert (login.actor, login.ip) == (street.accounts["grid_worker"], "10.9.8.7")


# --- Password policy -------------------------------------------------------------------------

@pytest.mark.parametrize("password, message", [
    ("Ab12cd", "密码太短，至少需要 10 个字符"),
    ("2024061512345", "密码只包含数字。"),
    ("2024061512345", "密码须同时包含字母和数字"),
    ("Tongxinmimaxyz", "密码须同时包含字母和数字"),
])
def test_password_policy_refuses_weak_passwords_in_chinese(street, password, message):
    with pytest.raises(ValidationError) as refused:
        account_create(by=street.accounts["system_admin"], username="new_worker", password=password)
    assert message in refused.value.messages
    assert not User.objects.filter(username="new_worker").exists()


def test_password_policy_accepts_a_good_password(street):
    user = account_create(by=street.accounts["system_admin"], username="new_worker", password="Tongxin2024pass")
    assert user.check_password("Tongxin2024pass")


# --- Sessions --------------------------------------------------------------------------------

@override_settings(TONGXIN_STAFF_SESSION_SECONDS=900)
def test_staff_session_has_the_idle_timeout_from_the_login_on(street):
    client = Client()
    _login(client, "grid_worker")
    assert client.session.get_expiry_age() == 900  # the login response itself, before any other request
    client.get("/")
    assert client.session.get_expiry_age() == 900


def test_resident_session_keeps_the_default_age(street):
    client = Client()
    _login(client, "resident")
    client.get("/")
    assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE != settings.TONGXIN_STAFF_SESSION_SECONDS
    assert "_session_expiry" not in client.session


# --- TOTP second factor ----------------------------------------------------------------------

def _code(device: TOTPDevice, drift: int = 0) -> str:
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift + drift)
    return f"{code:06d}"


def _wrong_code(device: TOTPDevice) -> str:
    valid = {_code(device, d) for d in range(-device.tolerance - 1, device.tolerance + 2)}
    return next(c for c in (f"{n:06d}" for n in range(1000000)) if c not in valid)


def _forget_throttle(device: TOTPDevice) -> None:
    """Move the device's last failure into the past, as waiting would (django-otp throttles
    a device for 2**(n-1) seconds after the n-th wrong code)."""
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now() - timedelta(minutes=5))


@override_settings(TONGXIN_STAFF_TOTP=True)
def test_staff_set_up_and_pass_totp(street):
    user = street.accounts["street_admin"]
    client = Client()
    assert _login(client, "street_admin").status_code == 302

    response = client.get("/people/", {"q": "张", "org": "BLP"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/otp/?next=%2Fpeople%2F%3Fq%3D%25E5%25BC%25A0%26org%3DBLP"

    setup = client.get(response["Location"])
    assert setup.status_code == 200
    assert setup.context["setup"] is True
    assert 'src="data:image/svg+xml;base64,' in setup.content.decode()
    device = TOTPDevice.objects.get(user=user)
    assert not device.confirmed

    wrong = client.post(response["Location"], {"token": _wrong_code(device)})
    assert wrong.status_code == 200
    assert "验证码不正确或已过期" in wrong.content.decode()
    assert client.get("/people/").status_code == 302  # still held at the second factor
    device.refresh_from_db()
    assert not device.confirmed

    _forget_throttle(device)
    passed = client.post(response["Location"], {"token": _code(device)})
    assert passed.status_code == 302 and passed["Location"] == "/people/?q=%E5%BC%A0&org=BLP"
    device.refresh_from_db()
    assert device.confirmed
    confirmed = AuditEntry.objects.get(action="totp_confirmed")
    assert confirmed.actor == user and confirmed.object_id == str(user.pk)
    assert client.get("/people/").status_code == 200

    # Next login: the same device, no new QR code.
    second = Client()
    _login(second, "street_admin")
    page = second.get("/accounts/otp/")
    assert page.context["setup"] is False and "data:image/svg+xml" not in page.content.decode()


@override_settings(TONGXIN_STAFF_TOTP=True)
def test_residents_are_never_asked_for_totp(street):
    client = Client()
    _login(client, "resident")
    assert client.get("/").status_code == 200
    assert client.get(f"/people/{street.resident_a.pk}/").status_code == 200
    assert not TOTPDevice.objects.exists()


@override_settings(TONGXIN_STAFF_TOTP=True)
def test_the_api_is_no_way_round_totp(street):
    user = street.accounts["street_admin"]
    # A session that has the password but not the code gets no data from the API.
    client = Client()
    _login(client, "street_admin")
    response = client.get(f"/api/v1/people/{street.resident_a.pk}")
    assert response.status_code == 403
    assert response.json() == {"detail": "请先完成动态验证码验证"}

    # No token for staff without a code, nor with a wrong one; with the right one, a token.
    assert _token("street_admin").status_code == 403
    device = TOTPDevice.objects.create(user=user, name="default", confirmed=True)
    assert _token("street_admin", otp=_wrong_code(device)).status_code == 403
    _forget_throttle(device)
    response = _token("street_admin", otp=_code(device))
    assert response.status_code == 200
    token = response.json()["token"]
    assert Client().get(f"/api/v1/people/{street.resident_a.pk}",
                        HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200
    # Residents need no code.
    assert _token("resident").status_code == 200


@override_settings(TONGXIN_STAFF_TOTP=True)
def test_an_account_with_admin_access_but_no_role_needs_totp(street):
    """A superuser made with ``createsuperuser`` holds no role, but may do everything."""
    User.objects.create_superuser("root", password="Tongxin2024root")
    client = Client()
    _login(client, "root", "Tongxin2024root")
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/otp/")
    assert client.session.get_expiry_age() == settings.TONGXIN_STAFF_SESSION_SECONDS
