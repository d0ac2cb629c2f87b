"""The voices API (/api/v1/voices): the list within what the caller may see, intake by a resident
and on a resident's behalf, one voice with its history, claim, the workflow's moves, rating, the
figures and the three rates — each with its refusals (401, 403, 404, 409, 422 with a Chinese
``detail``) — and the OpenAPI document."""

from __future__ import annotations

import pytest
from django.test import Client

from tongxin.accounts.services import api_token_issue
from tongxin.voices.models import Channel, Library, Voice, VoiceCategory, VoiceKind, VoiceStatus
from tongxin.voices.services import workflow
from tongxin.voices.services.intake import voice_submit

from .test_figures import build_world

URL = "/api/v1/voices"


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def as_role(street, role: str) -> Client:
    return as_user(street.accounts[role])


@pytest.fixture
def world(street):
    return build_world(street)


def resolved_opinion(s, text: str = "小区路面坑洼需要修补一下") -> Voice:
    cw = s.accounts["community_worker"]
    voice = voice_submit(by=s.accounts["resident"], kind=VoiceKind.OPINION, text=text)
    workflow.voice_accept(by=cw, voice=voice, library=Library.PROBLEM, category=VoiceCategory.objects.get(code="traffic"))
    workflow.voice_assign(by=cw, voice=voice, handler=cw)
    workflow.voice_start(by=cw, voice=voice)
    workflow.voice_resolve(by=cw, voice=voice, resolution="已修补路面")
    return voice


def accepted_wish(s) -> Voice:
    voice = voice_submit(by=s.accounts["resident"], kind=VoiceKind.WISH, text="希望有人陪老人去医院复查")
    workflow.voice_accept(by=s.accounts["community_worker"], voice=voice, library=Library.DIFFICULTY,
                          category=VoiceCategory.objects.get(code="assistance"))
    return voice


# --- The list -------------------------------------------------------------------------------------

def test_staff_list_the_voices_of_their_place(world):
    data = as_role(world.s, "community_worker").get(URL).json()
    assert data["count"] == 6  # community A, the merged duplicate left out
    ids = {item["id"] for item in data["items"]}
    assert world.voices[8].pk not in ids and world.voices[6].pk not in ids
    item = next(i for i in data["items"] if i["id"] == world.voices[1].pk)
    assert (item["kind"], item["status"], item["status_name"], item["library"], item["category"]) == (
        "opinion", "closed", "已关闭", "problem", "property")
    assert (item["speaker"], item["org"], item["rating"], item["rating_name"]) == ("张三", "BLP-C1-G1-B1", "satisfied", "满意")
    assert "phone" not in item and "id_number" not in item
    street = as_role(world.s, "street_admin").get(URL).json()
    assert street["count"] == 7


def test_a_resident_lists_their_own_only(world):
    data = as_role(world.s, "resident").get(URL).json()
    assert {item["id"] for item in data["items"]} == {world.voices[n].pk for n in (1, 2, 3, 4, 7)}


@pytest.mark.parametrize(("query", "numbers"), [
    ({"status": "rejected"}, {4}), ({"status": "reopened"}, {2}), ({"library": "problem"}, {1, 7}),
    ({"library": "results"}, {1, 3}), ({"kind": "wish"}, {3}), ({"channel": "hotline"}, {5}),
    ({"category": "property"}, {1, 7}), ({"q": "水龙头"}, {3}), ({"org": "BLP-C2"}, set()),
])
def test_the_filters(world, query, numbers):
    data = as_role(world.s, "community_worker").get(URL, query).json()
    assert {item["id"] for item in data["items"]} == {world.voices[n].pk for n in numbers}


def test_paging(world):
    data = as_role(world.s, "community_worker").get(URL, {"limit": 2, "offset": 1}).json()
    assert data["count"] == 6 and len(data["items"]) == 2


def test_a_filter_value_that_does_not_exist_is_422_in_chinese(world):
    response = as_role(world.s, "community_worker").get(URL, {"status": "done"})
    assert response.status_code == 422
    data = response.json()
    assert data["code"] == "invalid" and "不是有效的取值" in data["detail"] and "status" in data["errors"]


def test_an_unknown_org_is_404_and_no_login_is_401(world):
    assert as_role(world.s, "community_worker").get(URL, {"org": "NOPE"}).status_code == 404
    assert Client().get(URL).status_code == 401
    assert Client().get(URL).json()["detail"] == "请先登录或提供有效的接口令牌"


