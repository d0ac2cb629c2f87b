"""The progress report (工作开展情况报告): read back from the .docx as a reader sees it — its headings
follow the seeds' structure, every figure in it is the selector's, no placeholder is left, the
problems come from the records — and its texts, command, page and API."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from pathlib import Path

import docx
import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone

from tongxin.campaigns.models import Campaign, ProofKind
from tongxin.campaigns.selectors.compliance import compliance
from tongxin.campaigns.services import campaign_create, task_create
from tongxin.core.audit import AuditAction
from tongxin.core.models import AuditEntry
from tongxin.learning.models import SessionKind
from tongxin.learning.selectors.coverage.summary import coverage_for_org
from tongxin.orgs.models import Org
from tongxin.orgs.services import org_create
from tongxin.people.services import PersonData, person_create
from tongxin.reports.selectors.figures import report_figures
from tongxin.reports.services.progress import COVERAGE_LOW, progress_docx, progress_report
from tongxin.reports.services.texts import (
    DEFAULT_TEXTS, PARTS, check_template, figure_text, fill, report_text_effective, report_text_reset,
    report_text_save,
)
from tongxin.reports.tests.test_figures import work  # noqa: F401  (work is the small street's week of records)
from tongxin.testing import as_role, make_id_number

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
LEFT_OVER = ("{", "}", "｛", "｝", "*", "＊", "XX", "**")


@pytest.fixture
def behind(work):  # noqa: F811
    """The small street's week of work, with a grid below the coverage threshold (学院第一网格: one
    of its two residents not reached) and a community behind on a required action (学院社区: a
    field visit due three weeks ago, never held)."""
    street, campaign = work
    person_create(by=None, data=PersonData(name="赵六", org=street.building_b1, household=street.household_b,
                                           id_number=make_id_number(44), phone="13600002222"))
    task_create(by=street.accounts["street_admin"], campaign=campaign, title="组织参观见学", org=street.community_b,
                due_on=campaign.starts_on + timedelta(days=7), proof_kind=ProofKind.SESSION,
                session_kind=SessionKind.FIELD_VISIT)
    return street, campaign


# --- Reading the document back -------------------------------------------------------------------

def _open(data: bytes) -> docx.document.Document:
    return docx.Document(io.BytesIO(data))


def _headings(document) -> list[str]:
    """The paragraphs Word's navigation pane lists: those with an outline level."""
    return [p.text for p in document.paragraphs if p._p.pPr is not None and p._p.pPr.outlineLvl is not None]


def _all_text(document) -> str:
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def _number(text: str) -> float:
    return float(text.rstrip("%").replace(",", ""))


def check_document(data: bytes, report, figures) -> str:
    """Everything a reader checks in the .docx of ``report``, against ``figures`` (the selector's,
    computed anew): the structure, each figure, no placeholder. Returns the document's text."""
    document = _open(data)
    assert document.paragraphs[0].text == report.title
    expected = []
    for section in report.sections:
        expected.append(section.title)
        expected += [child.title for child in section.children]
    assert _headings(document) == expected
    assert expected[0] == "一、工作开展情况" and expected[-2:] == ["二、存在的问题", "三、下步打算"]
    assert [c.title[:3] for c in report.sections[0].children] == ["（一）", "（二）", "（三）", "（四）"]

    text = _all_text(document)
    # Each figure the narrative wrote is the selector's, and it is in the document.
    assert report.written
    for key, shown in report.written:
        assert shown == figure_text(figures[key]), key
        assert shown in text, (key, shown)
    # Each table: one row per figure, its value the selector's, also as a number.
    rows = [row for section in report.sections[0].children for row in section.rows]
    table_rows = [[cell.text for cell in row.cells] for table in document.tables for row in table.rows[1:]]
    assert len(table_rows) == len(rows) and len(document.tables) == 4
    for row, cells in zip(rows, table_rows, strict=True):
        figure = figures[row.key]
        assert cells[0].endswith(figure.label) and cells[1] == figure.shown, row.key
        if figure.value is not None:
            assert _number(cells[1]) == pytest.approx(figure.value), row.key
        if figure.denominator:
            assert cells[3] == f"{figure.numerator:,} ÷ {figure.denominator:,}"
    for left in LEFT_OVER:
        assert left not in text, left
    # The signature: the org's name and today's date, last.
    assert [p.text for p in document.paragraphs[-2:]] == [report.org.name, report.day_text]
    return text


