"""Production settings: refuse to start without their secrets, and pass ``check --deploy``.

Each case runs ``manage.py`` in a fresh interpreter, as a deployment would, because settings
are read once per process.
"""

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
SECRET_KEY = "prod-test-9f8e7d6c5b4a3928170615243342516071829304a5b6c7d8e9f"  # 60 characters
DATA_KEY = "cHJvZC10ZXN0LWtleS0zMi1ieXRlcy1sb25nLW9rISE="


def _manage(*args: str, **env: str | None) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "TONGXIN_"))}
    environ.update({
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": SECRET_KEY,
        "TONGXIN_DATA_KEY": DATA_KEY,
        "DJANGO_ALLOWED_HOSTS": "tongxin.example.gov.cn",
    })
    for name, value in env.items():
        if value is None:
            environ.pop(name, None)
        else:
            environ[name] = value
    return subprocess.run([sys.executable, "manage.py", *args], cwd=REPO, env=environ,
                          capture_output=True, text=True, timeout=120)


def test_production_passes_check_deploy_with_warnings_as_failures():
    result = _manage("check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = _manage("check", DJANGO_SECRET_KEY=None)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "DJANGO_SECRET_KEY" in result.stderr


def test_production_refuses_a_short_secret_key():
    result = _manage("check", DJANGO_SECRET_KEY="x" * 49)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "DJANGO_SECRET_KEY" in result.stderr


def test_production_refuses_to_start_without_the_data_key():
    result = _manage("check", TONGXIN_DATA_KEY=None)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "TONGXIN_DATA_KEY" in result.stderr


def test_production_security_settings_hold_even_if_debug_is_asked_for():
    names = ["DEBUG", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS"]
    code = f"from django.conf import settings; print(repr([getattr(settings, n) for n in {names!r}]))"
    result = _manage("shell", "--no-imports", "-c", code, DJANGO_DEBUG="true")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == repr([False, True, True, True, 31536000])


_QR_ADDRESS = (
    "from types import SimpleNamespace; from django.conf import settings; from django.test import RequestFactory; "
    "from tongxin.learning.views.checkin import checkin_url; "
    "request = RequestFactory().get('/', HTTP_HOST='tongxin.example.gov.cn', "
    "HTTP_X_FORWARDED_HOST='xuexi.example.gov.cn', HTTP_X_FORWARDED_PROTO='https'); "
    "print(settings.USE_X_FORWARDED_HOST, checkin_url(request, SimpleNamespace(pk=7), 'abc'))"
)


def test_behind_nginx_the_qr_code_address_has_the_public_scheme_and_host():
    hosts = "tongxin.example.gov.cn,xuexi.example.gov.cn"
    result = _manage("shell", "--no-imports", "-c", _QR_ADDRESS, TONGXIN_TRUSTED_PROXIES="1",
                     DJANGO_ALLOWED_HOSTS=hosts)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "https://xuexi.example.gov.cn/learning/checkin/7/abc/"]
    # Without a proxy we run, X-Forwarded-Host is anyone's to write: the Host header counts.
    result = _manage("shell", "--no-imports", "-c", _QR_ADDRESS, DJANGO_ALLOWED_HOSTS=hosts)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "https://tongxin.example.gov.cn/learning/checkin/7/abc/"]


def test_production_behind_a_proxy_passes_check_deploy_too():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", TONGXIN_TRUSTED_PROXIES="1")
    assert result.returncode == 0, result.stdout + result.stderr
