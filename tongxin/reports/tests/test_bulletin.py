"""The weekly bulletin (每周通报): the units ranked by their score with the figures that put them
there, the first praised and the last urged; the weights and who sets them; the Word document, the
``report bulletin`` command and the pages. On the small street: 八里铺社区 does its work, 学院社区
does not; and once on the tiny demo."""

from __future__ import annotations

import io
from datetime import datetime, time, timedelta
from io import StringIO

import docx
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone

from tongxin.accounts.models import User
from tongxin.campaigns.services import task_create
from tongxin.core.models import AuditEntry
from tongxin.learning.models import SessionKind
from tongxin.learning.services.attendance import attendance_record_roster
from tongxin.learning.services.sessions import session_create
from tongxin.orgs.models import Org
from tongxin.reports.models import BulletinWeights
from tongxin.reports.services.bulletin import (
    DEFAULT_WEIGHTS, bulletin_docx, bulletin_for, bulletin_weights, bulletin_weights_save, week_monday,
)
from tongxin.testing import as_role, text
from tongxin.voices.models import Channel, Library, Rating, Voice, VoiceCategory, VoiceKind
from tongxin.voices.services import workflow
from tongxin.voices.services.intake import voice_submit

URL, DOCX_URL, WEIGHTS_URL = "/reports/bulletin/", "/reports/bulletin.docx", "/reports/bulletin/weights/"
LEFT_OVER = ("*", "XX", "{", "}", "None")


def _this_week():
    monday = week_monday(timezone.localdate())
    start_of_week = timezone.make_aware(datetime.combine(monday, time.min))
    return monday, max(timezone.now().replace(microsecond=0) - timedelta(minutes=5), start_of_week)


@pytest.fixture
def week(street, campaign):
    """This week in the small street. 八里铺社区 (2 to reach): a campaign session both attend, which
    also does the required action; two voices, one handled to a satisfied end, one not answered
    yet. 学院社区 (1 to reach): nobody studies; one voice accepted and left past its deadline."""
    admin, worker = street.accounts["street_admin"], street.accounts["community_worker"]
    resident = street.accounts["resident"]
    monday, start = _this_week()
    task_create(by=admin, campaign=campaign, title="开展一次集中学习", due_on=campaign.ends_on, org=street.street)
    session = session_create(by=admin, org=street.community_a, kind=SessionKind.GROUP_STUDY, topic="学习党的创新理论",
                             starts_at=start, ends_at=start + timedelta(hours=1), campaign=campaign)
    attendance_record_roster(by=admin, session=session, persons=[street.resident_a, street.member_a])
    property_ = VoiceCategory.objects.get(code="property")
    done = voice_submit(by=resident, kind=VoiceKind.OPINION, text="小区楼道灯坏了好几天，晚上上下楼很不方便")
    workflow.voice_accept(by=worker, voice=done, library=Library.PROBLEM, category=property_)
    workflow.voice_assign(by=worker, voice=done, handler=worker)
    workflow.voice_start(by=worker, voice=done)
    workflow.voice_resolve(by=worker, voice=done, resolution="已联系物业更换楼道灯")
    workflow.voice_rate(by=resident, voice=done, rating=Rating.SATISFIED)
    voice_submit(by=resident, kind=VoiceKind.SUGGESTION, text="建议周末开放社区活动室给孩子们")
    late = voice_submit(by=admin, kind=VoiceKind.OPINION, text="学院社区健身器材损坏需要维修",
                        person=street.resident_b, on_behalf=True, channel=Channel.FORUM)
    workflow.voice_accept(by=admin, voice=late, library=Library.PROBLEM, category=property_)
    Voice.objects.filter(pk=late.pk).update(due_at=timezone.now() - timedelta(hours=1))
    return street, campaign, monday


