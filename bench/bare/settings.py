"""The deployment settings, plus the bare view (the benchmark's floor) and nothing else.

The environment is that of a deployment (``config.settings.production``: DEBUG off, secrets
from the environment); the benchmark sets throwaway secrets and sends the headers nginx would.
"""

from config.settings.production import *  # noqa: F401,F403
from config.settings.production import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "bench.bare"]
ROOT_URLCONF = "bench.bare.urls"