def test_a_bearer_token_works(world):
    token = api_token_issue(user=world.s.accounts["grid_worker"])
    response = Client().get(URL, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200 and response.json()["count"] == 6


# --- Intake ----------------------------------------------------------------------------------------

def test_a_resident_submits_their_own(street):
    response = as_role(street, "resident").post(URL, {"kind": "wish", "text": "希望社区组织一次义诊活动", "urgent": True},
                                                content_type="application/json")
    assert response.status_code == 201
    data = response.json()
    assert (data["kind"], data["status"], data["channel"], data["urgent"]) == (
        "wish", "submitted", "online", True)
    assert data["speaker"] == "张三" and data["history"][0]["action"] == "submit"
    voice = Voice.objects.get(pk=data["id"])
    assert voice.person == street.resident_a
    again = as_role(street, "resident").post(URL, {"kind": "wish", "text": "希望社区组织一次义诊活动", "urgent": True},
                                             content_type="application/json")
    assert again.json()["id"] == data["id"]  # sent twice: one voice


@pytest.mark.parametrize(("body", "field", "message"), [
    ({"kind": "wish"}, "text", "请把要反映的事情写清楚"),
    ({"kind": "praise", "text": "社区工作人员服务很好"}, "kind", "请选择反映的类型"),
    ({"text": "社区工作人员服务很好"}, "kind", "请选择反映的类型"),
])
def test_bad_intake_is_422_in_chinese(street, body, field, message):
    response = as_role(street, "resident").post(URL, body, content_type="application/json")
    assert response.status_code == 422
    data = response.json()
    assert data["code"] == "invalid" and message in data["detail"] and field in data["errors"]


def test_staff_record_on_behalf(street):
    body = {"kind": "difficulty", "text": "独居老人冬季取暖有困难", "channel": "visit",
            "on_behalf": {"person": street.resident_a.pk}}
    response = as_role(street, "grid_worker").post(URL, body, content_type="application/json")
    assert response.status_code == 201
    data = response.json()
    assert (data["channel"], data["speaker"], data["org"], data["household"]) == ("visit", "张三", "BLP-C1-G1-B1", "1-101")
    hotline = {"kind": "opinion", "text": "反映路口红绿灯时间太短", "channel": "hotline"}
    response = as_role(street, "community_worker").post(URL, {**hotline, "on_behalf": {"org": "BLP-C1-G1",
                                                                                      "speaker_name": "赵先生"}},
                                                       content_type="application/json")
    assert response.status_code == 201 and response.json()["speaker"] == "赵先生"


def test_on_behalf_refusals(street):
    body = {"kind": "opinion", "text": "反映路口红绿灯时间太短", "on_behalf": {"org": "BLP-C2-G1", "channel": "hotline"}}
    response = as_role(street, "community_worker").post(URL, body, content_type="application/json")
    assert response.status_code == 403 and "无权" in response.json()["detail"]
    body["on_behalf"] = {"person": street.resident_b.pk, "channel": "visit"}  # not in the worker's scope
    response = as_role(street, "community_worker").post(URL, body, content_type="application/json")
    assert response.status_code == 404 and response.json()["detail"] == "找不到该人员，或不在您负责的范围内"
    body["on_behalf"] = {"org": "NOPE", "channel": "visit"}
    response = as_role(street, "community_worker").post(URL, body, content_type="application/json")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    body["on_behalf"] = {"org": "BLP-C1-G1", "channel": "telegram"}
    response = as_role(street, "community_worker").post(URL, body, content_type="application/json")
    assert response.status_code == 422 and response.json()["detail"] == "请选择来源渠道"
    # On behalf without a place, or without a channel: the schema says both are needed.
    for behalf in ({"channel": "visit"}, {"org": "BLP-C1-G1"}):
        body["on_behalf"] = behalf
        response = as_role(street, "community_worker").post(URL, body, content_type="application/json")
        assert response.status_code == 422 and "on_behalf" in response.json()["errors"], behalf
    body.pop("on_behalf")
    body["channel"] = "hotline"  # a channel of staff, but no one named: not a resident's own voice
    response = as_role(street, "community_worker").post(URL, body, content_type="application/json")
    assert response.status_code == 422 and "on_behalf" in response.json()["errors"]
    body["on_behalf"] = {"org": "BLP-C1-G1", "channel": "visit"}
    assert as_role(street, "resident").post(URL, body, content_type="application/json").status_code == 403


# --- One voice -------------------------------------------------------------------------------------

def test_one_voice_with_its_history(world):
    voice = world.voices[1]
    data = as_role(world.s, "community_worker").get(f"{URL}/{voice.pk}").json()
    assert [e["action"] for e in data["history"]] == ["submit", "accept", "assign", "start", "resolve", "rate"]
    assert data["history"][-1]["to_status"] == "closed" and data["history"][-1]["by"].startswith("张三")
    assert data["resolution"] == "已联系物业更换楼道灯"


@pytest.mark.parametrize(("role", "status"), [
    ("community_worker", 200), ("street_admin", 200), ("grid_worker", 200), ("superior", 200), ("resident", 200),
    ("party_member", 404), ("system_admin", 404), ("auditor", 404)])
def test_who_sees_one_voice(world, role, status):
    assert as_role(world.s, role).get(f"{URL}/{world.voices[1].pk}").status_code == status


def test_another_communitys_voice_is_404(world):
    assert as_role(world.s, "community_worker").get(f"{URL}/{world.voices[8].pk}").status_code == 404
    assert as_role(world.s, "community_worker").get(f"{URL}/999999").status_code == 404


# --- Claim ---------------------------------------------------------------------------------------

def test_a_member_claims_a_wish_and_the_second_claim_is_409(street):
    wish = accepted_wish(street)
    response = as_role(street, "party_member").post(f"{URL}/{wish.pk}/claim", {}, content_type="application/json")
    assert response.status_code == 200
    data = response.json()
    assert (data["status"], data["handler"]) == ("claimed", "王五")
    second = as_role(street, "grid_worker").post(f"{URL}/{wish.pk}/claim", {}, content_type="application/json")
    assert second.status_code == 409
    assert second.json()["code"] == "conflict" and "已被认领" in second.json()["detail"]


def test_claim_refusals(street):
    wish = accepted_wish(street)
    # The speaker sees their wish but is no member: they may not claim it.
    response = as_role(street, "resident").post(f"{URL}/{wish.pk}/claim", {}, content_type="application/json")
    assert response.status_code == 403
    # A unit that is not a partner unit.
    response = as_role(street, "party_member").post(f"{URL}/{wish.pk}/claim", {"unit": "BLP-C1"},
                                                   content_type="application/json")
    assert response.status_code == 409 and "共建单位" in response.json()["detail"]
    assert response.json()["errors"]["unit"]
    # A unit that does not exist.
    response = as_role(street, "party_member").post(f"{URL}/{wish.pk}/claim", {"unit": "NOPE"},
                                                   content_type="application/json")
    assert response.status_code == 404 and response.json()["detail"] == "找不到编码为“NOPE”的单位"
    # Not a wish.
    opinion = resolved_opinion(street)
    response = as_role(street, "community_worker").post(f"{URL}/{opinion.pk}/claim", {}, content_type="application/json")
    assert response.status_code == 409 and response.json()["detail"] == "只有心愿可以接单"
    # Out of sight.
    assert as_role(street, "auditor").post(f"{URL}/{wish.pk}/claim", {}, content_type="application/json").status_code == 404


# --- The workflow's moves --------------------------------------------------------------------------

def test_moves_through_the_api(street):
    voice = voice_submit(by=street.accounts["resident"], kind=VoiceKind.OPINION, text="小区绿化带杂草丛生")
    cw = as_role(street, "community_worker")

    def move(body):
        return cw.post(f"{URL}/{voice.pk}/transition", body, content_type="application/json")

    response = move({"to": "resolved", "note": "已清理"})
    assert response.status_code == 409
    assert response.json()["code"] == "conflict" and "不能办结" in response.json()["detail"]
    response = move({"to": "accepted", "library": "problem", "category": "sanitation"})
    assert response.status_code == 200 and (response.json()["status"], response.json()["category"]) == (
        "accepted", "sanitation")
    assert move({"to": "assigned", "handler": "community_worker"}).json()["status"] == "assigned"
    assert move({"to": "in_progress"}).json()["status"] == "in_progress"
    response = move({"to": "resolved", "note": " "})
    assert response.status_code == 422 and response.json()["detail"] == "请写明办理结果"
    data = move({"to": "resolved", "note": "已安排保洁清理"}).json()
    assert (data["status"], data["resolution"]) == ("resolved", "已安排保洁清理")
    assert move({"to": "closed", "note": "多次联系不上反映人"}).json()["status"] == "closed"
    assert move({"to": "reopened", "note": "杂草又长出来了"}).json()["status"] == "reopened"


def test_move_refusals(street):
    voice = voice_submit(by=street.accounts["resident"], kind=VoiceKind.OPINION, text="小区绿化带杂草丛生")
    url = f"{URL}/{voice.pk}/transition"
    response = as_role(street, "community_worker").post(url, {"to": "done"}, content_type="application/json")
    assert response.status_code == 422 and response.json()["errors"]["to"]
    response = as_role(street, "community_worker").post(url, {"to": "submitted"}, content_type="application/json")
    assert response.status_code == 409
    response = as_role(street, "community_worker").post(url, {"to": "rejected"}, content_type="application/json")
    assert response.status_code == 422 and "理由" in response.json()["detail"]
    response = as_role(street, "community_worker").post(url, {"to": "assigned"}, content_type="application/json")
    assert response.status_code == 422 and response.json()["detail"] == "请选择承办人或承办单位"
    for body in ({"to": "assigned", "handler": "nobody"}, {"to": "assigned", "unit": "NOPE"}):
        response = as_role(street, "community_worker").post(url, body, content_type="application/json")
        assert response.status_code == 404 and response.json()["code"] == "not_found", body
    # A grid worker sees it but does not handle it.
    response = as_role(street, "grid_worker").post(url, {"to": "accepted"}, content_type="application/json")
    assert response.status_code == 403 and response.json()["detail"] == "无权办理该事项"
    response = as_role(street, "community_worker").post(url, {"to": "accepted", "category": "nope"},
                                                        content_type="application/json")
    assert response.status_code == 404 and response.json()["detail"] == "找不到该类别"


# --- Rating -----------------------------------------------------------------------------------------

def test_the_speaker_rates(street):
    voice = resolved_opinion(street)
    response = as_role(street, "resident").post(f"{URL}/{voice.pk}/rate", {"rating": "satisfied"},
                                                content_type="application/json")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["rating"]) == ("closed", "satisfied")
    again = as_role(street, "resident").post(f"{URL}/{voice.pk}/rate", {"rating": "satisfied"},
                                             content_type="application/json")
    assert again.status_code == 409 and "不能评价" in again.json()["detail"]