def test_the_unit_that_does_its_work_comes_first_with_its_figures(week):
    street, campaign, monday = week
    b = bulletin_for(street.street, monday)
    assert b.campaign == campaign  # the campaign running that week, without asking
    assert (b.week_start, b.week_end) == (monday, monday + timedelta(days=6))
    first, last = b.rows
    assert (first.org, first.rank, last.org, last.rank) == (street.community_a, 1, street.community_b, 2)
    values = {key: shown for key, shown, _detail in first.cells}
    assert values == {"coverage": "100%", "participation": "100%", "response": "50%", "resolution": "100%",
                      "satisfaction": "100%", "actions": "100%", "overdue": "0"}
    # (20·100 + 15·100 + 15·50 + 15·100 + 15·100 + 20·100) ÷ 100
    assert first.score == 92.5
    assert first.reasons_text == "学习覆盖率 100%、规定动作完成率 100%、参与率 100%，高于各社区平均；响应率 50%，低于各社区平均；无逾期事项"
    # 学院社区: nothing rated, so no satisfaction rate: left out of its mean, not counted as 0.
    # (20·0 + 15·0 + 15·100 + 15·0 + 20·0) ÷ 85 = 17.6, less 2 for the overdue voice.
    assert last.score == 15.6
    assert last.readings["satisfaction"].value is None and [m.key for m in last.missing] == ["satisfaction"]
    assert last.reasons == [
        "学习覆盖率 0%、规定动作完成率 0%、参与率 0%，低于各社区平均", "响应率 100%，高于各社区平均",
        "逾期事项 1 项，扣 2 分", "满意率本周无数据，未计入得分"]
    assert (first.praised, first.urged, last.praised, last.urged) == (True, False, False, True)
    assert b.praise.startswith("八里铺社区得分 92.5 分，排名第一，学习覆盖率 100%（应覆盖 2 人，已覆盖 2 人）")
    assert "无逾期事项" in b.praise and "通报表扬" in b.praise
    assert b.urge.startswith("学院社区得分 15.6 分，排名第二（末位），主要是学习覆盖率 0%（应覆盖 1 人，已覆盖 0 人）")
    assert "逾期事项 1 项（群众心声逾期未办结 1 条），扣 2 分" in b.urge and "满意率本周无数据" in b.urge
    assert "请学院社区认真查找差距" in b.urge
    assert b.title == (f"关于八里铺街道各社区第{monday.isocalendar()[1]}周（{monday.month}月{monday.day}日—"
                       f"{b.week_end.month}月{b.week_end.day}日）“感党恩、听党话、跟党走”群众性教育实践活动开展情况的通报")
    assert "本周，全街道共开展学习活动 1 场，参加学习 2 人次" in b.overview
    assert "学习覆盖率 66.7%（应覆盖 3 人，已覆盖 2 人）" in b.overview


def test_coverage_is_cumulative_to_the_end_of_the_week_and_the_rest_of_the_week_only(week):
    street, _campaign, monday = week
    before = bulletin_for(street.street, monday - timedelta(days=7))
    a = next(row for row in before.rows if row.org == street.community_a)
    assert a.readings["coverage"].value == 0.0  # reached this week, not by the end of last week
    assert a.readings["response"].value is None and a.readings["participation"].value == 0.0
    assert a.readings["actions"].value == 100.0  # the campaign's to date
    now = bulletin_for(street.street, monday + timedelta(days=3))  # any day of the week means its Monday
    assert now.week_start == monday


def test_changing_the_weights_changes_the_order_and_a_unit_without_any_rate_is_not_scored(week):
    street, _campaign, monday = week
    admin = street.accounts["street_admin"]
    only_response = {key: 0 for key in DEFAULT_WEIGHTS} | {"response": 100}
    bulletin_weights_save(by=admin, org=street.street, weights=only_response)
    b = bulletin_for(street.street, monday)
    assert [(r.org, r.score) for r in b.rows] == [(street.community_b, 100.0), (street.community_a, 50.0)]
    assert [m.key for m in b.measures] == ["response"]
    assert b.formula.startswith("按照响应率（权重 100）加权平均计分") and "每项逾期事项扣 0 分" in b.formula
    assert b.rows[0].reasons[-1] == "逾期事项 1 项"  # a weight of 0: counted, not deducted
    # Only satisfaction counts: 学院社区 has none rated, so it has no score, and comes last unranked.
    only_satisfaction = {key: 0 for key in DEFAULT_WEIGHTS} | {"satisfaction": 5}
    bulletin_weights_save(by=admin, org=street.street, weights=only_satisfaction)
    b = bulletin_for(street.street, monday)
    a, unscored = b.rows
    assert (a.org, a.rank, a.score, a.praised) == (street.community_a, 1, 100.0, True)
    assert (unscored.org, unscored.rank, unscored.score, unscored.urged) == (street.community_b, None, None, False)
    assert unscored.reasons == ["各项比率本周均无数据，未计分"] and unscored.score_text == "—"
    assert "学院社区本周各项比率均无数据，未能计分" in b.urge
    # 恢复默认: the first order again.
    bulletin_weights_save(by=admin, org=street.street, weights={})
    assert bulletin_weights(street.street) == DEFAULT_WEIGHTS
    assert [r.org for r in bulletin_for(street.street, monday).rows] == [street.community_a, street.community_b]


