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


# --- What the schema allows, and the refusals it declares -------------------------------------------

@pytest.mark.parametrize("query", [
    {"offset": "-6450647112106094106639661707296768"}, {"offset": "1000000001"}, {"limit": "0"}, {"limit": "201"},
    {"sort": "age"}, {"group": "nobody"}, {"org": "BLP C1"}, {"q": "张\x00三"},
])
def test_people_refuses_what_the_schema_does_not_allow_with_422_in_chinese(client, street, query):
    """A huge offset is refused before it reaches PostgreSQL (it used to overflow there: a 500)."""
    token = _token(client, "street_admin")
    response = client.get("/api/v1/people", query, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid" and list(body["errors"]) == list(query)
    assert body["detail"].startswith("请求内容格式不正确")


def test_people_pages_up_to_the_bounds(client, street):
    token = _token(client, "street_admin")
    response = client.get("/api/v1/people", {"offset": 1_000_000_000, "limit": 200, "sort": "-name"},
                          HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200 and response.json()["items"] == []


def test_refusals_are_chinese_with_a_code(client, street):
    token = _token(client, "street_admin")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    assert client.get("/api/v1/people/999999", **auth).json() == {
        "detail": "找不到所请求的对象，或无权查看", "code": "not_found"}
    assert client.get("/api/v1/people", {"org": "NOPE"}, **auth).json() == {
        "detail": "找不到编码为“NOPE”的组织", "code": "not_found"}
    assert client.get("/api/v1/people/0", **auth).status_code == 422
    assert client.get("/api/v1/people/99999999999999999999", **auth).status_code == 422
    assert client.get("/api/v1/me").json() == {"detail": "请先登录或提供有效的接口令牌", "code": "not_authenticated"}


def test_the_openapi_document_declares_every_refusal(client, db):
    """Each operation declares what it can answer: 401/403 behind a login, 422 where it reads
    input, 400 where it reads a JSON body, 404 where its path names something — all with the
    shared error body — and no status it cannot answer."""
    doc = client.get("/api/v1/openapi.json").json()
    paths = doc["paths"]
    assert set(doc["components"]["schemas"]["ErrorOut"]["required"]) == {"detail"}

    def statuses(path, method):
        return {int(status) for status in paths[path][method]["responses"]}

    assert statuses("/api/v1/me", "get") == {200, 401, 403, 414}
    assert statuses("/api/v1/points/balance", "get") == {200, 401, 403, 414}
    assert statuses("/api/v1/people", "get") == {200, 401, 403, 404, 414, 422}
    assert statuses("/api/v1/people/{person_id}", "get") == {200, 401, 403, 404, 414, 422}
    assert statuses("/api/v1/auth/token", "post") == {200, 400, 401, 403, 414, 422}
    assert statuses("/api/v1/voices/{voice_id}/transition", "post") == {200, 400, 401, 403, 404, 409, 414, 422}
    assert statuses("/api/v1/redemptions", "post") == {200, 201, 400, 401, 403, 404, 409, 414, 422}
    error = {"$ref": "#/components/schemas/ErrorOut"}
    for path, operations in paths.items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if int(status) == 414:  # the front server's page, not the app's
                    assert "content" not in response
                elif int(status) >= 400:
                    assert response["content"]["application/json"]["schema"] == error, (path, method, status)
    limit = {p["name"]: p["schema"] for p in paths["/api/v1/people"]["get"]["parameters"]}
    assert (limit["limit"]["minimum"], limit["limit"]["maximum"], limit["offset"]["minimum"]) == (1, 200, 0)
    key = paths["/api/v1/redemptions"]["post"]["parameters"][0]
    assert (key["name"], key["in"], key["required"]) == ("Idempotency-Key", "header", True)