def test_unsatisfied_reopens_and_needs_a_reason(street):
    voice = resolved_opinion(street)
    url = f"{URL}/{voice.pk}/rate"
    response = as_role(street, "resident").post(url, {"rating": "unsatisfied"}, content_type="application/json")
    assert response.status_code == 422 and "不满意" in response.json()["detail"]
    response = as_role(street, "resident").post(url, {"rating": "unsatisfied", "note": "路面还是不平"},
                                                content_type="application/json")
    assert response.json()["status"] == "reopened"
    response = as_role(street, "resident").post(url, {"rating": "great"}, content_type="application/json")
    assert response.status_code == 422 and response.json()["errors"]["rating"]


def test_staff_record_a_follow_up_call_and_others_may_not_rate(street):
    voice = resolved_opinion(street)
    assert as_role(street, "party_member").post(f"{URL}/{voice.pk}/rate", {"rating": "satisfied"},
                                                content_type="application/json").status_code == 404
    response = as_role(street, "grid_worker").post(f"{URL}/{voice.pk}/rate", {"rating": "satisfied"},
                                                   content_type="application/json")
    assert response.status_code == 403 and response.json()["detail"] == "只有反映人本人可以评价"
    response = as_role(street, "community_worker").post(f"{URL}/{voice.pk}/rate", {"rating": "satisfied"},
                                                        content_type="application/json")
    assert response.status_code == 200 and response.json()["history"][-1]["action"] == "follow_up"


