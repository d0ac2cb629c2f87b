"""Production: refuses to start without its secrets; passes ``manage.py check --deploy``."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F401,F403
from .base import TONGXIN_TRUSTED_PROXIES, env, env_bool

DEBUG = False
SECRET_KEY = env("DJANGO_SECRET_KEY")
if not SECRET_KEY or len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set to at least 50 random characters.")
TONGXIN_DATA_KEY = env("TONGXIN_DATA_KEY")
if not TONGXIN_DATA_KEY:
    raise ImproperlyConfigured("TONGXIN_DATA_KEY must be set (32 random bytes, base64).")

# nginx terminates HTTPS and sets X-Forwarded-Proto itself (``$scheme``, never the client's), and
# gunicorn listens on 127.0.0.1 only, so the header can be believed: ``request.is_secure()`` and
# the absolute addresses in the check-in QR codes then say https.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# The host of those addresses: behind proxies we run (TONGXIN_TRUSTED_PROXIES ≥ 1, as for
# X-Forwarded-For), the one the proxy forwards; it is still checked against ALLOWED_HOSTS.
USE_X_FORWARDED_HOST = TONGXIN_TRUSTED_PROXIES > 0
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = int(env("DJANGO_SECURE_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", False)
if not SECURE_HSTS_PRELOAD:
    # Preloading is the domain owner's decision, hard to undo, and binds every subdomain of a
    # government domain to HTTPS; it stays off unless asked for, so its reminder is silenced.
    SILENCED_SYSTEM_CHECKS = [*SILENCED_SYSTEM_CHECKS, "security.W021"]  # noqa: F405
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