# --- The report of the small street --------------------------------------------------------------

def test_the_report_follows_the_seeds_and_every_figure_is_the_selectors(behind):
    street, campaign = behind
    out = io.BytesIO()
    report = progress_docx(org=street.street, campaign=campaign, out=out)
    figures = report_figures(street.street, campaign)
    assert report.title == "八里铺街道关于“感党恩、听党话、跟党走”群众性教育实践活动开展情况的报告"
    text = check_document(out.getvalue(), report, figures)
    assert report.subtitle.startswith(f"（{campaign.starts_on.year}年{campaign.starts_on.month}月")
    assert "自开展“感党恩、听党话、跟党走”群众性教育实践活动以来，八里铺街道" in text
    assert f"共开展各类学习教育活动{figures['sessions'].shown}场，参加学习{figures['attendance'].shown}人次" in text
    assert f"学习覆盖率达到{figures['coverage_rate'].shown}" in text  # 75.0%: three of four
    # The problems the records show: the grid below the threshold with its rate, the community behind.
    assert [p.kind for p in report.problems] == ["coverage", "actions_overdue"]
    assert "一是学习覆盖还有薄弱环节。学院第一网格（50.0%）学习覆盖率低于80%，尚有1名党员群众未参加学习" in text
    assert "二是部分单位规定动作推进滞后。学院社区（逾期1项次）规定动作逾期未完成，共逾期1项次" in text
    assert "八里铺第一网格" not in text.split("二、存在的问题")[1].split("三、下步打算")[0]  # 100%: not named


def test_without_problems_the_report_says_so_and_sub_rows_list_only_what_occurred(work):  # noqa: F811
    street, campaign = work
    report = progress_report(street.street, campaign)
    assert report.problems == []
    problems = report.sections[1].paragraphs
    assert "暂未发现突出问题" in problems[-1].text
    keys = [row.key for row in report.sections[0].children[0].rows]
    assert "sessions.party_lecture" in keys and "sessions.lecture" not in keys  # none held in this campaign
    assert "reflections_excellent" in keys  # a named sub-figure, even at 0


def test_a_report_needs_a_campaign_run_in_the_org(street, campaign):
    with pytest.raises(ValidationError) as refused:
        progress_report(street.street, None)
    assert "请选择主题活动" in refused.value.message_dict["campaign"][0]
    elsewhere = org_create(by=None, code="DF", name="东风街道", kind=street.street.kind, parent=street.district)
    other = campaign_create(by=None, name="东风活动", slug="dongfeng", starts_on=campaign.starts_on,
                            ends_on=campaign.ends_on, scope=elsewhere)
    with pytest.raises(ValidationError) as refused:
        progress_report(street.street, other)
    assert "“东风活动”不在八里铺街道开展" in refused.value.message_dict["campaign"][0]


def test_a_community_report_names_its_own_grids(behind):
    street, campaign = behind
    report = progress_report(street.community_b, campaign)
    assert report.title.startswith("学院社区关于")
    assert report.problems[0].names == ("学院第一网格",)
    assert report_figures(street.community_b, campaign).value("coverage_rate") == 50.0


# --- Texts ---------------------------------------------------------------------------------------------

def test_fill_writes_each_figure_as_the_report_shows_it(work):  # noqa: F811
    street, campaign = work
    figures = report_figures(street.street, campaign)
    written = []
    text = fill("{org}开展{sessions}，其中党课{sessions.party_lecture}，覆盖率{coverage_rate}，满意率{ satisfaction_rate }。",
                figures, {"org": "八里铺街道"}, written=written)
    assert text == "八里铺街道开展2场，其中党课1场，覆盖率100.0%，满意率—。"
    assert written == [("sessions", "2场"), ("sessions.party_lecture", "1场"), ("coverage_rate", "100.0%"),
                       ("satisfaction_rate", "—")]
    assert fill("共｛attendance｝", figures) == "共3人次"  # full-width braces, as an input method types them
    for part, text in DEFAULT_TEXTS.items():
        check_template(text, part)