def test_equal_scores_are_ranked_by_name_and_said_so(street, campaign):
    b = bulletin_for(street.street, week_monday(timezone.localdate()))
    assert [(r.org.name, r.rank, r.score) for r in b.rows] == [("八里铺社区", 1, 0.0), ("学院社区", 2, 0.0)]
    assert b.rows[0].reasons[-1] == "与学院社区得分相同，按名称拼音排序"
    assert b.rows[1].reasons[-1] == "与八里铺社区得分相同，按名称拼音排序"
    assert all(r.praised and not r.urged for r in b.rows) and b.urge == ""  # nobody is last alone
    assert b.tie_note == "注：八里铺社区、学院社区得分相同，按名称拼音排序。"
    # No voice and no required action: those rates have no value for anyone, and are named.
    assert b.rows[0].reasons[:3] == ["学习覆盖率 0%、参与率 0%", "无逾期事项",
                                     "响应率、解决率、满意率、规定动作完成率本周无数据，未计入得分"]


def test_without_a_campaign_the_three_rates_and_the_overdue_items_rank(week):
    street, campaign, monday = week
    campaign.starts_on, campaign.ends_on = monday - timedelta(days=60), monday - timedelta(days=30)
    campaign.save()
    b = bulletin_for(street.street, monday)
    assert b.campaign is None and "学习教育和为民办事工作开展情况的通报" in b.title
    first, last = b.rows
    # 八里铺社区: (15·50 + 15·100 + 15·100) ÷ 45; 学院社区: (15·100 + 15·0) ÷ 30 − 2.
    assert (first.org, first.score, last.score) == (street.community_a, 83.3, 48.0)
    assert "学习覆盖率、参与率、规定动作完成率本周无数据，未计入得分" in first.reasons


def test_who_sets_the_weights_and_what_they_may_be(street):
    admin = street.accounts["street_admin"]
    for role in ("grid_worker", "superior", "resident"):
        with pytest.raises(PermissionDenied):
            bulletin_weights_save(by=street.accounts[role], org=street.street, weights={"coverage": 30})
    with pytest.raises(PermissionDenied):  # a community worker sets their community's, not the street's
        bulletin_weights_save(by=street.accounts["community_worker"], org=street.street, weights={})
    bulletin_weights_save(by=street.accounts["community_worker"], org=street.community_a, weights={"coverage": 25})
    with pytest.raises(ValidationError) as error:
        bulletin_weights_save(by=admin, org=street.street, weights={"coverage": 101, "response": "很多", "x": 1})
    assert error.value.message_dict == {"coverage": ["学习覆盖率的权重应在 0 到 100 之间"],
                                        "response": ["响应率的权重应为数字"], "__all__": ["没有“x”这项指标"]}
    with pytest.raises(ValidationError, match="至少一项应大于 0"):
        bulletin_weights_save(by=admin, org=street.street, weights={k: 0 for k in DEFAULT_WEIGHTS if k != "overdue"})
    record = bulletin_weights_save(by=admin, org=street.street, weights={"coverage": 30, "overdue": 2.5})
    assert record.weights == {"coverage": 30, "overdue": 2.5}  # only what differs from the defaults
    assert bulletin_weights(street.street) == DEFAULT_WEIGHTS | {"coverage": 30, "overdue": 2.5}
    entry = AuditEntry.objects.filter(action="bulletin_weights_saved", object_id=str(street.street.pk)).get()
    assert entry.changes == {"org": "BLP", "coverage": [20, 30], "overdue": [2, 2.5]}


