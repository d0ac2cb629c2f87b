"""The bearer token lookup that every API request makes (plain SQL, so it is checked here on both
databases: expiry compared as the database stores times, fields converted as the ORM would)."""

from datetime import datetime, timedelta

from django.utils import timezone

from tongxin.accounts.models import ApiToken, User
from tongxin.accounts.services import api_token_issue, api_token_user


def test_token_gives_its_account_as_the_orm_would(street):
    user = User.objects.get(username="grid_worker")
    key = api_token_issue(user=user)
    found = api_token_user(key)
    assert found == user
    assert found.person_id == user.person_id
    assert found.is_active is True
    assert isinstance(found.date_joined, datetime) and found.date_joined == user.date_joined
    assert api_token_user(key + "x") is None
    assert api_token_user("") is None


def test_expired_token_is_refused(client, street):
    user = User.objects.get(username="grid_worker")
    key = api_token_issue(user=user)
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 200
    ApiToken.objects.filter(user=user).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert api_token_user(key) is None
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 401


def test_token_of_a_deactivated_account_is_refused(street):
    user = User.objects.get(username="grid_worker")
    key = api_token_issue(user=user)
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert api_token_user(key) is None