@pytest.mark.parametrize(("text", "message"), [
    ("共开展学习{sessionz}", "未知的数据项“{sessionz}”"),
    ("共开展学习{sessions", "“{sessions”缺少右花括号“}”"),
    ("共开展学习sessions}场", "多了一个右花括号“}”"),
    ("覆盖率达到***%", "请不要用“*”代替数字"),
    ("送学上门XX人次", "请不要用“XX”代替数字"),
    ("一是{problems_found}", "“{problems_found}”只能用在“存在的问题”中"),
    ("   ", "内容不能为空"),
])
def test_check_template_refuses_in_chinese_naming_the_slot(text, message):
    with pytest.raises(ValidationError) as refused:
        check_template(text, "learning")
    assert any(message in m for m in refused.value.messages), refused.value.messages


def test_edited_texts_are_used_nearest_first_and_audited(work):  # noqa: F811
    street, campaign = work
    admin, worker = street.accounts["street_admin"], street.accounts["community_worker"]
    report_text_save(by=admin, org=street.street, campaign=None, part="learning",
                     text="全街道开展学习{sessions}，参加学习{attendance}。")
    report = progress_report(street.street, campaign)
    assert report.sections[0].children[0].paragraphs[0].text == "全街道开展学习2场，参加学习3人次。"
    assert ("attendance", "3人次") in report.written
    # The street's general text serves its communities, a community's own comes first, a campaign's
    # before the general one.
    assert report_text_effective(street.community_a, campaign, "learning").text.startswith("全街道")
    report_text_save(by=worker, org=street.community_a, campaign=None, part="learning", text="本社区{sessions}。")
    report_text_save(by=worker, org=street.community_a, campaign=campaign, part="learning", text="本活动{sessions}。")
    assert progress_report(street.community_a, campaign).sections[0].children[0].paragraphs[0].text == "本活动1场。"
    assert report_text_reset(by=worker, org=street.community_a, campaign=campaign, part="learning")
    assert report_text_effective(street.community_a, campaign, "learning").text == "本社区{sessions}。"
    # The problems written by hand replace the suggestions; without {problems_found} none is added.
    report_text_save(by=admin, org=street.street, campaign=campaign, part="problems", text="一是学习形式还不够丰富。")
    assert [p.text for p in progress_report(street.street, campaign).sections[1].paragraphs] == ["一是学习形式还不够丰富。"]
    # Refused in Chinese, naming the slot; nothing saved.
    with pytest.raises(ValidationError) as refused:
        report_text_save(by=admin, org=street.street, campaign=None, part="opening", text="开展{学习场次}")
    assert refused.value.message_dict["text"] == ["未知的数据项“{学习场次}”，请从数据项列表中选择"]
    assert report_text_effective(street.street, campaign, "opening").text == DEFAULT_TEXTS["opening"]
    entries = AuditEntry.objects.filter(action=AuditAction.REPORT_TEXT_SAVED)
    assert entries.count() == 5 and entries.filter(actor=worker).count() == 3
    assert entries.filter(changes__reset=True).count() == 1


@pytest.mark.parametrize(("role", "org", "allowed"), [
    ("street_admin", "street", True), ("street_admin", "community_a", True),
    ("community_worker", "community_a", True), ("community_worker", "community_b", False),
    ("community_worker", "street", False), ("grid_worker", "grid_a1", False), ("superior", "street", False),
    ("resident", "community_a", False), ("system_admin", "street", False),
])
def test_who_may_edit_the_texts(street, role, org, allowed):
    place = getattr(street, org)

    def save():
        report_text_save(by=street.accounts[role], org=place, campaign=None, part="next_steps",
                         text="下一步，{org}将继续努力。")

    if allowed:
        save()
    else:
        with pytest.raises(PermissionError):
            save()


# --- The command ---------------------------------------------------------------------------------------

