import pytest
from django.test import Client

from tongxin.testing import PASSWORD


def _token(client, username, password=PASSWORD):
    response = client.post("/api/v1/auth/token", {"username": username, "password": password},
                           content_type="application/json")
    assert response.status_code == 200, response.content
    return response.json()["token"]


def test_healthz_checks_the_database(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_openapi_document_is_served(client, db):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert "/api/v1/people" in response.json()["paths"]


def test_token_then_me(client, street):
    token = _token(client, "grid_worker")
    response = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
    assert response.json()["roles"] == [{"role": "grid_worker", "role_name": "网格员", "org": "BLP-C1-G1"}]


def test_bad_password_gives_401_in_chinese(client, street):
    response = client.post("/api/v1/auth/token", {"username": "grid_worker", "password": "wrong-pass-1"},
                           content_type="application/json")
    assert response.status_code == 401
    assert response.json()["detail"] == "用户名或密码错误"


def test_no_token_no_data(client, street):
    assert client.get("/api/v1/people").status_code == 401
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION="Bearer not-a-token").status_code == 401


def test_people_list_is_masked_and_scoped(client, street):
    token = _token(client, "grid_worker")
    response = client.get("/api/v1/people", {"org": "BLP"}, HTTP_AUTHORIZATION=f"Bearer {token}")
    body = response.json()
    assert response.status_code == 200
    assert body["count"] == 2  # only grid BLP-C1-G1, though the street was asked for
    for item in body["items"]:
        assert "*" in item["id_number"] and "*" in item["phone"]
        assert item["org"].startswith("BLP-C1-G1")
    assert street.resident_a.id_number not in response.content.decode()


def test_people_search_by_pinyin_initials(client, street):
    token = _token(client, "street_admin")
    body = client.get("/api/v1/people", {"q": "zs"}, HTTP_AUTHORIZATION=f"Bearer {token}").json()
    assert [item["name"] for item in body["items"]] == ["张三"]


def test_person_outside_scope_is_404(client, street):
    token = _token(client, "grid_worker")
    inside = client.get(f"/api/v1/people/{street.resident_a.pk}", HTTP_AUTHORIZATION=f"Bearer {token}")
    outside = client.get(f"/api/v1/people/{street.resident_b.pk}", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert inside.status_code == 200 and inside.json()["name"] == "张三"
    assert outside.status_code == 404


def test_orgs_and_children(client, street):
    token = _token(client, "street_admin")
    org = client.get("/api/v1/orgs/BLP", HTTP_AUTHORIZATION=f"Bearer {token}").json()
    assert org["name"] == "八里铺街道" and org["kind_name"] == "街道" and org["parent"] == "KEQ"
    children = client.get("/api/v1/orgs/BLP/children", HTTP_AUTHORIZATION=f"Bearer {token}").json()
    assert {c["code"] for c in children} == {"BLP-C1", "BLP-C2"}
    # Above the admin's scope: not found.
    assert client.get("/api/v1/orgs/KEQ", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 404


@pytest.mark.parametrize("username", ["resident", "party_member"])
def test_residents_see_only_themselves(client, street, username):
    token = _token(client, username)
    body = client.get("/api/v1/people", HTTP_AUTHORIZATION=f"Bearer {token}").json()
    assert body["count"] == 1


def test_session_client_can_use_api(street):
    client = Client()
    client.force_login(street.accounts["street_admin"])
    assert client.get("/api/v1/me").status_code == 200
