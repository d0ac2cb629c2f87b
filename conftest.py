"""Fixtures shared by every app's tests: a small street with every role."""

import importlib

import pytest

from tongxin.testing import build_small_street


@pytest.fixture
def street(db):
    return build_small_street()


@pytest.fixture
def campaign(street):
    from tongxin.testing import build_campaign

    return build_campaign(street)


def _transactional(request) -> bool:
    marker = request.node.get_closest_marker("django_db")
    return bool(marker and marker.kwargs.get("transaction")) or bool(
        {"transactional_db", "live_server"} & set(request.fixturenames))


@pytest.fixture(autouse=True)
def _rows_of_data_migrations(request):
    """A transactional test (real commits, a live server) empties every table when it ends, the
    rows the data migrations wrote included; the tests after it expect them, as a migrated
    database has them. Put back before each test that uses the database: the categories of
    voices (one query when they are there)."""
    uses_db = request.node.get_closest_marker("django_db") or {"db", "transactional_db", "live_server"} & set(
        request.fixturenames)
    if not uses_db:
        return
    request.getfixturevalue("transactional_db" if _transactional(request) else "db")
    from django.apps import apps

    from tongxin.voices.models import VoiceCategory

    if not VoiceCategory.objects.exists():
        importlib.import_module("tongxin.voices.migrations.0002_categories").add(apps, None)