def test_the_command_writes_the_report_and_refuses_bad_input_in_chinese(work, tmp_path):  # noqa: F811
    street, campaign = work
    out = tmp_path / "报告.docx"
    call_command("report", "progress", "--org", "BLP", "--campaign", campaign.slug, "--out", str(out),
                 stdout=io.StringIO())
    assert _open(out.read_bytes()).paragraphs[0].text.startswith("八里铺街道关于")
    day = timezone.localdate().isoformat()
    elsewhere = org_create(by=None, code="DF", name="东风街道", kind=street.street.kind, parent=street.district)
    campaign_create(by=None, name="东风活动", slug="dongfeng", starts_on=campaign.starts_on, ends_on=campaign.ends_on,
                    scope=elsewhere)
    for args, message in [
        (["--org", "BLP", "--campaign", "dongfeng"], "“东风活动”不在八里铺街道开展"),
        (["--org", "NOPE", "--campaign", campaign.slug], "找不到编码为“NOPE”的组织"),
        (["--org", "BLP", "--campaign", "nope"], "找不到简称为“nope”的主题活动"),
        (["--org", "BLP", "--campaign", campaign.slug, "--from", "2024-13-01"], "--from 的日期格式应为 2024-09-10"),
        (["--org", "BLP", "--campaign", campaign.slug, "--from", day, "--to", campaign.starts_on.isoformat()],
         "结束日期不能早于开始日期"),
    ]:
        bad = tmp_path / "bad.docx"
        with pytest.raises(CommandError, match=re.escape(message)):
            call_command("report", "progress", *args, "--out", str(bad))
        assert not bad.exists()
    with pytest.raises(CommandError, match="--out 应为 .docx 文件"):
        call_command("report", "progress", "--org", "BLP", "--campaign", campaign.slug, "--out",
                     str(tmp_path / "报告.pdf"))
    assert not (tmp_path / "报告.pdf").exists()


# --- The page, the download, the API -------------------------------------------------------------------

def test_the_page_and_the_download_for_a_street_admin(client, work):  # noqa: F811
    street, campaign = work
    as_role(client, street, "street_admin")
    first = client.get("/reports/progress/?org=BLP")  # without one, the newest campaign run in the org
    assert first.status_code == 200 and "开展情况的报告" in first.content.decode()
    page = client.get(f"/reports/progress/?org=BLP&campaign={campaign.slug}")
    assert page.status_code == 200
    body = page.content.decode()
    assert "八里铺街道关于“感党恩、听党话、跟党走”群众性教育实践活动开展情况的报告" in body
    assert "下载 Word" in body and f"/reports/progress.docx?org=BLP&amp;campaign={campaign.slug}" in body
    assert "一、工作开展情况" in body and "（四）规定动作抓落实" in body and "编辑报告文字" in body
    assert 'href="/reports/progress/?org=BLP-C1&amp;campaign=gandangen"' in body  # a child's report
    download = client.get(f"/reports/progress.docx?org=BLP&campaign={campaign.slug}&addressee=区委第三巡回指导组")
    assert download.status_code == 200 and download["Content-Type"] == DOCX
    assert "filename*=utf-8''" in download["Content-Disposition"].lower()
    document = _open(b"".join(download.streaming_content))
    assert "区委第三巡回指导组：" in [p.text for p in document.paragraphs]
    entry = AuditEntry.objects.get(action=AuditAction.REPORT_PROGRESS_GENERATED)
    assert entry.actor == street.accounts["street_admin"] and entry.changes["campaign"] == campaign.slug
    bad = client.get(f"/reports/progress/?org=BLP&campaign={campaign.slug}&from=2024-13-01")
    assert bad.status_code == 400 and "日期格式应为 2024-09-10" in bad.content.decode()


def test_the_page_keeps_to_what_the_account_may_read(client, work):  # noqa: F811
    street, campaign = work
    query = f"org=BLP&campaign={campaign.slug}"
    resident = as_role(client, street, "resident")
    assert resident.get(f"/reports/progress/?{query}").status_code == 403
    assert resident.get(f"/reports/progress.docx?{query}").status_code == 403
    worker = as_role(client, street, "community_worker")
    assert worker.get(f"/reports/progress/?{query}").status_code == 403  # the street, above their community
    own = worker.get(f"/reports/progress/?campaign={campaign.slug}")
    assert own.status_code == 200 and "八里铺社区关于" in own.content.decode()
    superior = as_role(client, street, "superior")
    page = superior.get(f"/reports/progress/?{query}")
    assert page.status_code == 200 and "编辑报告文字" not in page.content.decode()
    assert superior.get("/reports/progress/?org=NOPE").status_code == 404


