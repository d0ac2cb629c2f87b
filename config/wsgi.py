import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
application = get_wsgi_application()

# Train the voice classifier (jieba's dictionary and the labelled voices, 1–2 s) as the worker
# starts, not while the first resident waits for their voice to be saved.
from tongxin.voices.text.classifier import default_classifier  # noqa: E402

default_classifier()