# --- Figures ----------------------------------------------------------------------------

def test_the_figures(world):
    response = as_role(world.s, "community_worker").get(f"{URL}/figures")
    assert response.status_code == 200
    data = response.json()
    assert (data["org"], data["received"], data["accepted"], data["resolved"]) == ("BLP-C1", 6, 4, 2)
    assert data["response_rate"] == {"numerator": 5, "denominator": 6, "percent": 83.3}
    assert data["satisfaction_rate"]["percent"] == 50.0 and data["hours_median"] == 20.0
    assert {t["key"]: t["count"] for t in data["by_status"]}["rejected"] == 1
    assert data["visits"]["household_coverage"]["percent"] == 50.0
    assert data["visits"]["hardship_coverage"] == {"numerator": 0, "denominator": 1, "percent": 0.0}
    assert data["projects"] == {"total": 2, "with_supervisors": 1, "supervisors": 1, "done": 1}
    assert data["children"] is None


def test_the_figures_side_by_side_and_by_period(world):
    data = as_role(world.s, "street_admin").get(f"{URL}/figures", {"org": "BLP", "children": "true"}).json()
    assert [(c["org"], c["received"], c["direct"]) for c in data["children"]] == [
        ("BLP-C1", 6, False), ("BLP-C2", 1, False)]
    data = as_role(world.s, "street_admin").get(f"{URL}/figures", {"org": "BLP", "to": "2020-01-01"}).json()
    assert data["received"] == 0 and data["response_rate"]["percent"] is None and data["date_to"] == "2020-01-01"


