"""Tests: a fast password hasher, fixed keys, the same database choice as local."""

from .base import *  # noqa: F401,F403
import os

from .base import env

SECRET_KEY = "test-only-key-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFG"
TONGXIN_DATA_KEY = env("TONGXIN_DATA_KEY", "dGVzdC1vbmx5LWtleS0zMi1ieXRlcy1sb25nLW9rISE=")
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
DEBUG = False
ALLOWED_HOSTS = ["*"]

# A file, not memory, so that tests can read the bytes SQLite writes to disk.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # One file per test run, so that parallel runs on one machine do not share it.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / "var" / f"test-{os.getpid()}.sqlite3")}  # noqa: F405
WHITENOISE_AUTOREFRESH = True  # no collectstatic needed in tests