def test_the_api_gives_the_docx_and_refuses_in_chinese(client, work):  # noqa: F811
    street, campaign = work
    as_role(client, street, "street_admin")
    response = client.get(f"/api/v1/reports/progress.docx?org=BLP&campaign={campaign.slug}")
    assert response.status_code == 200 and response["Content-Type"] == DOCX
    assert "attachment" in response["Content-Disposition"]
    assert _open(b"".join(response.streaming_content)).paragraphs[0].text.startswith("八里铺街道关于")
    assert AuditEntry.objects.filter(action=AuditAction.REPORT_PROGRESS_GENERATED,
                                     actor=street.accounts["street_admin"]).count() == 1
    missing = client.get("/api/v1/reports/progress.docx?org=BLP")
    assert missing.status_code == 422 and "请选择主题活动" in missing.json()["detail"]
    assert client.get("/api/v1/reports/progress.docx?org=BLP&campaign=nope").status_code == 404
    assert as_role(client, street, "resident").get(
        f"/api/v1/reports/progress.docx?org=BLP&campaign={campaign.slug}").status_code == 403


def test_the_texts_page_edits_each_part_with_its_slots(client, work):  # noqa: F811
    street, campaign = work
    url = "/reports/progress/texts/?org=BLP"
    as_role(client, street, "street_admin")
    page = client.get(url)
    body = page.content.decode()
    assert page.status_code == 200 and all(str(label) in body for label in PARTS.values())
    assert "{sessions.party_lecture}" in body and "党课（场）" in body and "恢复默认" in body
    refused = client.post(url, {"part": "opening", "action": "save", "text": "开展{sessionz}"})
    assert refused.status_code == 400 and "未知的数据项“{sessionz}”" in refused.content.decode()
    saved = client.post(url, {"part": "opening", "action": "save", "text": "自开展{campaign}以来，开展{sessions}。"})
    assert saved.status_code == 302 and saved["Location"].endswith("#part-opening")
    assert report_text_effective(street.street, campaign, "opening").text == "自开展{campaign}以来，开展{sessions}。"
    assert client.post(url, {"part": "opening", "action": "reset"}).status_code == 302
    assert report_text_effective(street.street, campaign, "opening").text == DEFAULT_TEXTS["opening"]
    superior = as_role(client, street, "superior")
    assert superior.get(url).status_code == 200  # reads
    assert superior.post(url, {"part": "opening", "action": "save", "text": "x"}).status_code == 403
    assert as_role(client, street, "resident").get(url).status_code == 403


# --- The demo street -------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_the_demo_streets_report(tmp_path, django_assert_max_num_queries):
    """One test for everything the demo shows (loading it costs about 25 s)."""
    call_command("seed_demo", scale="tiny", stdout=io.StringIO())
    org = Org.objects.get(code="BLP")
    campaign = Campaign.objects.get(slug="gdetdhgdz-blp")
    out = tmp_path / "八里铺街道工作开展情况报告.docx"
    call_command("report", "progress", "--org", "BLP", "--campaign", campaign.slug, "--out", str(out),
                 stdout=io.StringIO())
    with django_assert_max_num_queries(80):  # report_figures and a few queries, whatever the street's size
        report = progress_report(org, campaign)
    figures = report_figures(org, campaign)
    text = check_document(Path(out).read_bytes(), report, figures)
    assert figures.value("sessions") > 0 and figures.value("attendance") > 0
    # Each problem the records show is named; each grid below the threshold with its rate.
    low = [g for g in coverage_for_org(campaign, org).grids if g.target and g.rate < COVERAGE_LOW]
    problems = text.split("二、存在的问题")[1].split("三、下步打算")[0]
    for grid in low[:5]:
        assert f"{grid.label}（{grid.rate:.1f}%）" in problems
    if figures.value("voices_overdue"):
        assert f"仍有{figures['voices_overdue'].shown}条超过办理期限未办结" in problems
    behind = [r.org.name for r in compliance(campaign, org).rows if r.overdue]
    assert all(name in problems for name in behind[:5])
    assert (not low and not behind and not figures.value("voices_overdue")) == ("暂未发现突出问题" in problems)