@pytest.mark.parametrize(("role", "query", "status"), [
    ("resident", {}, 403), ("party_member", {}, 403), ("community_worker", {"org": "BLP"}, 403),
    ("community_worker", {"org": "BLP-C2"}, 403), ("superior", {"org": "BLP"}, 200), ("grid_worker", {}, 200),
    ("community_worker", {"org": "NOPE"}, 404), ("community_worker", {"campaign": "nope"}, 404),
])
def test_who_reads_the_figures(street, role, query, status):
    assert as_role(street, role).get(f"{URL}/figures", query).status_code == status


@pytest.mark.parametrize(("query", "field", "message"), [
    ({"from": "2024-02-30"}, "from", "日期格式应为"), ({"from": "2024-03-01", "to": "2024-02-01"}, "to", "结束日期"),
])
def test_bad_dates_are_422_in_chinese(street, query, field, message):
    response = as_role(street, "community_worker").get(f"{URL}/figures", query)
    assert response.status_code == 422
    assert message in response.json()["detail"] and field in response.json()["errors"]


def test_the_openapi_document_builds_with_the_voices(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in ("/api/v1/voices", "/api/v1/voices/{voice_id}", "/api/v1/voices/{voice_id}/claim",
                 "/api/v1/voices/{voice_id}/transition", "/api/v1/voices/{voice_id}/rate",
                 "/api/v1/voices/figures"):
        assert path in paths, path
    assert "post" in paths["/api/v1/voices"] and "get" in paths["/api/v1/voices"]
    params = {p["name"] for p in paths["/api/v1/voices/figures"]["get"]["parameters"]}
    assert {"org", "from", "to", "campaign"} <= params


def test_choices_in_the_answers_are_the_english_values(world):
    data = as_role(world.s, "community_worker").get(f"{URL}/{world.voices[2].pk}").json()
    assert data["channel"] in Channel.values and data["status"] in VoiceStatus.values
    assert data["library"] in Library.values and data["kind"] in VoiceKind.values


def test_a_body_the_schema_cannot_read_is_422_in_chinese(street):
    response = as_role(street, "resident").post(URL, {"kind": "wish", "text": "希望组织义诊", "urgent": "很急"},
                                                content_type="application/json")
    assert response.status_code == 422
    assert response.json()["detail"] == "请求内容格式不正确：urgent"
    assert response.json()["errors"] == {"urgent": ["格式不正确"]}
    # Read strictly, as the schema says: 0 is no boolean, "1" no id.
    response = as_role(street, "resident").post(URL, {"kind": "wish", "text": "希望组织义诊", "urgent": 0},
                                                content_type="application/json")
    assert response.status_code == 422 and list(response.json()["errors"]) == ["urgent"]
    body = {"kind": "wish", "text": "希望组织义诊", "on_behalf": {"household": "1", "channel": "form"}}
    response = as_role(street, "community_worker").post(URL, body, content_type="application/json")
    assert response.status_code == 422 and list(response.json()["errors"]) == ["household"]
    response = as_role(street, "resident").post(URL, "{not json", content_type="application/json")
    assert response.status_code == 400 and response.json()["detail"] == "请求内容不是有效的 JSON"
