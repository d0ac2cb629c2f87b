"""The pages as a user sees them, through the test client: what each role finds on them, search,
filters, masking of personal data, and the error pages."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.template.loader import get_template
from django.test import RequestFactory
from django.views.defaults import server_error

from tongxin.core.models import AuditEntry
from tongxin.people.services import PersonData, person_create
from tongxin.testing import PASSWORD, as_role, make_id_number, text, title

# An 18-digit ID number or an 11-digit mobile number standing on its own (not inside a token).
FULL_ID = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
FULL_PHONE = re.compile(r"(?<![0-9A-Za-z])1[3-9]\d{9}(?![0-9A-Za-z])")


def listed(response) -> list[str]:
    """Names in the people table, in the order shown."""
    return re.findall(r'<td class="name"[^>]*><a href="/people/\d+/">([^<]+)</a>', response.content.decode())


def assert_chinese_page(response) -> None:
    body = response.content.decode()
    assert body.lstrip().startswith("<!DOCTYPE html>")
    assert '<html lang="zh-Hans">' in body
    assert title(response).endswith("· 同心 Tongxin")


# --- login ---------------------------------------------------------------------------------------

def test_login_page_is_in_chinese(client, db):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert_chinese_page(response)
    assert title(response) == "登录 · 同心 Tongxin"
    page = text(response)
    for words in ("登录同心", "用户名或手机号", "密码", "大字"):
        assert words in page
    assert "退出" not in page  # nobody is logged in


def test_login_with_a_wrong_password_says_so_in_chinese_and_the_right_one_goes_home(client, street):
    wrong = client.post("/accounts/login/", {"username": "grid_worker", "password": "not-the-pass-1"})
    assert wrong.status_code == 200
    assert "用户名或密码错误" in text(wrong)
    right = client.post("/accounts/login/", {"username": "grid_worker", "password": PASSWORD})
    assert right.status_code == 302 and right["Location"] == "/"


@pytest.mark.parametrize("path", ["/", "/orgs/", "/orgs/BLP/", "/people/", "/audit/"])
def test_anonymous_users_are_sent_to_login(client, street, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={path}"


def test_anonymous_users_are_sent_to_login_from_person_and_household(client, street):
    for path in (f"/people/{street.resident_a.pk}/", f"/people/households/{street.household_a.pk}/"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next=")


# --- home, per role ------------------------------------------------------------------------------

STAFF_HOME = {
    # role: (place on the card, role on the card, where the card leads)
    "street_admin": ("八里铺街道", "街道管理员", "/orgs/BLP/"),
    "community_worker": ("八里铺社区", "社区工作者", "/orgs/BLP-C1/"),
    "grid_worker": ("八里铺第一网格", "网格员", "/orgs/BLP-C1-G1/"),
    "building_head": ("1号楼", "楼栋长", "/orgs/BLP-C1-G1-B1/"),
    "superior": ("科尔沁区", "上级/巡回指导组", "/orgs/KEQ/"),
}


@pytest.mark.parametrize("role", STAFF_HOME)
def test_home_shows_staff_their_scopes_and_people_search(client, street, role):
    place, role_name, link = STAFF_HOME[role]
    response = as_role(client, street, role).get("/")
    assert response.status_code == 200
    assert_chinese_page(response)
    assert title(response) == "首页 · 同心 Tongxin"
    body = response.content.decode()
    assert f'href="{link}"' in body
    page = text(response)
    assert f"{place} {role_name}" in page
    assert "人员查询" in page and 'href="/people/"' in body
    assert "我的信息" not in page  # these accounts are not linked to a person
    nav = re.search(r'<nav class="nav".*?</nav>', body, re.S).group(0)
    assert "组织" in nav and "人员" in nav and "审计日志" not in nav


@pytest.mark.parametrize("role, person_attr", [("resident", "resident_a"), ("party_member", "member_a")])
def test_home_shows_residents_and_members_their_own_information(client, street, role, person_attr):
    person = getattr(street, person_attr)
    response = as_role(client, street, role).get("/")
    assert response.status_code == 200
    page = text(response)
    assert f"{person.name}，您好" in page
    assert "我的信息" in page and f'href="/people/{person.pk}/"' in response.content.decode()
    assert "人员查询" not in page
    nav = re.search(r'<nav class="nav".*?</nav>', response.content.decode(), re.S).group(0)
    assert "人员" not in nav and "组织" not in nav
    own = client.get(f"/people/{person.pk}/")
    assert own.status_code == 200 and person.name in text(own)


def test_home_shows_the_system_admin_account_links(client, street):
    response = as_role(client, street, "system_admin").get("/")
    body = response.content.decode()
    page = text(response)
    assert "账号管理" in page and 'href="/admin/accounts/user/"' in body
    assert "角色授权" not in page  # granting roles is the security admin's duty
    assert "组织架构" in page
    assert "人员查询" not in page
    nav = re.search(r'<nav class="nav".*?</nav>', body, re.S).group(0)
    assert "人员" not in nav  # separate duties: the system admin sees no personal data


def test_home_shows_the_security_admin_the_lockouts(client, street):
    response = as_role(client, street, "security_admin").get("/")
    assert "登录失败与锁定" in text(response)
    assert 'href="/accounts/lockouts/"' in response.content.decode()
    assert "角色授权" in text(response) and 'href="/admin/accounts/roleassignment/"' in response.content.decode()
    assert client.get("/accounts/lockouts/").status_code == 200
    nav = re.search(r'<nav class="nav".*?</nav>', response.content.decode(), re.S).group(0)
    assert "登录锁定" in nav and "人员" not in nav and "组织" not in nav


def test_auditor_is_sent_from_home_to_the_audit_log(client, street):
    response = as_role(client, street, "auditor").get("/")
    assert response.status_code == 302 and response["Location"] == "/audit/"
    log = client.get("/audit/")
    assert log.status_code == 200
    assert title(log) == "审计日志 · 同心 Tongxin"


# --- org tree ------------------------------------------------------------------------------------

def test_street_admin_is_taken_to_their_street_and_drills_down_to_households(client, street):
    as_role(client, street, "street_admin")
    start = client.get("/orgs/")
    assert start.status_code == 302 and start["Location"] == "/orgs/BLP/"

    top = client.get("/orgs/BLP/")
    assert top.status_code == 200
    assert title(top) == "八里铺街道 · 同心 Tongxin"
    page = text(top)
    assert "在册人员 3 人" in page
    assert "八里铺社区 社区 2" in page and "学院社区 社区 1" in page

    community = client.get("/orgs/BLP-C1/")
    page = text(community)
    assert "八里铺第一网格 网格 2" in page and "八里铺社区第一党支部 党支部 —" in page  # residents are counted in places only
    assert 'href="/orgs/BLP/"' in community.content.decode()  # the breadcrumb back up

    grid = client.get("/orgs/BLP-C1-G1/")
    assert "1号楼 楼栋 2" in text(grid)

    building = client.get("/orgs/BLP-C1-G1-B1/")
    assert "住户" in text(building)
    assert f'href="/people/households/{street.household_a.pk}/">1-101</a>' in building.content.decode()
    assert "2-202" not in text(building)  # that household is in another building


def test_grid_worker_may_not_open_another_community(client, street):
    as_role(client, street, "grid_worker")
    assert client.get("/orgs/").status_code == 302
    refused = client.get("/orgs/BLP-C2/")
    assert refused.status_code == 403
    assert_chinese_page(refused)
    assert "没有权限" in text(refused)
    assert client.get("/orgs/BLP/").status_code == 403  # nor the street above


def test_unknown_org_is_a_chinese_404(client, street):
    response = as_role(client, street, "street_admin").get("/orgs/NOPE/")
    assert response.status_code == 404
    assert_chinese_page(response)
    assert "页面不存在" in text(response)


# --- people list ---------------------------------------------------------------------------------

@pytest.mark.parametrize("q", ["张", "zs", "ZS", "5678", "138****5678"])
def test_search_finds_by_name_initials_last_digits_and_masked_phone(client, street, q):
    response = as_role(client, street, "street_admin").get("/people/", {"q": q})
    assert response.status_code == 200
    assert listed(response) == ["张三"]
    assert "共 1 人" in text(response)
    assert f'value="{q}"' in response.content.decode()  # the box keeps what was typed


def test_search_with_no_match_says_so(client, street):
    response = as_role(client, street, "street_admin").get("/people/", {"q": "赵"})
    assert listed(response) == []
    assert "没有找到符合条件的人员" in text(response)


def test_people_list_shows_only_the_grid_workers_grid(client, street):
    response = as_role(client, street, "grid_worker").get("/people/")
    assert title(response) == "人员 · 同心 Tongxin"
    assert sorted(listed(response)) == ["张三", "王五"]
    assert listed(client.get("/people/", {"q": "李"})) == []  # 李四 lives in another community


def test_group_and_member_filters(client, street):
    as_role(client, street, "street_admin")
    assert listed(client.get("/people/", {"group": "retired"})) == ["张三"]
    assert listed(client.get("/people/", {"member": "yes"})) == ["王五"]
    assert sorted(listed(client.get("/people/", {"member": "no"}))) == ["张三", "李四"]
    assert listed(client.get("/people/", {"member": "yes", "group": "retired"})) == []
    chosen = client.get("/people/", {"group": "retired", "member": "no"}).content.decode()
    assert '<option value="retired" selected>' in chosen and '<option value="no" selected>' in chosen


def test_org_filter_limits_the_list_to_a_subtree(client, street):
    response = as_role(client, street, "street_admin").get("/people/", {"org": "BLP-C2"})
    assert listed(response) == ["李四"]
    assert "人员 · 学院社区" in text(response)


@pytest.mark.parametrize("sort, expected", [
    ("place", ["王五", "张三", "李四"]),  # 1号楼 before 7号楼, then by name
    ("name", ["李四", "王五", "张三"]),  # by pinyin initials: ls, ww, zs
    ("birth", ["王五", "张三", "李四"]),  # the eldest first
    ("new", ["王五", "李四", "张三"]),  # last registered first
])
def test_sort_options(client, street, sort, expected):
    response = as_role(client, street, "street_admin").get("/people/", {"sort": sort})
    assert listed(response) == expected
    assert f'<option value="{sort}" selected>' in response.content.decode()


def test_pagination_keeps_the_search_and_filters(client, street):
    given = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红娥玲芬燕彬鹏辉飞"
    assert len(given) == 35
    for i, char in enumerate(given):
        person_create(by=None, data=PersonData(
            name=f"张{char}", org=street.building_a1, id_number=make_id_number(100 + i, "19600101"),
            groups=["retired"]))
    person_create(by=None, data=PersonData(name="张不退", org=street.building_a1))  # not retired
    as_role(client, street, "street_admin")
    first = client.get("/people/", {"q": "张", "group": "retired", "member": "no", "sort": "name"})
    assert first.context["page"].paginator.count == 36  # 35 above and 张三
    assert len(listed(first)) == 30
    assert "第 1 / 2 页" in text(first)
    next_href = re.search(r'href="(\?[^"]+)">下一页', first.content.decode()).group(1).replace("&amp;", "&")
    assert parse_qs(urlsplit(next_href).query) == {
        "q": ["张"], "group": ["retired"], "member": ["no"], "sort": ["name"], "page": ["2"]}

    second = client.get("/people/" + next_href)
    names = listed(second)
    assert len(names) == 6 and all(name.startswith("张") for name in names)
    assert "张不退" not in names + listed(first)
    assert set(names).isdisjoint(listed(first))
    assert "第 2 / 2 页" in text(second)
    back = re.search(r'href="(\?[^"]+)">‹ 上一页', second.content.decode()).group(1).replace("&amp;", "&")
    assert parse_qs(urlsplit(back).query)["group"] == ["retired"]


# --- person and household ------------------------------------------------------------------------

def test_person_page_shows_masked_values_and_no_reveal_to_a_grid_worker(client, street):
    person = street.resident_a
    response = as_role(client, street, "grid_worker").get(f"/people/{person.pk}/")
    assert response.status_code == 200
    assert title(response) == "张三 · 同心 Tongxin"
    page = text(response)
    masked_id = person.id_number[:4] + "*" * 10 + person.id_number[-4:]
    assert masked_id.startswith("1505**********")
    assert f"身份证号 {masked_id}" in page
    assert "手机号 138****5678" in page
    assert "退休人员" in page
    assert "查看完整" not in page
    # Breadcrumbs lead only where the grid worker may go: from their grid down.
    crumbs = re.search(r'<nav class="crumbs".*?</nav>', response.content.decode(), re.S).group(0)
    assert 'href="/orgs/BLP-C1-G1/"' in crumbs and 'href="/orgs/BLP/"' not in crumbs
    assert client.post(f"/people/{person.pk}/reveal/", {"field": "id_number"}).status_code == 403


def test_community_worker_can_reveal_and_each_reveal_is_audited(client, street):
    person = street.resident_a
    worker = street.accounts["community_worker"]
    response = as_role(client, street, "community_worker").get(f"/people/{person.pk}/")
    page = text(response)
    assert re.findall(r'data-reveal="(\w+)"', response.content.decode()) == ["id_number", "phone"]
    assert "会记入审计日志" in page
    assert person.id_number not in response.content.decode()  # only on request

    before = AuditEntry.objects.filter(action="person_revealed").count()
    full_id = client.post(f"/people/{person.pk}/reveal/", {"field": "id_number"})
    assert full_id.status_code == 200 and full_id.json() == {"value": person.id_number}
    full_phone = client.post(f"/people/{person.pk}/reveal/", {"field": "phone"})
    assert full_phone.json() == {"value": "13812345678"}
    entries = AuditEntry.objects.filter(action="person_revealed").order_by("id")
    assert entries.count() == before + 2
    assert [(e.actor, e.changes) for e in entries][-2:] == [
        (worker, {"field": "id_number"}), (worker, {"field": "phone"})]

    assert client.get(f"/people/{person.pk}/reveal/").status_code == 405
    assert client.post(f"/people/{person.pk}/reveal/", {"field": "name"}).status_code == 404


def test_member_page_shows_branch_and_home_delivery(client, street):
    response = as_role(client, street, "community_worker").get(f"/people/{street.member_a.pk}/")
    page = text(response)
    assert "王五 正式党员" in page
    assert "所在支部 八里铺社区第一党支部" in page
    assert "入党日期 1970-07-01" in page
    assert "送学上门" in page


def test_person_out_of_scope_is_a_404(client, street):
    response = as_role(client, street, "grid_worker").get(f"/people/{street.resident_b.pk}/")
    assert response.status_code == 404
    assert_chinese_page(response)
    assert "李四" not in text(response)


def test_household_page_lists_its_members(client, street):
    response = as_role(client, street, "grid_worker").get(f"/people/households/{street.household_a.pk}/")
    assert response.status_code == 200
    assert title(response) == "1号楼 1-101 · 同心 Tongxin"
    assert sorted(listed(response)) == ["张三", "王五"]
    page = text(response)
    assert "138****5678" in page and "137****1111" in page
    other = client.get(f"/people/households/{street.household_b.pk}/")
    assert other.status_code == 404


def test_grid_worker_never_receives_a_full_id_or_phone_number(client, street):
    as_role(client, street, "grid_worker")
    pages = [
        "/", "/orgs/BLP-C1-G1/", "/orgs/BLP-C1-G1-B1/",
        "/people/", "/people/?q=zs", "/people/?q=5678", "/people/?q=138****5678", "/people/?sort=birth",
        f"/people/{street.resident_a.pk}/", f"/people/{street.member_a.pk}/",
        f"/people/households/{street.household_a.pk}/",
    ]
    secrets = [v for p in (street.resident_a, street.resident_b, street.member_a) for v in (p.id_number, p.phone)]
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        body = response.content.decode()
        assert not FULL_ID.search(body), path
        assert not FULL_PHONE.search(body), path
        for secret in secrets:
            assert secret not in body, path
    assert "1505**********" in client.get(f"/people/{street.resident_a.pk}/").content.decode()


# --- pages every role meets ----------------------------------------------------------------------

def test_large_text_switch_is_on_every_page(client, street):
    assert "data-large-text-toggle" in client.get("/accounts/login/").content.decode()
    as_role(client, street, "grid_worker")
    for path in ("/", "/people/", f"/people/{street.resident_a.pk}/", "/orgs/BLP-C1-G1/"):
        body = client.get(path).content.decode()
        assert 'data-large-text-toggle aria-pressed="false"' in body
        assert "tongxin/site.js" in body and "tongxin/site.css" in body


def test_server_error_page_is_chinese_and_needs_neither_database_nor_request(rf: RequestFactory):
    # No database fixture: pytest-django refuses any query here, as a broken database would.
    html = get_template("500.html").render()
    response = server_error(rf.get("/"))
    assert response.status_code == 500
    for body in (html, response.content.decode()):
        assert '<html lang="zh-Hans">' in body
        assert "系统暂时出错" in body and "返回首页" in body
