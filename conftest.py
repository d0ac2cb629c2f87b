"""Fixtures shared by every app's tests: a small street with every role."""

import pytest

from tongxin.testing import build_small_street


@pytest.fixture
def street(db):
    return build_small_street()


@pytest.fixture
def campaign(street):
    from tongxin.testing import build_campaign

    return build_campaign(street)
