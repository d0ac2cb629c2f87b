"""The pages of deliveries, materials, reflections and bulletins through the test client: they
render for the roles they are for, refuse the others, search and sort, post through the
services, and the Excel exports open with openpyxl."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from tongxin.core.models import AuditEntry
from tongxin.learning.models import (
    Bulletin, Delivery, DeliveryKind, Distribution, Material, MaterialKind, Reflection, ReflectionStatus,
)
from tongxin.learning.services.bulletins import bulletin_create
from tongxin.learning.services.deliveries import delivery_record
from tongxin.learning.services.materials import distribution_record, material_create
from tongxin.learning.services.reflections import ReviewDecision, reflection_review, reflection_submit
from tongxin.people.services import PersonData, person_create

from .test_deliveries import make_partner

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TEXT = "通过学习，我深刻认识到感党恩、听党话、跟党走的重要意义。"


def login(client, street, role: str):
    client.force_login(street.accounts[role])
    return client


def html(response) -> str:
    return response.content.decode()


def _rows(response) -> list[dict]:
    body = b"".join(response.streaming_content)
    sheet = load_workbook(io.BytesIO(body)).active
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], r)) for r in rows[1:]]


@pytest.fixture
def records(street, campaign):
    """Two deliveries, a pocket-book stock with one copy handed out, a reflection, a bulletin."""
    admin = street.accounts["street_admin"]
    material = material_create(by=admin, org=street.street, title="口袋书（第一辑）", kind=MaterialKind.POCKET_BOOK,
                               stock=10, campaign=campaign)
    earlier = timezone.now() - timedelta(days=2)
    home = delivery_record(by=street.accounts["grid_worker"], person=street.member_a, kind=DeliveryKind.HOME,
                           campaign=campaign, delivered_at=earlier, note="=HYPERLINK(\"http://x\",\"点我\")")
    book = delivery_record(by=admin, person=street.resident_a, kind=DeliveryKind.POCKET_BOOK, material=material,
                           campaign=campaign, note="家属电话13812345678")
    reflection = reflection_submit(by=street.accounts["resident"], title="我的学习体会", text=TEXT, campaign=campaign)
    bulletin = bulletin_create(by=admin, org=street.street, campaign=campaign, title="八里铺街道主题教育简报",
                               body="第一段。\n\n第二段：送学上门 1 人次。")
    return {"material": material, "home": home, "book": book, "reflection": reflection, "bulletin": bulletin}


# --- Who sees which page ------------------------------------------------------------------------

STAFF_PAGES = ["/learning/deliveries/", "/learning/materials/", "/learning/bulletins/"]


@pytest.mark.parametrize("role", ["street_admin", "community_worker", "grid_worker", "building_head", "superior"])
@pytest.mark.parametrize("url", STAFF_PAGES)
def test_staff_lists_render(client, street, records, role, url):
    response = login(client, street, role).get(url)
    assert response.status_code == 200


@pytest.mark.parametrize("role", ["resident", "party_member", "system_admin", "auditor"])
@pytest.mark.parametrize("url", STAFF_PAGES + ["/learning/reflections/", "/learning/materials/new/",
                                               "/learning/bulletins/new/", "/learning/deliveries/new/"])
def test_staff_pages_refuse_members_residents_and_duty_roles(client, street, records, role, url):
    assert login(client, street, role).get(url).status_code == 403


@pytest.mark.parametrize("role, status", [
    ("street_admin", 200), ("community_worker", 200), ("superior", 200), ("grid_worker", 403),
    ("building_head", 403),
])
def test_review_queue_is_for_reviewers_and_superiors(client, street, records, role, status):
    assert login(client, street, role).get("/learning/reflections/").status_code == status


def test_anonymous_is_sent_to_login(client, records):
    response = client.get("/learning/deliveries/")
    assert response.status_code == 302 and "/accounts/login/" in response.url


# --- Deliveries -----------------------------------------------------------------------------------

def test_delivery_list_shows_counts_by_way_and_search_by_name_and_initials(client, street, records):
    login(client, street, "community_worker")
    page = html(client.get("/learning/deliveries/"))
    assert "王五" in page and "张三" in page and "合计 2 人次，2 人" in page
    page = html(client.get("/learning/deliveries/?q=张"))
    assert "张三" in page and "王五" not in page.split("<tbody>")[-1]
    page = html(client.get("/learning/deliveries/?q=ww"))
    assert "王五" in page.split("</caption>")[-1] and "张三" not in page.split("</caption>")[-1]
    page = html(client.get("/learning/deliveries/?kind=pocket_book"))
    assert "张三" in page and "<td class=\"name\" data-label=\"对象\">王五</td>" not in page


def test_delivery_list_sorts(client, street, records):
    login(client, street, "community_worker")
    names = lambda p: re.findall(r'<td class="name" data-label="对象">(.+?)</td>', p)  # noqa: E731
    assert names(html(client.get("/learning/deliveries/?sort=-date"))) == ["张三", "王五"]
    assert names(html(client.get("/learning/deliveries/?sort=date"))) == ["王五", "张三"]
    assert names(html(client.get("/learning/deliveries/?sort=name"))) == ["王五", "张三"]  # w before z


def test_delivery_list_of_a_grid_worker_stays_in_their_grid(client, street, records):
    delivery_record(by=street.accounts["street_admin"], person=street.resident_b, kind=DeliveryKind.ONLINE)
    page = html(login(client, street, "grid_worker").get("/learning/deliveries/"))
    assert "王五" in page and "李四" not in page


def test_delivery_list_filters_by_period(client, street, records):
    login(client, street, "community_worker")
    today = timezone.localdate()
    page = html(client.get(f"/learning/deliveries/?since={today.isoformat()}"))
    assert "合计 1 人次，1 人" in page


def test_grid_worker_records_a_home_delivery_on_the_phone(client, street, campaign):
    login(client, street, "grid_worker")
    step1 = html(client.get("/learning/deliveries/new/"))
    assert f'href="?person={street.member_a.pk}"' in step1  # 王五 needs study at home: offered first
    form = client.get(f"/learning/deliveries/new/?person={street.member_a.pk}")
    assert form.status_code == 200 and "form-card" in html(form)
    when = timezone.localtime().replace(second=0, microsecond=0) - timedelta(minutes=10)
    response = client.post(f"/learning/deliveries/new/?person={street.member_a.pk}", {
        "kind": "home", "delivered_at": when.strftime("%Y-%m-%dT%H:%M"), "campaign": campaign.pk,
        "note": "带读第一章",
    })
    assert response.status_code == 302 and response.url == "/learning/deliveries/new/"
    delivery = Delivery.objects.get()
    assert (delivery.person, delivery.kind, delivery.campaign, delivery.note) == (
        street.member_a, "home", campaign, "带读第一章")
    assert delivery.delivered_at == when
    # The same form sent again records nothing new.
    client.post(f"/learning/deliveries/new/?person={street.member_a.pk}", {
        "kind": "home", "delivered_at": when.strftime("%Y-%m-%dT%H:%M"), "campaign": campaign.pk,
        "note": "带读第一章"})
    assert Delivery.objects.count() == 1


def test_zero_stock_is_shown_on_the_material_field(client, street):
    material = material_create(by=None, org=street.street, title="口袋书", kind=MaterialKind.POCKET_BOOK, stock=0)
    login(client, street, "grid_worker")
    response = client.post(f"/learning/deliveries/new/?person={street.member_a.pk}", {
        "kind": "pocket_book", "material": material.pk,
        "delivered_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
    })
    assert response.status_code == 200 and "库存不足" in html(response)
    assert not Delivery.objects.exists()


def test_a_person_outside_the_scope_is_not_found(client, street):
    login(client, street, "grid_worker")
    assert client.get(f"/learning/deliveries/new/?person={street.resident_b.pk}").status_code == 404


def test_study_partner_sees_their_partner_and_records(client, street):
    partner = make_partner(street)
    client.force_login(partner)
    step1 = html(client.get("/learning/deliveries/new/"))
    assert "我的结对对象" in step1 and f"?person={street.member_a.pk}" in step1
    response = client.post(f"/learning/deliveries/new/?person={street.member_a.pk}", {
        "kind": "home", "delivered_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M")})
    assert response.status_code == 302
    assert Delivery.objects.get().delivered_by == partner.person
    assert client.get(f"/learning/deliveries/new/?person={street.resident_a.pk}").status_code == 404
    assert "王五" in html(client.get("/learning/deliveries/"))  # the partner's own list


def test_deliveries_export_opens_masked_and_formula_safe(client, street, records):
    login(client, street, "community_worker")
    response = client.get("/learning/deliveries/export.xlsx?org=BLP-C1&sort=name")
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    assert response["Cache-Control"] == "no-store"
    rows = _rows(response)
    assert [r["对象"] for r in rows] == ["王五", "张三"]
    wang, zhang = rows
    assert wang["方式"] == "送学上门" and wang["备注"].startswith("'=HYPERLINK")
    assert zhang["学习材料"] == "口袋书（第一辑）" and zhang["备注"] == "家属电话138****5678"
    assert zhang["主题活动"] == "感党恩、听党话、跟党走"
    entry = AuditEntry.objects.get(action="deliveries_exported")
    assert entry.changes["count"] == 2 and entry.changes["org"] == "BLP-C1"


@pytest.mark.parametrize("role, query, status", [
    ("grid_worker", "org=BLP-C1", 403), ("community_worker", "org=BLP-C2", 403),
    ("community_worker", "", 404), ("resident", "org=BLP-C1", 403),
])
def test_deliveries_export_is_refused_outside_the_managers_scope(client, street, records, role, query, status):
    assert login(client, street, role).get(f"/learning/deliveries/export.xlsx?{query}").status_code == status
    assert not AuditEntry.objects.filter(action="deliveries_exported").exists()


# --- Materials ------------------------------------------------------------------------------------

def test_material_list_shows_stock_and_distributed_and_sorts(client, street, records):
    material_create(by=None, org=street.street, title="mp3 播放器", kind=MaterialKind.MP3_PLAYER, stock=100)
    login(client, street, "grid_worker")  # sees the street's materials it hands out
    page = html(client.get("/learning/materials/?sort=stock"))
    titles = re.findall(r'<td class="name" data-label="名称"><a href="[^"]+">(.+?)</a>', page)
    assert titles == ["口袋书（第一辑）", "mp3 播放器"]
    assert html(client.get("/learning/materials/?sort=-stock")).index("mp3 播放器") < \
        html(client.get("/learning/materials/?sort=-stock")).index("口袋书（第一辑）")
    page = html(client.get("/learning/materials/?q=口袋"))
    assert "口袋书（第一辑）" in page and "mp3 播放器" not in page.split("<tbody>")[-1]
    assert "登记学习材料" not in page  # a grid worker does not keep stock


def test_community_worker_registers_a_material(client, street):
    login(client, street, "community_worker")
    assert client.get("/learning/materials/new/").status_code == 200
    response = client.post("/learning/materials/new/", {
        "org": street.community_a.pk, "title": "有声书（党史百年）", "kind": "audio", "stock": 0,
        "url": "https://example.org/audio"})
    material = Material.objects.get()
    assert response.status_code == 302 and response.url == f"/learning/materials/{material.pk}/"
    assert material.org == street.community_a


def test_material_of_another_community_cannot_be_chosen(client, street):
    login(client, street, "community_worker")
    response = client.post("/learning/materials/new/", {
        "org": street.community_b.pk, "title": "口袋书", "kind": "pocket_book", "stock": 5})
    assert response.status_code == 200 and not Material.objects.exists()


def test_material_detail_distributes_by_name_and_restocks(client, street, records):
    material = records["material"]
    login(client, street, "street_admin")
    page = html(client.get(f"/learning/materials/{material.pk}/"))
    assert "张三" in page and "发放" in page and "入库" in page
    when = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
    response = client.post(f"/learning/materials/{material.pk}/", {
        "action": "distribute", "d-recipient": "person", "d-who": "ww", "d-quantity": 1,
        "d-distributed_at": when})
    assert response.status_code == 302
    assert Distribution.objects.filter(material=material, person=street.member_a).exists()
    response = client.post(f"/learning/materials/{material.pk}/", {
        "action": "distribute", "d-recipient": "org", "d-org": street.community_b.pk, "d-quantity": 3,
        "d-distributed_at": when})
    assert response.status_code == 302
    material.refresh_from_db()
    assert material.stock == 10 - 1 - 1 - 3
    response = client.post(f"/learning/materials/{material.pk}/", {
        "action": "restock", "r-quantity": 50, "r-note": "加印", "r-expected_stock": material.stock})
    assert response.status_code == 302
    material.refresh_from_db()
    assert material.stock == 55


def test_ambiguous_name_offers_a_choice(client, street, records):
    person_create(by=None, data=PersonData(name="张三", org=street.building_b1))
    material = records["material"]
    login(client, street, "street_admin")
    response = client.post(f"/learning/materials/{material.pk}/", {
        "action": "distribute", "d-recipient": "person", "d-who": "张三", "d-quantity": 1,
        "d-distributed_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M")})
    assert response.status_code == 200 and "找到 2 人，请选择其中一人" in html(response)
    assert Distribution.objects.count() == 1  # only the fixture's


def test_more_than_the_stock_is_shown_on_the_page(client, street, records):
    material = records["material"]
    login(client, street, "street_admin")
    response = client.post(f"/learning/materials/{material.pk}/", {
        "action": "distribute", "d-recipient": "org", "d-org": street.community_a.pk, "d-quantity": 99,
        "d-distributed_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M")})
    assert response.status_code == 200 and "库存不足，现有 9 份" in html(response)


def test_grid_worker_sees_a_material_but_may_not_hand_it_out(client, street, records):
    material = records["material"]
    login(client, street, "grid_worker")
    page = html(client.get(f"/learning/materials/{material.pk}/"))
    assert "发放记录" in page and 'name="action" value="distribute"' not in page
    response = client.post(f"/learning/materials/{material.pk}/", {"action": "restock", "r-quantity": 5,
                                                                   "r-expected_stock": 9})
    assert response.status_code == 403
    assert client.get(f"/learning/materials/{material.pk}/distributions.xlsx").status_code == 403


def test_material_of_another_community_is_not_found(client, street):
    material = material_create(by=None, org=street.community_b, title="口袋书", kind=MaterialKind.POCKET_BOOK)
    assert login(client, street, "community_worker").get(f"/learning/materials/{material.pk}/").status_code == 404


def test_distributions_export_opens(client, street, records):
    material = records["material"]
    distribution_record(by=None, material=material, org=street.community_a, quantity=4, note="+转交网格")
    login(client, street, "street_admin")
    response = client.get(f"/learning/materials/{material.pk}/distributions.xlsx")
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    rows = _rows(response)
    assert {(r["接收人"], r["接收单位"], r["数量"]) for r in rows} == {("张三", None, 1), (None, "八里铺社区", 4)}
    assert any(r["备注"] == "'+转交网格" for r in rows)
    assert AuditEntry.objects.filter(action="distributions_exported", object_id=str(material.pk)).exists()


# --- Reflections ----------------------------------------------------------------------------------

def test_resident_writes_a_reflection_on_the_phone(client, street, campaign):
    login(client, street, "resident")
    home = html(client.get("/"))
    assert 'href="/learning/reflections/new/"' in home and "写学习心得" in home
    form = client.get("/learning/reflections/new/")
    assert form.status_code == 200 and "form-card" in html(form)
    response = client.post("/learning/reflections/new/", {"title": "我的体会", "text": TEXT, "campaign": campaign.pk})
    assert response.status_code == 302 and response.url == "/learning/reflections/mine/"
    reflection = Reflection.objects.get()
    assert reflection.person == street.resident_a and reflection.campaign == campaign
    mine = html(client.get("/learning/reflections/mine/"))
    assert "我的体会" in mine and "待审阅" in mine


def test_too_short_a_reflection_is_shown_on_its_field(client, street):
    login(client, street, "resident")
    response = client.post("/learning/reflections/new/", {"title": "体会", "text": "很好"})
    assert response.status_code == 200 and "心得内容至少 10 个字" in html(response)
    assert not Reflection.objects.exists()


def test_staff_account_without_a_person_cannot_write_one(client, street):
    assert login(client, street, "community_worker").get("/learning/reflections/new/").status_code == 403


def test_review_queue_filters_by_status_and_excellent(client, street, records):
    reviewer = street.accounts["community_worker"]
    other = reflection_submit(by=street.accounts["party_member"], title="老党员的心里话", text=TEXT)
    reflection_review(by=reviewer, reflection=other, decision=ReviewDecision.APPROVE)
    reflection_review(by=reviewer, reflection=other, decision=ReviewDecision.EXCELLENT)
    client.force_login(reviewer)
    queue = html(client.get("/learning/reflections/"))
    assert "我的学习体会" in queue and "老党员的心里话" not in queue  # 待审阅 by default
    everything = html(client.get("/learning/reflections/?status=all"))
    assert "我的学习体会" in everything and "老党员的心里话" in everything
    excellent = html(client.get("/learning/reflections/?status=all&excellent=yes"))
    assert "老党员的心里话" in excellent and "我的学习体会" not in excellent
    by_name = html(client.get("/learning/reflections/?status=all&q=ww"))
    assert "老党员的心里话" in by_name and "我的学习体会" not in by_name
    assert "共 2 篇：待审阅 1，已审阅 1，退回修改 0，优质心得 1" in everything


def test_review_page_approves_then_selects_excellent(client, street, records):
    reflection = records["reflection"]
    login(client, street, "community_worker")
    page = html(client.get(f"/learning/reflections/{reflection.pk}/"))
    assert TEXT in page and 'value="approve"' in page and 'value="excellent"' not in page
    response = client.post(f"/learning/reflections/{reflection.pk}/", {"decision": "approve", "note": "很实在"})
    assert response.status_code == 302
    page = html(client.get(f"/learning/reflections/{reflection.pk}/"))
    assert 'value="excellent"' in page
    client.post(f"/learning/reflections/{reflection.pk}/", {"decision": "excellent"})
    reflection.refresh_from_db()
    assert reflection.status == ReflectionStatus.APPROVED and reflection.is_excellent


def test_excellent_before_approval_is_refused_on_the_page(client, street, records):
    reflection = records["reflection"]
    login(client, street, "community_worker")
    response = client.post(f"/learning/reflections/{reflection.pk}/", {"decision": "excellent"})
    assert response.status_code == 200  # not one of the offered choices
    reflection.refresh_from_db()
    assert not reflection.is_excellent


def test_returned_reflection_is_revised_by_its_author(client, street, records):
    reflection = records["reflection"]
    reflection_review(by=street.accounts["community_worker"], reflection=reflection,
                      decision=ReviewDecision.RETURN, note="请写具体一些")
    login(client, street, "resident")
    mine = html(client.get("/learning/reflections/mine/"))
    assert "请写具体一些" in mine and f"/learning/reflections/{reflection.pk}/revise/" in mine
    response = client.post(f"/learning/reflections/{reflection.pk}/revise/", {
        "title": "我的学习体会（修改）", "text": TEXT + "我报名参加了楼道清洁志愿服务。"})
    assert response.status_code == 302
    reflection.refresh_from_db()
    assert reflection.status == ReflectionStatus.SUBMITTED and reflection.title == "我的学习体会（修改）"


def test_others_cannot_open_or_review_a_reflection(client, street, records):
    reflection = records["reflection"]
    assert login(client, street, "grid_worker").get(f"/learning/reflections/{reflection.pk}/").status_code == 404
    client.force_login(street.accounts["superior"])
    assert client.get(f"/learning/reflections/{reflection.pk}/").status_code == 200  # reads
    assert client.post(f"/learning/reflections/{reflection.pk}/", {"decision": "approve"}).status_code == 403
    client.force_login(street.accounts["party_member"])
    assert client.get(f"/learning/reflections/{reflection.pk}/revise/").status_code == 404


# --- Bulletins ------------------------------------------------------------------------------------

def test_bulletin_is_written_with_figures_from_the_records_and_printed(client, street, records, campaign):
    login(client, street, "street_admin")
    form = html(client.get("/learning/bulletins/new/"))
    assert "送学上门 1 人次（1 人）" in form and "口袋书 1 人次（1 人）" in form
    assert "发放口袋书 1 份" in form and "征集学习心得 1 篇" in form
    response = client.post("/learning/bulletins/new/", {
        "org": street.street.pk, "campaign": campaign.pk, "title": "第二期简报",
        "published_on": timezone.localdate().isoformat(), "body": "一、工作开展情况\n二、下步打算"})
    bulletin = Bulletin.objects.get(title="第二期简报")
    assert response.status_code == 302 and response.url == f"/learning/bulletins/{bulletin.pk}/"
    assert bulletin.issue_no == 2
    page = html(client.get(response.url))
    assert "第 2 期" in page and "<p>一、工作开展情况</p>" in page and "window.print()" in page
    assert "@media print" in page


def test_bulletin_list_searches_and_is_read_by_the_communities_below(client, street, records):
    bulletin_create(by=street.accounts["community_worker"], org=street.community_a, title="八里铺社区工作动态",
                    body="正文")
    login(client, street, "grid_worker")  # reads its community's and street's bulletins
    page = html(client.get("/learning/bulletins/"))
    assert "八里铺街道主题教育简报" in page and "八里铺社区工作动态" in page
    page = html(client.get("/learning/bulletins/?q=社区工作"))
    assert "八里铺社区工作动态" in page and "八里铺街道主题教育简报" not in page
    assert client.get(f"/learning/bulletins/{records['bulletin'].pk}/").status_code == 200


def test_bulletin_of_another_community_is_not_found(client, street, records):
    other = bulletin_create(by=None, org=street.community_b, title="学院社区简报", body="正文")
    login(client, street, "community_worker")
    assert client.get(f"/learning/bulletins/{other.pk}/").status_code == 404
    assert "学院社区简报" not in html(client.get("/learning/bulletins/"))


def test_bulletin_for_an_org_outside_the_scope_cannot_be_issued(client, street):
    login(client, street, "community_worker")
    response = client.post("/learning/bulletins/new/", {
        "org": street.community_b.pk, "title": "简报", "published_on": timezone.localdate().isoformat(),
        "body": "正文"})
    assert response.status_code == 200 and not Bulletin.objects.exists()
