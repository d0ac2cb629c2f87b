"""The voices pages through the test client: who may open each, which action forms an item's page
offers to whom, a POST of each action, a conflict (someone moved it first), rating from "my
voices", photos behind a permission check, the wish wall, the overdue list, the libraries, the
category deadlines and the public board."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError

from tongxin.core.audit import AuditAction
from tongxin.core.models import AuditEntry
from tongxin.orgs.models import OrgKind
from tongxin.orgs.services import org_create
from tongxin.testing import as_role, text
from tongxin.voices.models import Rating, Voice, VoiceCategory, VoiceEvent, VoiceKind, VoiceStatus
from tongxin.voices.services.categories import voice_category_save
from tongxin.voices.services.intake import voice_submit
from tongxin.voices.services.publishing import voice_publish
from tongxin.voices.services.workflow import voice_accept

from .test_intake import media, png  # noqa: F401  (media: photos go to a temporary folder)
from .test_workflow import PROBLEM, WISH, bring_to, category, make_overdue, recorded, submit

S = VoiceStatus
VIEWERS = ["street_admin", "community_worker", "grid_worker", "building_head", "superior"]
RECORDERS = ["street_admin", "community_worker", "grid_worker", "building_head"]
ROLES = [*VIEWERS, "party_member", "resident", "system_admin", "auditor"]

PAGES = {
    "/voices/": VIEWERS,
    "/voices/overdue/": VIEWERS,
    "/voices/categories/": VIEWERS,
    "/voices/queue/": [*RECORDERS, "party_member"],
    "/voices/wishes/": [*RECORDERS, "party_member"],
    "/voices/record/": RECORDERS,
    "/voices/new/": ["party_member", "resident"],
    "/voices/mine/": ["party_member", "resident"],
}


def actions_on_page(response) -> set[str]:
    return set(re.findall(r'data-action="(\w+)"', response.content.decode()))


def post_action(client, voice: Voice, action: str, data: dict | None = None, **extra):
    return client.post(f"/voices/{voice.pk}/", {"action": action, **(data or {})}, **extra)


# --- Who may open which page --------------------------------------------------------------------

@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("url", PAGES)
def test_who_may_open_each_page(client, street, url, role):
    response = as_role(client, street, role).get(url)
    assert response.status_code == (200 if role in PAGES[url] else 403)


@pytest.mark.parametrize("url", [*PAGES, "/voices/1/"])
def test_pages_need_a_login(client, street, url):
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("role", ROLES)
def test_who_sees_an_item(client, street, role):
    voice = submit(street)
    sees = role in VIEWERS or role == "resident"  # staff over the place, superiors, the speaker
    response = as_role(client, street, role).get(f"/voices/{voice.pk}/")
    assert response.status_code == (200 if sees else 404)
    if sees:
        assert WISH in text(response)


# --- Which action forms whom ------------------------------------------------------------------

FORMS = [
    (S.SUBMITTED, "community_worker", {"accept", "reject", "note"}),
    (S.SUBMITTED, "grid_worker", set()),
    (S.SUBMITTED, "resident", set()),
    (S.ACCEPTED, "community_worker", {"claim", "assign", "reject", "note", "classify", "publish"}),
    (S.ACCEPTED, "grid_worker", {"claim"}),
    (S.ACCEPTED, "resident", set()),
    (S.ACCEPTED, "superior", set()),
    (S.ASSIGNED, "grid_worker", {"start", "note"}),
    (S.ASSIGNED, "community_worker", {"assign", "start", "note", "classify", "publish"}),
    (S.ASSIGNED, "building_head", set()),
    (S.IN_PROGRESS, "grid_worker", {"resolve", "note"}),
    (S.RESOLVED, "resident", {"rate"}),
    (S.RESOLVED, "community_worker", {"follow_up", "close", "reopen", "classify", "publish"}),
    (S.RESOLVED, "grid_worker", set()),
    (S.CLOSED, "community_worker", {"reopen", "publish"}),
    (S.CLOSED, "resident", set()),
    (S.REJECTED, "street_admin", {"reopen"}),
    (S.REOPENED, "grid_worker", {"start", "note"}),
]


@pytest.mark.parametrize("status, role, expected", FORMS)
def test_only_the_actions_allowed_now_are_offered(client, street, status, role, expected):
    voice = bring_to(street, status)
    response = as_role(client, street, role).get(f"/voices/{voice.pk}/")
    assert response.status_code == 200
    assert actions_on_page(response) == expected


def test_escalate_and_merge_are_offered_when_they_apply(client, street):
    voice = bring_to(street, S.ACCEPTED, kind=VoiceKind.COMPLAINT, text=PROBLEM)
    as_role(client, street, "community_worker")
    assert not {"escalate", "merge"} & actions_on_page(client.get(f"/voices/{voice.pk}/"))
    make_overdue(voice)
    recorded(street, "1号楼楼道灯坏了，晚上上下楼看不见")
    page = client.get(f"/voices/{voice.pk}/")
    assert {"escalate", "merge"} <= actions_on_page(page)
    assert "相似度" in text(page)


# --- A POST of each action ------------------------------------------------------------------------

ACTIONS = [
    ("accept", S.SUBMITTED, "community_worker", {"accept-library": "problem", "accept-category": "property"},
     S.ACCEPTED),
    ("reject", S.SUBMITTED, "community_worker", {"reject-note": "属于物业合同约定事项"}, S.REJECTED),
    ("claim", S.ACCEPTED, "grid_worker", {"claim-note": "我来办"}, S.CLAIMED),
    ("assign", S.ACCEPTED, "community_worker", {"assign-handler": "grid_worker"}, S.ASSIGNED),
    ("start", S.ASSIGNED, "grid_worker", {}, S.IN_PROGRESS),
    ("resolve", S.IN_PROGRESS, "grid_worker", {"resolve-note": "已联系志愿者每周六送菜"}, S.RESOLVED),
    ("rate", S.RESOLVED, "resident", {"rate-rating": "satisfied"}, S.CLOSED),
    ("follow_up", S.RESOLVED, "community_worker", {"follow_up-rating": "basically", "follow_up-note": "电话回访"},
     S.CLOSED),
    ("close", S.RESOLVED, "community_worker", {"close-note": "三次回访均未接通"}, S.CLOSED),
    ("reopen", S.RESOLVED, "community_worker", {"reopen-note": "回访发现送菜中断"}, S.REOPENED),
    ("classify", S.ACCEPTED, "community_worker", {"classify-library": "difficulty",
                                                  "classify-category": "elderly_care"}, S.ACCEPTED),
    ("publish", S.ACCEPTED, "community_worker", {"publish-summary": "为行动不便老人每周送菜上门"}, S.ACCEPTED),
    ("note", S.IN_PROGRESS, "grid_worker", {"note-note": "已和志愿者约好时间"}, S.IN_PROGRESS),
    ("escalate", S.ACCEPTED, "street_admin", {"escalate-note": "请街道协调"}, S.ACCEPTED),
]


@pytest.mark.parametrize("action, status, role, data, after", ACTIONS)
def test_post_each_action(client, street, action, status, role, data, after):
    voice = bring_to(street, status)
    if action == "escalate":
        make_overdue(voice)
    if data.get("assign-handler"):
        data = {**data, "assign-handler": street.accounts[data["assign-handler"]].pk}
    events = VoiceEvent.objects.filter(voice=voice).count()
    response = post_action(as_role(client, street, role), voice, action, data, follow=True)
    assert response.status_code == 200 and response.redirect_chain == [(f"/voices/{voice.pk}/", 302)]
    voice.refresh_from_db()
    assert voice.status == after
    event = VoiceEvent.objects.filter(voice=voice).order_by("-id").first()
    assert VoiceEvent.objects.filter(voice=voice).count() == events + 1
    assert event.action == action and event.by == street.accounts[role]
    assert event.get_action_display() in text(response)
    assert '<ul class="messages">' in response.content.decode()


def test_resolve_with_evidence_photos(client, street):
    voice = bring_to(street, S.IN_PROGRESS)
    response = post_action(as_role(client, street, "grid_worker"), voice, "resolve",
                           {"resolve-note": "已修好", "resolve-photos": [png(), png("b.png")]})
    assert response.status_code == 302
    assert voice.photos.filter(is_evidence=True).count() == 2
    page = client.get(f"/voices/{voice.pk}/")
    assert page.content.decode().count(f"/voices/{voice.pk}/photos/") == 4  # two links, two images


def test_merge_from_the_page(client, street):
    first = recorded(street, "1号楼楼道灯坏了，晚上上下楼看不见")
    second = submit(street, kind=VoiceKind.COMPLAINT, text=PROBLEM)
    response = post_action(as_role(client, street, "community_worker"), second, "merge", {"merge-into": first.pk})
    assert response.status_code == 302
    second.refresh_from_db()
    assert second.duplicate_of == first and second.status == S.CLOSED
    page = text(client.get(f"/voices/{second.pk}/"))
    assert "合并到" in page and f"#{first.pk}" in page
    assert actions_on_page(client.get(f"/voices/{second.pk}/")) == set()


def test_merge_into_something_not_offered_is_refused(client, street):
    other = voice_submit(by=None, person=street.resident_b, kind=VoiceKind.COMPLAINT, text=PROBLEM)
    voice = submit(street, kind=VoiceKind.COMPLAINT, text=PROBLEM)
    response = post_action(as_role(client, street, "street_admin"), voice, "merge", {"merge-into": other.pk})
    assert response.status_code == 200 and "选择一个有效的选项" in text(response)
    assert Voice.objects.get(pk=voice.pk).duplicate_of is None


def test_a_bad_action_input_shows_the_message_next_to_the_field(client, street):
    voice = submit(street)
    response = post_action(as_role(client, street, "community_worker"), voice, "reject", {"reject-note": " "})
    assert response.status_code == 200
    assert re.search(r'data-action="reject".*请写明不予受理的理由', response.content.decode(), re.S)
    assert Voice.objects.get(pk=voice.pk).status == S.SUBMITTED


def test_publish_with_personal_details_is_refused_on_the_page(client, street):
    voice = bring_to(street, S.ACCEPTED)
    response = post_action(as_role(client, street, "community_worker"), voice, "publish",
                           {"publish-summary": "张三家需要送菜，电话13812345678"})
    assert response.status_code == 200
    assert "公开摘要含有个人信息（手机号、反映人姓名），请删去后再公开" in text(response)
    assert "张三家需要送菜，电话13812345678" in response.content.decode()  # kept in the field


def test_someone_moved_it_first(client, street):
    voice = submit(street)
    as_role(client, street, "community_worker")
    assert "accept" in actions_on_page(client.get(f"/voices/{voice.pk}/"))
    voice_accept(by=street.accounts["street_admin"], voice=voice, library="difficulty", category=category())
    response = post_action(client, voice, "accept", {"accept-library": "problem", "accept-category": "property",
                                                     "accept-note": "我来受理，转物业"})
    assert response.status_code == 409
    page = text(response)
    assert "该事项当前为“已受理”，不能受理" in page and "您填写的内容保留在下面" in page
    assert "我来受理，转物业" in page  # nothing lost
    voice.refresh_from_db()
    assert voice.library == "difficulty" and VoiceEvent.objects.filter(voice=voice, action="accept").count() == 1


def test_an_unknown_action_is_a_bad_request(client, street):
    voice = submit(street)
    assert post_action(as_role(client, street, "community_worker"), voice, "delete").status_code == 400


def test_a_forbidden_action_is_forbidden(client, street):
    voice = submit(street)
    response = post_action(as_role(client, street, "grid_worker"), voice, "accept",
                           {"accept-library": "problem", "accept-category": "property"})
    assert response.status_code == 403
    assert post_action(as_role(client, street, "party_member"), voice, "accept").status_code == 404


# --- The resident's own items and the rating ----------------------------------------------------

def test_my_voices_and_the_rating_buttons(client, street):
    voice = bring_to(street, S.RESOLVED)
    other = voice_submit(by=None, person=street.resident_b, kind=VoiceKind.OPINION, text="学院社区活动室晚上能否延长开放")
    as_role(client, street, "resident")
    page = client.get("/voices/mine/")
    assert f"#{voice.pk}" in text(page) and f"#{other.pk}" not in text(page)
    assert "已联系志愿者每周六上门送菜" in text(page)
    buttons = re.findall(r'<button type="submit" name="rate-rating" value="(\w+)"[^>]*>(\w+)</button>',
                         page.content.decode())
    assert buttons == [("satisfied", "满意"), ("basically", "基本满意"), ("unsatisfied", "不满意")]

    refused = post_action(client, voice, "rate", {"rate-rating": "unsatisfied", "next": "/voices/mine/"})
    assert refused.status_code == 200 and "请说说哪里不满意，便于重新办理" in text(refused)
    assert Voice.objects.get(pk=voice.pk).status == S.RESOLVED
    done = post_action(client, voice, "rate", {"rate-rating": "unsatisfied", "rate-note": "送了一次就没人来了",
                                               "next": "/voices/mine/"})
    assert done.status_code == 302 and done["Location"] == "/voices/mine/"
    voice.refresh_from_db()
    assert voice.status == S.REOPENED and voice.rating == Rating.UNSATISFIED
    assert "感谢评价，社区会重新办理" in text(client.get("/voices/mine/"))


def test_next_goes_nowhere_outside(client, street):
    voice = bring_to(street, S.RESOLVED)
    response = post_action(as_role(client, street, "resident"), voice, "rate",
                           {"rate-rating": "satisfied", "next": "https://evil.example/"})
    assert response["Location"] == f"/voices/{voice.pk}/"


# --- Photos ---------------------------------------------------------------------------------------

def test_photos_are_served_only_to_those_who_see_the_item(client, street):
    voice = voice_submit(by=street.accounts["resident"], kind=VoiceKind.COMPLAINT, text=PROBLEM, photos=[png()])
    photo = voice.photos.get()
    url = f"/voices/{voice.pk}/photos/{photo.pk}/"
    for role in ("resident", "community_worker", "grid_worker"):
        response = as_role(client, street, role).get(url)
        assert response.status_code == 200 and response["Content-Type"] == "image/png"
        assert response["Cache-Control"] == "private, no-store"
        assert b"".join(response.streaming_content).startswith(b"\x89PNG")
    assert as_role(client, street, "party_member").get(url).status_code == 404
    page = as_role(client, street, "community_worker").get(f"/voices/{voice.pk}/").content.decode()
    assert url in page and "/media/" not in page
    client.logout()
    assert client.get(url).status_code == 302


# --- The wish wall --------------------------------------------------------------------------------

def test_the_wish_wall_shows_members_wishes_to_claim_without_personal_details(client, street):
    wish = voice_submit(by=street.accounts["resident"], kind=VoiceKind.WISH,
                        text="家里老人腿脚不便，希望有人帮忙买菜，联系电话13812345678")
    voice_accept(by=street.accounts["community_worker"], voice=wish, library="difficulty",
                 category=category("elderly_care"))
    not_yet = recorded(street, "希望社区组织一次义诊", kind=VoiceKind.WISH)  # not accepted: not on the wall
    as_role(client, street, "party_member")
    response = client.get("/voices/wishes/")
    page = text(response)
    assert "希望有人帮忙买菜，联系电话138****5678" in page and "13812345678" not in response.content.decode()
    assert "张三" not in page and not_yet.text not in page
    assert "我来接单" in page and "以共建单位名义" not in page
    staff_page = text(as_role(client, street, "community_worker").get("/voices/wishes/"))
    assert "联系电话13812345678" in staff_page


def test_claim_on_the_wall_then_the_next_one_is_told(client, street):
    wish = bring_to(street, S.ACCEPTED)
    as_role(client, street, "party_member")
    assert client.get(f"/voices/{wish.pk}/").status_code == 404  # not theirs to see yet
    response = client.post(f"/voices/wishes/{wish.pk}/claim/", {"claim-note": ""})
    assert response.status_code == 302 and response["Location"] == f"/voices/{wish.pk}/"
    page = client.get(response["Location"])
    assert page.status_code == 200 and {"start", "note"} <= actions_on_page(page)
    wall = text(client.get("/voices/wishes/"))
    assert "王五 已接单" in wall

    late = as_role(client, street, "grid_worker").post(f"/voices/wishes/{wish.pk}/claim/", follow=True)
    assert "该心愿已被认领或不在可接单状态（当前：已接单）" in text(late)
    assert Voice.objects.get(pk=wish.pk).handler == street.accounts["party_member"]


def test_a_resident_cannot_claim(client, street):
    wish = bring_to(street, S.ACCEPTED)
    assert as_role(client, street, "resident").post(f"/voices/wishes/{wish.pk}/claim/").status_code == 403


def test_staff_claim_on_behalf_of_a_partner_unit(client, street):
    unit = org_create(by=None, code="BLP-U1", name="科尔沁区供电公司", kind=OrgKind.UNIT, parent=street.street,
                      is_co_building_unit=True)
    wish = bring_to(street, S.ACCEPTED)
    as_role(client, street, "community_worker")
    assert "科尔沁区供电公司" in text(client.get("/voices/wishes/"))
    response = client.post(f"/voices/wishes/{wish.pk}/claim/", {"claim-unit": unit.pk})
    assert response.status_code == 302
    wish.refresh_from_db()
    assert wish.handler_unit == unit and wish.handler == street.accounts["community_worker"]


# --- Queue, overdue list, libraries ---------------------------------------------------------------

def test_the_queue_puts_overdue_and_urgent_first(client, street):
    calm = bring_to(street, S.ASSIGNED)
    late = make_overdue(bring_to(street, S.ASSIGNED, kind=VoiceKind.COMPLAINT, text=PROBLEM))
    other = bring_to(street, S.ACCEPTED, kind=VoiceKind.OPINION, text="建议小区多装几盏路灯")
    page = as_role(client, street, "grid_worker").get("/voices/queue/").content.decode()
    ids = [int(i) for i in re.findall(r'href="/voices/(\d+)/"', page)]
    assert ids == [late.pk, calm.pk] and other.pk not in ids
    new = submit(street, kind=VoiceKind.SUGGESTION, text="建议周末开放社区图书室")
    worker_page = as_role(client, street, "community_worker").get("/voices/queue/").content.decode()
    assert f'href="/voices/{new.pk}/"' in worker_page  # awaiting acceptance


def test_overdue_list_with_escalate_buttons(client, street):
    voice = make_overdue(bring_to(street, S.ACCEPTED), days=5)
    as_role(client, street, "community_worker")
    page = client.get("/voices/overdue/")
    assert f"#{voice.pk}" in text(page) and "上报督办" in text(page)
    response = client.post(f"/voices/{voice.pk}/", {"action": "escalate", "next": "/voices/overdue/"})
    assert response.status_code == 302 and response["Location"] == "/voices/overdue/"
    assert "已上报八里铺街道" in text(client.get("/voices/overdue/"))
    superior = text(as_role(client, street, "superior").get("/voices/overdue/"))
    assert f"#{voice.pk}" in superior and "上报督办" not in superior  # superiors read, staff escalate
    escalated = text(as_role(client, street, "street_admin").get("/voices/overdue/", {"escalated": "1"}))
    assert f"#{voice.pk}" in escalated


def test_the_libraries_tabs_search_filters_and_sort(client, street):
    done = bring_to(street, S.CLOSED)
    open_ = bring_to(street, S.ACCEPTED, kind=VoiceKind.COMPLAINT, text=PROBLEM)
    new = recorded(street, "希望社区组织一次义诊", kind=VoiceKind.WISH)
    Voice.objects.filter(pk=new.pk).update(urgent=True)
    as_role(client, street, "community_worker")

    def ids(**query) -> list[int]:
        page = client.get("/voices/", query).content.decode()
        return [int(i) for i in re.findall(r'<td data-label="编号" class="nowrap">#(\d+)</td>', page)]

    assert ids() == [new.pk, open_.pk, done.pk]
    assert ids(sort="submitted") == [done.pk, open_.pk, new.pk]
    assert ids(tab="submitted") == [new.pk]
    assert ids(tab="problem") == [open_.pk, done.pk]
    assert ids(tab="results") == [done.pk]
    assert "已联系志愿者每周六上门送菜" in text(client.get("/voices/", {"tab": "results"}))
    assert ids(q=f"#{open_.pk}") == [open_.pk]
    assert ids(q="义诊") == [new.pk]
    assert ids(q="王阿") == [new.pk]
    assert ids(urgent="1") == [new.pk]
    assert ids(kind="complaint") == [open_.pk]
    assert ids(status="closed") == [done.pk]
    assert ids(category="property") == [open_.pk, done.pk]
    assert ids(org="BLP-C1-G1") == [new.pk, open_.pk, done.pk]
    for outside in ("BLP-C2", "KEQ"):  # another community, or above the worker's scope
        assert client.get("/voices/", {"org": outside}).status_code == 403
    make_overdue(open_)
    assert ids(overdue="1") == [open_.pk]
    assert ids(sort="due")[0] == open_.pk
    assert "全部 3" in text(client.get("/voices/"))


def test_the_libraries_page(client, street):
    for i in range(31):
        recorded(street, f"第{i}号建议：希望小区增加{i}个休息座椅", kind=VoiceKind.SUGGESTION)
    as_role(client, street, "community_worker")
    first = client.get("/voices/")
    assert "第 1 / 2 页" in text(first) and "共 31 条" in text(first)
    assert client.get("/voices/", {"page": 2}).status_code == 200


# --- Category deadlines ---------------------------------------------------------------------------

def test_street_admin_changes_a_deadline(client, street):
    as_role(client, street, "street_admin")
    prop = category("property")
    prefix = f"c{prop.pk}"
    bad = client.post("/voices/categories/", {"category": prop.pk, f"{prefix}-name": "物业",
                                              f"{prefix}-deadline_days": "0"})
    assert bad.status_code == 200 and "办理时限须在 1 到 365 天之间" in text(bad)
    assert client.post("/voices/categories/", {"category": prop.pk, f"{prefix}-name": "物业",
                                               f"{prefix}-deadline_days": "366"}).status_code == 200
    ok = client.post("/voices/categories/", {"category": prop.pk, f"{prefix}-name": "物业服务",
                                             f"{prefix}-deadline_days": "10"})
    assert ok.status_code == 302
    prop.refresh_from_db()
    assert (prop.name, prop.deadline_days) == ("物业服务", 10)
    entry = AuditEntry.objects.get(action=AuditAction.VOICE_CATEGORY_SAVED)
    assert entry.changes == {"name": ["物业", "物业服务"], "deadline_days": [15, 10]}
    voice = voice_accept(by=street.accounts["community_worker"], voice=submit(street), library="problem",
                         category=prop)
    assert (voice.due_at - voice.responded_at).days == 10


def test_others_read_the_deadlines_only(client, street):
    as_role(client, street, "community_worker")
    page = client.get("/voices/categories/")
    assert "物业" in text(page) and "15 天" in text(page) and "<form" not in page.content.decode().split("</nav>")[-1]
    prop = category("property")
    assert client.post("/voices/categories/", {"category": prop.pk, f"c{prop.pk}-deadline_days": "3"}).status_code == 403
    with pytest.raises(PermissionError):
        voice_category_save(by=street.accounts["community_worker"], category=prop, deadline_days=3)
    with pytest.raises(ValidationError) as error:
        voice_category_save(by=street.accounts["street_admin"], category=prop, deadline_days=3, name="养老")
    assert error.value.message_dict == {"name": ["已有名为“养老”的类别"]}
    assert VoiceCategory.objects.get(pk=prop.pk).deadline_days == 15


# --- The public board -----------------------------------------------------------------------------

def test_the_public_board_needs_no_login_and_shows_nothing_personal(client, street):
    voice = bring_to(street, S.ACCEPTED, kind=VoiceKind.COMPLAINT, text=PROBLEM)
    voice_publish(by=street.accounts["community_worker"], voice=voice, summary="1号楼楼道灯损坏，已安排维修")
    submit(street)  # not published
    response = client.get("/voices/board/BLP-C1/")
    page = text(response)
    assert response.status_code == 200
    assert "八里铺社区 · 群众心声公示栏" in page and "1号楼楼道灯损坏，已安排维修" in page and "已受理" in page
    assert "公开事项 1 件：已办结 0 件，正在办理 1 件" in page
    assert "张三" not in page and PROBLEM not in page and WISH not in page
    assert client.get("/voices/board/BLP-C2/").status_code == 200
    assert "1号楼楼道灯损坏" not in text(client.get("/voices/board/BLP-C2/"))
    assert client.get("/voices/board/BLP-C1-G1/").status_code == 404
    assert client.get("/voices/board/NOPE/").status_code == 404


def test_the_sent_page_tells_what_happens_next(client, street):
    voice = submit(street)
    page = text(as_role(client, street, "resident").get(f"/voices/{voice.pk}/sent/"))
    assert "受理后，您的心愿会出现在心愿墙上" in page and "因为提到：" in page
    assert as_role(client, street, "party_member").get(f"/voices/{voice.pk}/sent/").status_code == 404


@pytest.mark.parametrize("role", ["community_worker", "party_member"])
def test_the_wish_wall_costs_the_same_queries_for_two_wishes_or_eight(client, street, role):
    """The partner units and the member's street are read once for the page, not once a card."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    org_create(by=None, code="BLP-U1", name="科尔沁区供电公司", kind=OrgKind.UNIT, parent=street.street,
               is_co_building_unit=True)
    as_role(client, street, role)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/voices/wishes/").status_code == 200
        return len(captured.captured_queries)

    places = ["小区东门", "3号楼前", "活动室", "菜市场旁", "幼儿园门口", "广场", "车棚", "老年食堂"]
    for place in places[:2]:
        bring_to(street, S.ACCEPTED, text=f"希望在{place}装一排路灯，晚上出门方便")
    two = queries()
    for place in places[2:]:
        bring_to(street, S.ACCEPTED, text=f"希望在{place}装一排路灯，晚上出门方便")
    assert queries() == two
