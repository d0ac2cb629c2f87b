"""The points figures page (积分统计) through the test client: a community worker reads the figures
of ``points_figures``, a street admin the communities side by side with a drill-down, a superior a
street's; residents and other streets are refused; a bad period is a Chinese form error; the
Excel download holds the page's numbers and is audited."""

from __future__ import annotations

import re
from io import BytesIO
from urllib.parse import quote

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from tongxin.core.models import AuditEntry
from tongxin.orgs.models import OrgKind
from tongxin.orgs.services import org_create
from tongxin.people.services import PersonData, person_create
from tongxin.points.actions import PointsAction, earning_rules_default
from tongxin.points.figures import points_figures
from tongxin.points.models import EarningRule, Reward, RewardKind
from tongxin.points.services.ledger import points_award
from tongxin.points.services.store import redemption_cancel, redemption_create, redemption_verify
from tongxin.testing import as_role, make_id_number

pytestmark = pytest.mark.django_db

URL = reverse("points:figures")
EXPORT = reverse("points:figures_export")


@pytest.fixture
def ledger(street):
    """This month: 张三 (community A) a check-in (2), an attendance (10) and a bonus (100), then
    redeems soap twice (30 each): one handed over, one cancelled; 王五 (A) an attendance (10); 李四
    (B) a check-in (2). Another street of the district: 赵六 earns 10."""
    earning_rules_default(by=None, org=street.street)
    EarningRule.objects.create(org=street.street, org_path=street.street.path, action="bonus", points=100)
    a, b, m = street.resident_a, street.resident_b, street.member_a
    points_award(by=None, person=a, action=PointsAction.DAILY_CHECKIN, key="c:a")
    points_award(by=None, person=a, action=PointsAction.ATTENDANCE, key="at:a")
    points_award(by=None, person=a, action="bonus", key="bonus:a")
    points_award(by=None, person=m, action=PointsAction.ATTENDANCE, key="at:m")
    points_award(by=None, person=b, action=PointsAction.DAILY_CHECKIN, key="c:b")
    soap = Reward.objects.create(org=street.community_a, org_path=street.community_a.path, name="洗衣液",
                                 kind=RewardKind.GOODS, cost=30, stock=5)
    worker = street.accounts["community_worker"]
    redemption_verify(by=worker, redemption=redemption_create(by=None, person=a, reward=soap, key="r1"))
    redemption_cancel(by=worker, redemption=redemption_create(by=None, person=a, reward=soap, key="r2"), reason="不要了")

    other = org_create(by=None, code="CQ", name="城区街道", kind=OrgKind.STREET, parent=street.district)
    other_community = org_create(by=None, code="CQ-C1", name="城区社区", kind=OrgKind.COMMUNITY, parent=other)
    earning_rules_default(by=None, org=other)
    zhao = person_create(by=None, data=PersonData(name="赵六", org=other_community, id_number=make_id_number(77)))
    points_award(by=None, person=zhao, action=PointsAction.ATTENDANCE, key="at:z")
    street.other, street.other_community = other, other_community
    return street


def _month():
    today = timezone.localdate()
    return today.replace(day=1), today


def _totals(response) -> dict[str, int]:
    return {key: int(value) for key, value in
            re.findall(r'data-figure="(\w+)">(-?\d+)<', response.content.decode())}


def _table(response, name: str) -> dict[str, dict[str, int]]:
    """The rows of ``data-table=name``: row key → {column: number}."""
    html = response.content.decode()
    body = re.search(rf'data-table="{name}">(.*?)</table>', html, re.DOTALL).group(1)
    return {key: {col: int(n) for col, n in re.findall(r'data-col="(\w+)">(-?\d+)<', row)}
            for key, row in re.findall(r'<tr data-key="([^"]+)">(.*?)</tr>', body, re.DOTALL)}


def _expected_totals(figures) -> dict[str, int]:
    return {"earned": figures.earned, "spent": figures.spent, "refunded": figures.refunded,
            "net": figures.spent - figures.refunded, "participants": figures.participants}


