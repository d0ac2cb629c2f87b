"""The visit and good-deed pages through the test client: which role opens which page, recording a
visit on the phone form (typed items kept on an error and on "再加一条"), the list's search,
filters and sort, coverage with drill-down, the to-do, and no full ID or phone number in any page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from tongxin.accounts.models import Role
from tongxin.core.tests.test_browser import PHONE, _log_in, _new_page, _page_fits_width, _screenshot, browser  # noqa: F401  (browser is the shared Chromium fixture)
from tongxin.orgs.services import household_create
from tongxin.testing import as_role, text, title
from tongxin.voices.models import DeedKind, GoodDeed, Visit, VisitReason, Voice
from tongxin.voices.services.deeds import good_deed_record
from tongxin.voices.services.visits import visit_record

ALL_ROLES = [role.value for role in Role]
RECORDERS = {"street_admin", "community_worker", "grid_worker", "building_head"}
VIEWERS = RECORDERS | {"superior"}


def html(response) -> str:
    return response.content.decode()


def minute(**delta):
    return timezone.localtime().replace(second=0, microsecond=0) - timedelta(**delta)


def visit_post(*, items=(), total=3, **fields) -> dict:
    """The visit form as a browser sends it: ``items`` fill the first rows, the rest stay empty."""
    data = {"visited_at": minute(minutes=5).strftime("%Y-%m-%dT%H:%M"), "notes": "", "campaign": "",
            "heard-TOTAL_FORMS": str(total), "heard-INITIAL_FORMS": "0", "heard-MIN_NUM_FORMS": "0",
            "heard-MAX_NUM_FORMS": "20"}
    for i in range(total):
        item = items[i] if i < len(items) else {}
        data[f"heard-{i}-kind"] = item.get("kind", "opinion")
        data[f"heard-{i}-text"] = item.get("text", "")
        data[f"heard-{i}-person"] = item.get("person", "")
        if item.get("urgent"):
            data[f"heard-{i}-urgent"] = "on"
    data.update(fields)
    return data


@pytest.fixture
def visits(street, campaign):
    """A visit to 张三's household with two items heard, and one to 李四's, both in the campaign."""
    first = visit_record(by=street.accounts["grid_worker"], household=street.household_a, visited_at=minute(days=2),
                         reasons=[VisitReason.OLD_SICK], notes="王五腿脚不便，家属电话13812345678", campaign=campaign,
                         heard=[{"kind": "wish", "text": "希望有人上门理发，联系13700001111",
                                 "person": street.member_a},
                                {"kind": "opinion", "text": "楼道堆物太多，消防通道不畅", "urgent": True}])
    second = visit_record(by=street.accounts["street_admin"], household=street.household_b,
                          visited_at=minute(days=1), reasons=[], campaign=campaign)
    return first, second


def assert_no_personal_numbers(page: str, street) -> None:
    for person in (street.resident_a, street.resident_b, street.member_a):
        assert person.id_number not in page and person.id_number[:17] not in page
        assert person.phone not in page


# --- Who opens which page -----------------------------------------------------------------------

PAGES = {
    "/voices/visits/new/": RECORDERS,
    "/voices/visits/todo/": RECORDERS,
    "/voices/visits/": VIEWERS,
    "/voices/visits/coverage/": VIEWERS,
    "/voices/deeds/": VIEWERS | {"party_member", "resident"},
    "/voices/deeds/new/": {"street_admin", "community_worker", "party_member", "resident"},
}


@pytest.mark.parametrize("url", PAGES)
@pytest.mark.parametrize("role", ALL_ROLES)
def test_each_role_opens_the_pages_it_is_for_and_no_other(client, street, visits, url, role):
    response = as_role(client, street, role).get(url)
    assert response.status_code == (200 if role in PAGES[url] else 403)
    if response.status_code == 200:
        assert_no_personal_numbers(html(response), street)


def test_anonymous_is_sent_to_login(client, street):
    for url in PAGES:
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response.url


@pytest.mark.parametrize("role, status", [
    ("street_admin", 200), ("superior", 200), ("community_worker", 200), ("grid_worker", 200),
    ("building_head", 200), ("party_member", 404), ("resident", 404), ("system_admin", 404),
])
def test_a_visit_opens_for_those_over_its_place_or_who_made_it(client, street, visits, role, status):
    first, _second = visits
    assert as_role(client, street, role).get(f"/voices/visits/{first.pk}/").status_code == status


def test_a_visit_of_another_community_is_not_found(client, street, visits):
    _first, second = visits
    assert as_role(client, street, "community_worker").get(f"/voices/visits/{second.pk}/").status_code == 404


# --- A visit and the list -----------------------------------------------------------------------

def test_the_visit_page_shows_what_was_heard_with_numbers_masked(client, street, visits):
    first, _second = visits
    response = as_role(client, street, "community_worker").get(f"/voices/visits/{first.pk}/")
    page = text(response)
    assert title(response).startswith("走访记录")
    assert "1号楼 1-101" in page and "grid_worker" in page and "老弱病必访（问身体健康）" in page
    assert "家属电话138****5678" in page and "联系137****1111" in page
    assert "听取的意见（2 条）" in page and "急难愁盼" in page and "王五" in page
    assert_no_personal_numbers(html(response), street)


def test_the_list_searches_filters_and_sorts(client, street, visits):
    as_role(client, street, "street_admin")
    page = text(client.get("/voices/visits/"))
    assert "走访 2 次，2 户，听取意见建议 2 条" in page
    assert "1-101" in page and "2-202" in page and "138****5678" in page

    def rows(url):
        return re.findall(r'<td class="name" data-label="走访户"><a [^>]+>([^<]+)</a>', html(client.get(url)))

    assert rows("/voices/visits/?q=101") == ["1号楼 1-101"]
    assert rows("/voices/visits/?q=李") == ["7号楼 2-202"]
    assert rows("/voices/visits/?reason=old_sick") == ["1号楼 1-101"]
    assert rows("/voices/visits/?reason=ordinary") == ["7号楼 2-202"]
    assert rows(f"/voices/visits/?visitor={street.accounts['grid_worker'].pk}") == ["1号楼 1-101"]
    assert rows("/voices/visits/?org=BLP-C2") == ["7号楼 2-202"]
    assert rows("/voices/visits/?sort=-date") == ["7号楼 2-202", "1号楼 1-101"]
    assert rows("/voices/visits/?sort=date") == ["1号楼 1-101", "7号楼 2-202"]
    assert rows("/voices/visits/?sort=-heard") == ["1号楼 1-101", "7号楼 2-202"]
    since = timezone.localdate() - timedelta(days=1)
    assert rows(f"/voices/visits/?since={since.isoformat()}") == ["7号楼 2-202"]
    assert as_role(client, street, "community_worker").get("/voices/visits/?org=BLP-C2").status_code == 403


def test_the_list_pages(client, street):
    for n in range(31):
        household = household_create(by=None, org=street.building_a1, number=f"9-{n:03d}")
        visit_record(by=street.accounts["grid_worker"], household=household, visited_at=minute(minutes=n + 1))
    as_role(client, street, "grid_worker")
    first = text(client.get("/voices/visits/"))
    assert "第 1 / 2 页" in first and "9-000" in first and "9-030" not in first
    assert "9-030" in text(client.get("/voices/visits/?page=2"))


# --- Recording a visit on the phone -------------------------------------------------------------

def test_the_grid_worker_finds_the_household_by_number_or_name(client, street, visits):
    as_role(client, street, "grid_worker")
    link = f'href="/voices/visits/new/?household={street.household_a.pk}"'
    assert link in html(client.get("/voices/visits/new/?q=1-10"))
    assert link in html(client.get("/voices/visits/new/?q=张"))
    assert link in html(client.get("/voices/visits/new/?q=ww"))
    outside = html(client.get("/voices/visits/new/?q=李"))
    assert f"household={street.household_b.pk}" not in outside and "没有找到" in outside
    assert client.get(f"/voices/visits/new/?household={street.household_b.pk}").status_code == 404
    assert client.get("/voices/visits/new/?household=abc").status_code == 404


def test_a_new_form_starts_with_three_empty_items_and_the_residents(client, street):
    response = as_role(client, street, "building_head").get(f"/voices/visits/new/?household={street.household_a.pk}")
    page = html(response)
    assert page.count('class="heard-item"') == 3 + 1  # three rows, and the template "再加一条" copies
    assert "再加一条" in page and 'name="heard-TOTAL_FORMS" value="3"' in page
    assert "张三" in page and "王五" in page and "困难户必访（问衣食住行）" in page
    assert_no_personal_numbers(page, street)


def test_recording_a_visit_saves_the_visit_and_the_filled_items_only(client, street, campaign):
    as_role(client, street, "grid_worker")
    data = visit_post(items=[{"kind": "difficulty", "text": "屋顶漏雨，下雨天没法住", "urgent": True,
                              "person": str(street.resident_a.pk)},
                             {}, {"kind": "suggestion", "text": "建议增加社区食堂"}],
                      reasons=["hardship", "old_sick"], notes="两位老人在家", campaign=str(campaign.pk))
    response = client.post(f"/voices/visits/new/?household={street.household_a.pk}", data)
    visit = Visit.objects.get()
    assert response.status_code == 302 and response.url == f"/voices/visits/{visit.pk}/"
    assert visit.reasons == ["hardship", "old_sick"] and visit.notes == "两位老人在家" and visit.campaign == campaign
    assert [(v.kind, v.urgent, v.person) for v in visit.voices.order_by("id")] == [
        ("difficulty", True, street.resident_a), ("suggestion", False, None)]
    assert "登记群众心声 2 条" in text(client.get(response.url))
    # The same form sent again (a double tap) records nothing new.
    client.post(f"/voices/visits/new/?household={street.household_a.pk}", data)
    assert Visit.objects.count() == 1 and Voice.objects.count() == 2


def test_from_the_to_do_the_form_leads_back_to_it(client, street):
    as_role(client, street, "grid_worker")
    todo = html(client.get("/voices/visits/todo/"))
    link = f"/voices/visits/new/?household={street.household_a.pk}&amp;from=todo"
    assert link in todo and "还有 1 户未走访" in text(client.get("/voices/visits/todo/"))
    response = client.post(link.replace("&amp;", "&"), visit_post())
    assert response.status_code == 302 and response.url == "/voices/visits/todo/"
    assert "还有 0 户未走访" in text(client.get(response.url))


def test_a_bad_item_shows_its_error_and_keeps_everything_typed(client, street):
    as_role(client, street, "grid_worker")
    data = visit_post(items=[{"kind": "wish", "text": "希望小区增设充电桩"}, {"kind": "complaint", "text": "吵"}],
                      reasons=["petitioner"], notes="上访户情绪稳定")
    response = client.post(f"/voices/visits/new/?household={street.household_a.pk}", data)
    assert response.status_code == 200
    page = html(response)
    assert "请把要反映的事情写清楚（至少 4 个字）" in page
    assert "希望小区增设充电桩</textarea>" in page and "\n吵</textarea>" in page and "上访户情绪稳定</textarea>" in page
    assert re.search(r'<option value="complaint" selected>', page)
    assert re.search(r'value="petitioner"[^>]*checked', page)
    assert not Visit.objects.exists() and not Voice.objects.exists()


def test_a_future_time_is_refused_on_its_field_keeping_the_items(client, street):
    as_role(client, street, "grid_worker")
    later = (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    data = visit_post(items=[{"kind": "opinion", "text": "希望路灯早点修好"}], visited_at=later)
    page = html(client.post(f"/voices/visits/new/?household={street.household_a.pk}", data))
    assert "走访时间不能晚于现在" in page and "希望路灯早点修好</textarea>" in page
    assert not Visit.objects.exists()


def test_one_more_row_without_script_keeps_what_was_typed(client, street):
    as_role(client, street, "grid_worker")
    items = [{"kind": "wish", "text": "希望加装电梯"}, {"kind": "opinion", "text": "物业收费不透明"},
             {"kind": "difficulty", "text": "孩子上学接送困难"}]
    data = visit_post(items=items, more="1", notes="一家五口")
    response = client.post(f"/voices/visits/new/?household={street.household_a.pk}", data)
    assert response.status_code == 200 and not Visit.objects.exists()
    page = html(response)
    assert 'name="heard-TOTAL_FORMS" value="4"' in page and 'name="heard-3-text"' in page
    for item in items:
        assert f"{item['text']}</textarea>" in page
    assert "一家五口</textarea>" in page and "field-error" not in page
    data = visit_post(items=[*items, {"kind": "suggestion", "text": "建议建老年食堂"}], total=4)
    assert client.post(f"/voices/visits/new/?household={street.household_a.pk}", data).status_code == 302
    assert Visit.objects.get().voices.count() == 4


# --- Coverage and the to-do ---------------------------------------------------------------------

def test_coverage_drills_down_from_the_street_to_a_grid_and_its_households(client, street, visits):
    household_create(by=None, org=street.building_a1, number="1-102", in_hardship=True)
    household_create(by=None, org=street.building_a1, number="1-103")
    as_role(client, street, "street_admin")
    page = text(client.get("/voices/visits/coverage/"))
    assert "走访覆盖 · 八里铺街道" in page
    assert "总户数 4 已走访 2 未走访 2 走访覆盖率 50.0%" in page
    assert "困难户 1 困难户已走访 0 困难户未走访 1 困难户走访率 0.0%" in page
    assert "八里铺社区 3 1 2" in page and "学院社区 1 1 0" in page
    community = text(client.get("/voices/visits/coverage/?org=BLP-C1"))
    assert "八里铺第一网格 3 1 2" in community
    grid = text(client.get("/voices/visits/coverage/?org=BLP-C1-G1"))
    assert "1号楼 3 1 2" in grid
    building = text(client.get("/voices/visits/coverage/?org=BLP-C1-G1-B1"))
    assert "尚未走访的户（2 户，困难户在前）" in building
    assert building.index("1-102") < building.index("1-103")
    assert "从未走访" in building


def test_coverage_of_a_place_outside_the_account_is_forbidden(client, street, visits):
    as_role(client, street, "community_worker")
    assert "走访覆盖 · 八里铺社区" in text(client.get("/voices/visits/coverage/"))
    assert client.get("/voices/visits/coverage/?org=BLP-C2").status_code == 403
    assert client.get("/voices/visits/coverage/?org=BLP").status_code == 403
    assert client.get("/voices/visits/coverage/?org=NOPE").status_code == 404


def test_coverage_defaults_to_the_campaign_and_can_count_all_time(client, street, campaign, visits):
    household = household_create(by=None, org=street.building_a1, number="1-104")
    visit_record(by=street.accounts["grid_worker"], household=household, visited_at=minute(weeks=6))
    as_role(client, street, "street_admin")
    assert "已走访 2" in text(client.get("/voices/visits/coverage/"))
    assert "已走访 3" in text(client.get("/voices/visits/coverage/?campaign="))
    assert "统计期间：全部时间" in text(client.get("/voices/visits/coverage/?campaign="))


def test_the_to_do_lists_hardship_households_first_and_stays_in_the_grid(client, street, campaign):
    household_create(by=None, org=street.building_a1, number="1-109")
    household_create(by=None, org=street.building_a1, number="1-110", in_hardship=True)
    as_role(client, street, "grid_worker")
    response = client.get("/voices/visits/todo/")
    page = text(response)
    assert "还有 3 户未走访" in page and "困难户 0/1 户" in page
    assert page.index("1-110") < page.index("1-101") < page.index("1-109")
    assert "2-202" not in page  # 李四's household is in another community
    assert "张三、王五" in page
    assert_no_personal_numbers(html(response), street)


# --- Good deeds ---------------------------------------------------------------------------------

def test_a_member_records_their_own_deed_on_the_phone(client, street, campaign):
    as_role(client, street, "party_member")
    form = html(client.get("/voices/deeds/new/"))
    assert "登记我办的好事实事" in form and "党员办好一件实事" in form
    response = client.post("/voices/deeds/new/", {
        "kind": "member", "what": "帮邻居老人修好了电视", "for_whom": "1号楼独居老人",
        "done_on": timezone.localdate().isoformat(), "campaign": str(campaign.pk)})
    assert response.status_code == 302 and response.url == "/voices/deeds/"
    made = GoodDeed.objects.get()
    assert (made.person, made.kind, made.campaign) == (street.member_a, "member", campaign)
    assert "帮邻居老人修好了电视" in text(client.get("/voices/deeds/"))


def test_a_resident_is_offered_only_the_small_deed_and_keeps_input_on_error(client, street):
    as_role(client, street, "resident")
    form = html(client.get("/voices/deeds/new/"))
    assert 'value="resident"' in form and 'value="member"' not in form
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    response = client.post("/voices/deeds/new/", {"kind": "resident", "what": "打扫了单元门口", "done_on": tomorrow})
    assert response.status_code == 200 and "日期不能晚于今天" in html(response)
    assert "打扫了单元门口</textarea>" in html(response) and not GoodDeed.objects.exists()


def test_staff_find_the_person_then_record(client, street):
    as_role(client, street, "community_worker")
    pick = html(client.get("/voices/deeds/new/"))
    assert f'href="?person={street.member_a.pk}"' in pick  # members are offered first
    assert f"?person={street.resident_a.pk}" in html(client.get("/voices/deeds/new/?q=zs"))
    assert client.get(f"/voices/deeds/new/?person={street.resident_b.pk}").status_code == 404
    response = client.post(f"/voices/deeds/new/?person={street.resident_a.pk}", {
        "kind": "resident", "what": "义务清扫楼道", "done_on": timezone.localdate().isoformat()})
    assert response.status_code == 302 and GoodDeed.objects.get().person == street.resident_a


def test_the_deed_list_counts_filters_and_shows_each_their_own(client, street):
    today = timezone.localdate()
    good_deed_record(by=street.accounts["party_member"], kind=DeedKind.MEMBER, person=street.member_a,
                     what="帮老人代缴电费，电话13700001111", done_on=today)
    good_deed_record(by=street.accounts["resident"], kind=DeedKind.RESIDENT, person=street.resident_a,
                     what="清理楼道小广告", done_on=today - timedelta(days=2))
    good_deed_record(by=street.accounts["street_admin"], kind=DeedKind.RESIDENT, person=street.resident_b,
                     what="教邻居用智能手机", done_on=today)
    as_role(client, street, "street_admin")
    page = text(client.get("/voices/deeds/"))
    assert "合计 3 件，3 人" in page and "党员办好一件实事 1 1" in page and "居民办好一件小事 2 2" in page
    assert "137****1111" in page and "13700001111" not in page
    assert "教邻居" not in text(client.get("/voices/deeds/?kind=member")).split("所在")[-1]
    assert "清理楼道小广告" in text(client.get("/voices/deeds/?q=zs"))
    assert "教邻居" not in text(client.get("/voices/deeds/?org=BLP-C1")).split("所在")[-1]
    mine = text(as_role(client, street, "resident").get("/voices/deeds/"))
    assert "我办的好事实事" in mine and "清理楼道小广告" in mine and "代缴电费" not in mine


# --- In a real browser, on a phone --------------------------------------------------------------

@pytest.mark.browser
def test_a_grid_worker_records_a_visit_from_the_to_do_on_a_phone(live_server, street, browser):  # noqa: F811
    page, errors = _new_page(browser, viewport=PHONE, phone=True)
    _log_in(page, live_server.url, "grid_worker")
    page.goto(f"{live_server.url}/voices/visits/todo/")
    assert _page_fits_width(page)
    page.get_by_role("link", name="记录走访").first.click()
    page.wait_for_url("**/voices/visits/new/?household=*")
    page.get_by_label("老弱病必访（问身体健康）").check()
    page.locator("#id_heard-0-text").fill("楼道灯坏了，晚上看不清台阶")
    page.locator("#id_heard-0-urgent").check()
    # "再加一条" adds a fourth row in place; what is typed above stays.
    page.get_by_role("button", name="＋ 再加一条").click()
    assert page.locator(".heard-item:not(template .heard-item)").count() == 4
    assert page.locator("#id_heard-0-text").input_value() == "楼道灯坏了，晚上看不清台阶"
    page.locator("#id_heard-3-kind").select_option("wish")
    page.locator("#id_heard-3-text").fill("希望社区组织老人体检")
    assert page.locator("#id_heard-3-text").evaluate("el => el === document.activeElement")
    assert _page_fits_width(page)
    _screenshot(page, "voices-visit-form-phone")
    page.get_by_role("button", name="保存走访记录").click()
    page.wait_for_url(f"{live_server.url}/voices/visits/todo/")
    assert "登记群众心声 2 条" in page.locator(".messages").inner_text()
    visit = Visit.objects.get()
    assert visit.reasons == ["old_sick"]
    assert [(v.kind, v.urgent, v.text) for v in visit.voices.order_by("id")] == [
        ("opinion", True, "楼道灯坏了，晚上看不清台阶"), ("wish", False, "希望社区组织老人体检")]
    assert errors == []
