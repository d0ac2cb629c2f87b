"""Local development and `make demo`: debug on, a fixed development key if none is given."""

from .base import *  # noqa: F401,F403
from .base import env, env_bool

DEBUG = env_bool("DJANGO_DEBUG", True)
SECRET_KEY = env("DJANGO_SECRET_KEY", "dev-only-insecure-key-change-me-in-production-0123456789")
# A development key so that the demo runs without setup; never used in production.
TONGXIN_DATA_KEY = env("TONGXIN_DATA_KEY", "ZGV2LW9ubHkta2V5LWRvLW5vdC11c2UtaW4tcHJvZCE=")