def _document_text(document) -> str:
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def test_the_word_document_is_an_official_bulletin_with_the_ranking(week):
    street, _campaign, monday = week
    out = io.BytesIO()
    b = bulletin_docx(org=street.street, week_start=monday, out=out, by=street.accounts["street_admin"])
    document = docx.Document(io.BytesIO(out.getvalue()))
    paragraphs = [p.text for p in document.paragraphs if p.text.strip()]
    assert paragraphs[0] == b.title and paragraphs[1] == "各社区："
    assert document.core_properties.title == b.title
    headings = [p for p in paragraphs if p[:2] in ("一、", "二、", "三、", "四、", "五、")]
    assert headings == ["一、总体情况", "二、排名情况", "三、表扬先进", "四、督促后进", "五、下步要求"]
    assert b.praise in paragraphs and b.urge in paragraphs and b.closing in paragraphs
    (table,) = document.tables
    rows = [[cell.text for cell in row.cells] for row in table.rows]
    assert rows[0] == ["排名", "社区", "得分", "覆盖率", "参与率", "响应率", "解决率", "满意率", "动作完成率", "逾期事项"]
    assert rows[1:] == [["1", "八里铺社区", "92.5", "100%", "100%", "50%", "100%", "100%", "100%", "0"],
                        ["2", "学院社区", "15.6", "0%", "0%", "100%", "0%", "—", "0%", "1"]]
    today = timezone.localdate()
    assert paragraphs[-2:] == ["八里铺街道", f"{today.year}年{today.month}月{today.day}日"]
    whole = _document_text(document)
    assert not [mark for mark in LEFT_OVER if mark in whole]
    entry = AuditEntry.objects.get(action="report_bulletin_generated")
    assert entry.changes == {"org": "BLP", "week": b.week_code, "campaign": "gandangen"}


def test_the_command_writes_the_bulletin_and_refuses_bad_input_in_chinese(week, tmp_path):
    out = tmp_path / "通报.docx"
    call_command("report", "bulletin", "--org", "BLP", "--week", "2026-W48", "--out", str(out), stdout=StringIO())
    document = docx.Document(str(out))
    assert document.paragraphs[0].text.startswith("关于八里铺街道各社区第48周（11月23日—11月29日）")
    assert len(document.tables[0].rows) == 3
    assert not AuditEntry.objects.filter(action="report_bulletin_generated").exists()  # no account: not audited
    for args, message in ((["--org", "BLP", "--week", "2026-W60"], "--week 的格式应为 2024-W12"),
                          (["--org", "BLP", "--week", "48"], "--week 的格式应为 2024-W12"),
                          (["--org", "NOPE", "--week", "2026-W48"], "找不到编码为“NOPE”的组织")):
        bad = tmp_path / "bad.docx"
        with pytest.raises(CommandError, match=message):
            call_command("report", "bulletin", *args, "--out", str(bad), stdout=StringIO())
        assert not bad.exists()


# --- The pages -----------------------------------------------------------------------------------

def test_the_page_ranks_with_reasons_and_offers_the_word_document(client, week):
    street, _campaign, monday = week
    code = f"{monday.isocalendar()[0]}-W{monday.isocalendar()[1]:02d}"
    response = as_role(client, street, "street_admin").get(URL)
    assert response.status_code == 200
    page = text(response)
    assert "每周通报" in page and "下载 Word" in page and "设置权重" in page and code in page
    html = response.content.decode()
    assert html.index('data-key="BLP-C1"') < html.index('data-key="BLP-C2"')
    assert "学习覆盖率 100%、规定动作完成率 100%、参与率 100%，高于各社区平均" in page
    assert "表扬先进 八里铺社区得分 92.5 分" in page and "督促后进 学院社区得分 15.6 分" in page
    assert 'type="week"' in html and "上一周" in page
    download = client.get(f"{DOCX_URL}?org=BLP&week={code}")
    assert download.status_code == 200 and "attachment" in download["Content-Disposition"]
    document = docx.Document(io.BytesIO(b"".join(download.streaming_content)))
    assert len(document.tables[0].rows) == 3
    assert AuditEntry.objects.filter(action="report_bulletin_generated", actor=street.accounts["street_admin"]).exists()
    bad = client.get(f"{URL}?week=2024-W99")
    assert bad.status_code == 400 and "周次格式应为 2024-W12" in text(bad)
    assert client.get(f"{URL}?org=NOPE").status_code == 404


@pytest.mark.parametrize(("role", "status"), [
    ("street_admin", 200), ("community_worker", 200), ("grid_worker", 200), ("superior", 200),
    ("resident", 403), ("party_member", 403), ("auditor", 403),
])
def test_who_reads_the_bulletin(client, street, role, status):
    response = as_role(client, street, role).get(URL)
    assert response.status_code == status
    if role == "grid_worker":  # a grid has nothing under it to rank
        assert "没有下级社区、嘎查村或网格，无法排名" in text(response)
    if status == 200:
        assert as_role(client, street, role).get(f"{URL}?org=MISSING").status_code == 404