def test_a_community_worker_reads_the_figures_of_the_selector(client, ledger):
    street = ledger
    as_role(client, street, "community_worker")
    page = client.get(URL)
    assert page.status_code == 200
    body = page.content.decode()
    figures = points_figures(street.community_a, *_month())
    assert _totals(page) == _expected_totals(figures) == {
        "earned": 122, "spent": 60, "refunded": 30, "net": 30, "participants": 2}
    assert _table(page, "by_action") == {
        m.key: {"earned": m.earned, "spent": m.spent, "refunded": m.refunded, "net": m.spent - m.refunded}
        for m in figures.by_action}
    assert "每日打卡" in body and "积分兑换" in body
    # The top earners with their names (staff read them), the reward with its statuses in Chinese.
    assert _table(page, "top") == {str(street.resident_a.pk): {"rank": 1, "earned": 112},
                                   str(street.member_a.pk): {"rank": 2, "earned": 10}}
    assert "张三" in body and "王五" in body and "李四" not in body
    soap = _table(page, "rewards")
    assert list(soap.values()) == [{"redemptions": 2, "quantity": 2, "points": 60, "pending": 0, "fulfilled": 1,
                                    "cancelled": 1, "expired": 0}]
    assert "已领取" in body and "已取消" in body
    # Definitions under the tables; the period form in ISO for <input type="date">; the tabs.
    assert "参与人数：统计期内获得过积分的人数" in body
    first, today = _month()
    assert f'value="{first.isoformat()}"' in body and f'value="{today.isoformat()}"' in body
    assert f'href="{reverse("points:figures")}"' in body and "积分台账" in body
    export = f'{EXPORT}?org={street.community_a.pk}&amp;from={first.isoformat()}&amp;to={today.isoformat()}'
    assert export in body and "导出 Excel" in body


def test_a_street_admin_sees_the_communities_side_by_side_and_drills_down(client, ledger):
    street = ledger
    as_role(client, street, "street_admin")
    first, today = _month()
    page = client.get(URL)  # the highest org of the account: its street
    assert page.context["org"] == street.street
    figures = points_figures(street.street, first, today)
    assert _totals(page) == _expected_totals(figures)
    assert _table(page, "by_org") == {
        str(street.community_a.pk): {"earned": 122, "spent": 60, "refunded": 30, "net": 30},
        str(street.community_b.pk): {"earned": 2, "spent": 0, "refunded": 0, "net": 0}}
    body = page.content.decode()
    drill = f"{URL}?org={street.community_b.pk}&amp;from={first.isoformat()}&amp;to={today.isoformat()}"
    assert f'href="{drill}"' in body and "城区街道" not in body
    child = client.get(drill.replace("&amp;", "&"))
    assert child.status_code == 200 and child.context["org"] == street.community_b
    assert _totals(child) == _expected_totals(points_figures(street.community_b, first, today))
    assert _totals(child)["earned"] == 2
    # The crumbs lead back up to the street.
    assert f'href="{URL}?org={street.street.pk}&amp;from=' in child.content.decode()


def test_a_superior_reads_a_streets_figures(client, ledger):
    street = ledger
    as_role(client, street, "superior")
    first, today = _month()
    district = client.get(URL)
    assert district.context["org"] == street.district
    assert _table(district, "by_org") == {
        str(street.street.pk): {"earned": 124, "spent": 60, "refunded": 30, "net": 30},
        str(street.other.pk): {"earned": 10, "spent": 0, "refunded": 0, "net": 0}}
    page = client.get(URL, {"org": street.street.pk, "from": first.isoformat(), "to": today.isoformat()})
    assert page.status_code == 200
    assert _totals(page) == _expected_totals(points_figures(street.street, first, today))
    # No store tabs for a superior, who runs no store; the menu leads here.
    body = page.content.decode()
    assert reverse("points:counter") not in body and f'href="{URL}"' in body


@pytest.mark.parametrize("role, status", [
    ("street_admin", 200), ("community_worker", 200), ("superior", 200), ("grid_worker", 403),
    ("building_head", 403), ("party_member", 403), ("resident", 403), ("auditor", 403),
])
def test_who_may_read_the_figures(client, ledger, role, status):
    as_role(client, ledger, role)
    assert client.get(URL).status_code == status
    assert client.get(EXPORT).status_code == status


def test_the_rule_over_orgs(ledger):
    street = ledger
    worker, admin, superior = (street.accounts[r] for r in ("community_worker", "street_admin", "superior"))
    assert worker.has_perm("points.view_figures", street.community_a)
    assert not worker.has_perm("points.view_figures", street.community_b)
    assert not worker.has_perm("points.view_figures", street.street)
    assert admin.has_perm("points.view_figures", street.street)
    assert not admin.has_perm("points.view_figures", street.other)
    assert superior.has_perm("points.view_figures", street.other_community)
    assert not street.accounts["grid_worker"].has_perm("points.view_figures", street.grid_a1)


