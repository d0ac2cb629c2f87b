"""Settings shared by every environment. Values come from environment variables.

Variables that configure Django itself carry the ``DJANGO_`` prefix; the project's own carry
``TONGXIN_``. ``.env.example`` lists them all.
"""

from datetime import timedelta
from pathlib import Path
import os

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = env("DJANGO_SECRET_KEY")
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rules",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "ninja",
    "tongxin.core",
    "tongxin.orgs",
    "tongxin.people",
    "tongxin.accounts",
    "tongxin.campaigns",
    "tongxin.learning",
    "tongxin.voices",
    "tongxin.points",
    "tongxin.reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "tongxin.core.middleware.RequestContextMiddleware",
    "tongxin.accounts.middleware.StaffSecurityMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "tongxin" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tongxin.accounts.context_processors.roles",
            ],
        },
    },
]

# SQLite under var/ by default, so one command runs a full demo; PostgreSQL when DATABASE_URL
# is set.
(BASE_DIR / "var" / "staticfiles").mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.config(
        env="DATABASE_URL",
        default=f"sqlite:///{BASE_DIR / 'var' / 'tongxin.sqlite3'}",
        conn_max_age=int(env("DJANGO_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Statements run through tongxin.core.prepared (the check-in's) are prepared on the server
    # after this many runs on a connection; Django's own cursors never prepare. 0 turns it off
    # (behind a connection pooler that cannot keep prepared statements).
    # No compilation of queries to machine code (``jit``): the figures of a district are
    # estimated as costly enough for it, and PostgreSQL then spends 0.2–0.3 s compiling a count
    # that takes 0.1 s to run; no query of ours runs long enough to win it back.
    DATABASES["default"]["OPTIONS"] = {"prepare_threshold": int(env("TONGXIN_PG_PREPARE_THRESHOLD", "2")) or None,
                                       "options": "-c jit=off"}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "tongxin.accounts.backends.UsernameOrPhoneBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Password policy (等保 2.0 level 3): at least 10 characters, letters and digits, not common,
# not like the username.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "tongxin.accounts.validators.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "tongxin.accounts.validators.LettersAndDigitsValidator"},
]

# Lock an account for 30 minutes after 5 failed logins.
AXES_FAILURE_LIMIT = int(env("TONGXIN_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(env("TONGXIN_LOCKOUT_MINUTES", "30")))
# Lock per account, not per address: a community office shares one public IP, and locking it
# would shut every cadre out because of one mistyped password.
AXES_LOCKOUT_PARAMETERS = ["username"]
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "tongxin.accounts.views.locked_out"
# One lock per account however the login is spelt: the username, the phone number, or the
# phone number with spaces, dashes or +86 would otherwise each get their own five tries.
AXES_USERNAME_CALLABLE = "tongxin.accounts.backends.lockout_key"
AXES_USERNAME_FORM_FIELD = "username"
# How many proxies we run in front of the app (nginx: 1); see tongxin.core.request_context.
TONGXIN_TRUSTED_PROXIES = int(env("TONGXIN_TRUSTED_PROXIES", "0"))
AXES_CLIENT_IP_CALLABLE = "tongxin.core.request_context.client_ip"

# Staff sessions end after this many idle seconds; residents stay logged in for two weeks.
TONGXIN_STAFF_SESSION_SECONDS = int(env("TONGXIN_STAFF_SESSION_SECONDS", str(30 * 60)))
SESSION_COOKIE_AGE = 14 * 24 * 3600
SESSION_COOKIE_HTTPONLY = True
# TOTP second factor for staff, switched on by a setting.
TONGXIN_STAFF_TOTP = env_bool("TONGXIN_STAFF_TOTP", False)
OTP_TOTP_ISSUER = "同心 Tongxin"

# Personal data: AES-GCM key and the keyed hash for look-ups are derived from this key
# (32 random bytes, base64). Production refuses to start without it.
TONGXIN_DATA_KEY = env("TONGXIN_DATA_KEY")
TONGXIN_DEMO_PASSWORD = env("TONGXIN_DEMO_PASSWORD", "Tongxin2024demo")
TONGXIN_API_TOKEN_DAYS = int(env("TONGXIN_API_TOKEN_DAYS", "30"))

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "tongxin" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
WHITENOISE_AUTOREFRESH = DEBUG
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = BASE_DIR / "var" / "media"
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        # Django logs every 4xx answer as a warning: in a rush on the points store that is thousands
        # of "Conflict" lines for refusals the client was meant to get. Server errors still log.
        "django.request": {"level": "ERROR"},
    },
}