def test_a_community_worker_may_not_read_the_street(client, street):
    assert as_role(client, street, "community_worker").get(f"{URL}?org=BLP").status_code == 403
    assert client.get(f"{URL}?org=BLP-C1").status_code == 200  # their own community's grids


def test_the_weights_page_checks_in_chinese_restores_the_defaults_and_is_audited(client, street):
    as_role(client, street, "street_admin")
    page = client.get(WEIGHTS_URL)
    assert page.status_code == 200
    assert "学习覆盖率" in text(page) and "本周参加学习、接受送学的人次" in text(page) and "恢复默认" in text(page)
    form = {key: str(value) for key, value in DEFAULT_WEIGHTS.items()}
    bad = client.post(WEIGHTS_URL, form | {"coverage": "150", "participation": "abc"})
    assert bad.status_code == 400
    assert "学习覆盖率的权重应在 0 到 100 之间" in text(bad) and "参与率的权重应为数字" in text(bad)
    zero = client.post(WEIGHTS_URL, {key: "0" for key in DEFAULT_WEIGHTS})
    assert zero.status_code == 400 and "各项比率的权重不能都为 0，至少一项应大于 0" in text(zero)
    assert not BulletinWeights.objects.exists()
    saved = client.post(WEIGHTS_URL, form | {"coverage": "40", "overdue": "5"}, follow=True)
    assert saved.status_code == 200 and "通报权重已保存" in text(saved)
    assert BulletinWeights.objects.get(org=street.street).weights == {"coverage": 40, "overdue": 5}
    entry = AuditEntry.objects.get(action="bulletin_weights_saved")
    assert entry.changes == {"org": "BLP", "coverage": [20, 40], "overdue": [2, 5]}
    assert entry.actor == street.accounts["street_admin"]
    reset = client.post(WEIGHTS_URL, {"reset": "1"}, follow=True)
    assert "已恢复默认权重" in text(reset) and bulletin_weights(street.street) == DEFAULT_WEIGHTS
    for role in ("grid_worker", "superior", "resident"):
        assert as_role(client, street, role).get(WEIGHTS_URL).status_code == 403


# --- The demo ------------------------------------------------------------------------------------

def test_the_tiny_demo_ranks_its_communities_with_reasons(db, client, tmp_path):
    call_command("seed_demo", scale="tiny", stdout=StringIO())
    street = Org.objects.get(code="BLP")
    communities = list(Org.objects.filter(parent=street, kind="community").order_by("name"))
    assert len(communities) >= 2
    b = bulletin_for(street, timezone.localdate())
    assert b.campaign is not None and b.campaign.name == "感党恩、听党话、跟党走"
    assert sorted((r.org for r in b.rows), key=lambda o: o.name) == communities
    assert [r.rank for r in b.rows] == list(range(1, len(b.rows) + 1))
    assert [r.score for r in b.rows] == sorted((r.score for r in b.rows), reverse=True)
    for row in b.rows:
        assert row.reasons and "%" in row.reasons_text, row.org.name
        assert {key for key, _shown, _detail in row.cells} == set(DEFAULT_WEIGHTS)
        assert row.readings["coverage"].value is not None and row.readings["actions"].value is not None
    assert b.rows[0].praised and b.rows[0].org.name in b.praise and "%" in b.praise
    if b.rows[-1].score != b.rows[0].score:
        assert b.rows[-1].urged and b.rows[-1].org.name in b.urge and "请" in b.urge
    else:
        assert "按名称拼音排序" in b.rows[0].reasons_text
    assert "学习覆盖率" in b.overview and b.title.startswith("关于八里铺街道各社区第")
    # Last week, whole: the same communities, and the figures of a full week.
    last = bulletin_for(street, timezone.localdate() - timedelta(days=7))
    assert len(last.rows) == len(communities) and all(r.score is not None for r in last.rows)
    # The street admin's page and the command on the demo.
    client.force_login(User.objects.get(username="street_admin"))
    page = client.get(URL)
    assert page.status_code == 200 and b.title in text(page)
    out = tmp_path / "demo.docx"
    call_command("report", "bulletin", "--org", "BLP", "--week", last.week_code, "--out", str(out), stdout=StringIO())
    document = docx.Document(str(out))
    assert len(document.tables[0].rows) == 1 + len(communities)
    assert not [mark for mark in LEFT_OVER if mark in _document_text(document)]