def test_an_org_outside_the_account_is_refused_not_replaced(client, ledger):
    street = ledger
    as_role(client, street, "street_admin")
    for org in (street.other, street.other_community, street.district):
        assert client.get(URL, {"org": org.pk}).status_code == 403
        assert client.get(EXPORT, {"org": org.pk}).status_code == 403
    assert client.get(URL, {"org": "nonsense"}).status_code == 403
    as_role(client, street, "community_worker")
    assert client.get(URL, {"org": street.community_b.pk}).status_code == 403
    assert client.get(URL, {"org": street.street.pk}).status_code == 403
    assert not AuditEntry.objects.filter(action="points_figures_exported").exists()


@pytest.mark.parametrize("params, message", [
    ({"from": "2024-13-01", "to": "2024-12-31"}, "日期格式应为 2024-09-10"),
    ({"from": "明天", "to": ""}, "请填写结束日期"),
    ({"from": "2024-06-10", "to": "2024-06-01"}, "结束日期不能早于开始日期"),
    ({"from": "2023-01-01", "to": "2024-06-01"}, "一次最多统计一年"),
])
def test_a_bad_period_is_a_chinese_form_error(client, ledger, params, message):
    as_role(client, ledger, "street_admin")
    for url in (URL, EXPORT):
        page = client.get(url, params)
        assert page.status_code == 400 and message in page.content.decode()
        assert "data-figure" not in page.content.decode()
    assert not AuditEntry.objects.filter(action="points_figures_exported").exists()


def test_a_year_is_allowed(client, ledger):
    as_role(client, ledger, "street_admin")
    assert client.get(URL, {"from": "2024-01-01", "to": "2024-12-31"}).status_code == 200


def test_the_export_holds_the_pages_figures_and_is_audited(client, ledger):
    street = ledger
    as_role(client, street, "street_admin")
    first, today = _month()
    params = {"org": street.street.pk, "from": first.isoformat(), "to": today.isoformat()}
    page = client.get(URL, params)
    response = client.get(EXPORT, params)
    assert response.status_code == 200 and quote("积分统计") in response["Content-Disposition"]
    workbook = load_workbook(BytesIO(b"".join(response.streaming_content)))
    assert workbook.sheetnames == ["汇总", "按事项", "按下级", "积分排行", "兑换商品"]
    for sheet in workbook.worksheets:  # every sheet says which org and which period
        assert [c.value for c in sheet[1][:2]] == ["组织", "八里铺街道"]
        assert sheet["B2"].value == f"{first.isoformat()} 至 {today.isoformat()}"
        assert sheet["A3"].value == "说明" and sheet["B3"].value

    def rows(name: str) -> list[list]:
        return [[c.value for c in row] for row in workbook[name].iter_rows(min_row=6) if row[0].value is not None]

    labels = {"获得积分": "earned", "兑换使用": "spent", "退还": "refunded", "净使用": "net", "参与人数": "participants"}
    assert [c.value for c in workbook["汇总"][5]] == ["项目", "数值"]
    assert {labels[label]: value for label, value in rows("汇总")} == _totals(page)
    names = {str(street.community_a.pk): "八里铺社区", str(street.community_b.pk): "学院社区"}
    assert {row[0]: row[1:] for row in rows("按下级")} == {
        names[key]: [v["earned"], v["spent"], v["refunded"], v["net"]] for key, v in _table(page, "by_org").items()}
    figures = points_figures(street.street, first, today)
    assert {row[0]: row[1:] for row in rows("按事项")} == {
        m.label: [m.earned, m.spent, m.refunded, m.spent - m.refunded] for m in figures.by_action}
    assert rows("积分排行") == [["八里铺社区", 1, "张三", 112], ["八里铺社区", 2, "王五", 10], ["学院社区", 1, "李四", 2]]
    assert [c.value for c in workbook["兑换商品"][5]][:5] == ["商品", "社区", "兑换笔数", "件数", "积分"]
    assert rows("兑换商品") == [["洗衣液", "八里铺社区", 2, 2, 60, 0, 1, 1, 0]]
    entry = AuditEntry.objects.get(action="points_figures_exported")
    assert entry.actor == street.accounts["street_admin"]
    assert entry.changes == {"org": "BLP", "from": first.isoformat(), "to": today.isoformat(), "rows": 15}
