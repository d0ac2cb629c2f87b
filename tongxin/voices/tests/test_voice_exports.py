"""The Excel downloads of the voices pages, through the test client: the real workbook opened with
openpyxl, its Chinese headers, its rows equal to what the list shows the account (under the same
filters), no full phone or ID number in any cell, the audit entry, and the refusals."""

from __future__ import annotations

import io
import re
from urllib.parse import unquote

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from tongxin.core.audit import AuditAction
from tongxin.core.models import AuditEntry
from tongxin.testing import as_role
from tongxin.voices.models import Channel, VoiceKind
from tongxin.voices.selectors.lists import voice_list
from tongxin.voices.services.intake import voice_submit

from .test_figures import build_world

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ID_NUMBER = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9])")
PHONE = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")


def workbook(response):
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    assert response["Cache-Control"] == "no-store"
    return load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def sheet_rows(response, sheet: str | None = None) -> list[tuple]:
    book = workbook(response)
    return list((book[sheet] if sheet else book.active).iter_rows(values_only=True))


def as_dicts(rows: list[tuple]) -> list[dict]:
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def download_name(response) -> str:
    return unquote(re.search(r"filename\*=utf-8''(\S+)", response["Content-Disposition"]).group(1))


def assert_no_personal_numbers(rows: list[tuple]) -> None:
    for row in rows:
        for value in row:
            if isinstance(value, str):
                assert not ID_NUMBER.search(value) and not PHONE.search(value), value


def last_export() -> AuditEntry:
    return AuditEntry.objects.filter(action=AuditAction.VOICES_EXPORTED).latest("pk")


@pytest.fixture
def world(street):
    world = build_world(street)
    # A resident who typed their phone and ID number into the text.
    world.voices["numbers"] = voice_submit(
        by=street.accounts["community_worker"], kind=VoiceKind.OPINION, channel=Channel.HOTLINE,
        text="请回电13812345678，身份证150502198001010118", speaker_name="刘女士", org=street.building_a1,
        on_behalf=True)
    return world


VOICE_HEADERS = ("编号", "提交时间", "类型", "来源渠道", "反映人", "所在网格/楼栋", "急难愁盼", "内容", "所属库", "类别",
                 "状态", "承办人", "承办单位", "办理时限", "逾期", "响应时间", "办结时间", "办理结果", "满意度")


def test_the_voice_list(client, world):
    user = world.s.accounts["community_worker"]
    response = as_role(client, world.s, "community_worker").get(reverse("voices:voice_export"))
    rows = sheet_rows(response)
    assert rows[0] == VOICE_HEADERS
    assert [row[0] for row in rows[1:]] == list(voice_list(user=user).values_list("pk", flat=True))
    by_id = {row["编号"]: row for row in as_dicts(rows)}
    first = by_id[world.voices[1].pk]
    assert (first["类型"], first["来源渠道"], first["反映人"], first["所属库"], first["类别"], first["状态"],
            first["满意度"], first["逾期"]) == ("意见", "线上", "张三", "问题库", "物业", "已关闭", "满意", "否")
    assert by_id[world.voices[7].pk]["逾期"] == "是" and by_id[world.voices[2].pk]["急难愁盼"] == "是"
    assert by_id[world.voices["numbers"].pk]["内容"].startswith("请回电138****5678")
    assert_no_personal_numbers(rows)
    assert download_name(response).startswith("群众心声-全部-")
    entry = last_export()
    assert (entry.actor, entry.changes["list"], entry.changes["count"]) == (user, "voices", len(rows) - 1)


def test_the_voice_list_under_its_filters(client, world):
    response = as_role(client, world.s, "street_admin").get(reverse("voices:voice_export"),
                                                            {"org": "BLP-C1", "tab": "results"})
    rows = as_dicts(sheet_rows(response))
    assert {row["编号"] for row in rows} == {world.voices[1].pk, world.voices[3].pk}
    assert {row["办理结果"] for row in rows} == {"已联系物业更换楼道灯", "党员上门更换了水龙头"}
    entry = last_export()
    assert entry.changes["org"] == "BLP-C1" and entry.changes["filters"]["tab"] == "results"
    assert entry.changes["count"] == 2 and entry.object_repr == "八里铺社区"
    response = as_role(client, world.s, "street_admin").get(reverse("voices:voice_export"),
                                                            {"status": "rejected", "q": "噪音"})
    assert [row["编号"] for row in as_dicts(sheet_rows(response))] == [world.voices[4].pk]


@pytest.mark.parametrize(("role", "query", "status"), [
    ("resident", {}, 403), ("party_member", {}, 403), ("auditor", {}, 403),
    ("community_worker", {"org": "BLP-C2"}, 403), ("grid_worker", {"org": "BLP"}, 403),
    ("community_worker", {"org": "NOPE"}, 404),
])
def test_who_may_export(client, street, role, query, status):
    for name in ("voice_export", "visit_export", "project_export", "rectification_export", "deed_export",
                 "figures_export"):
        response = as_role(client, street, role).get(reverse(f"voices:{name}"), query)
        assert response.status_code == status, name
    assert not AuditEntry.objects.filter(action=AuditAction.VOICES_EXPORTED).exists()


def test_a_worker_exports_their_place_only(client, world):
    rows = as_dicts(sheet_rows(as_role(client, world.s, "community_worker").get(reverse("voices:voice_export"))))
    assert world.voices[8].pk not in {row["编号"] for row in rows}


def test_the_visits(client, world):
    response = as_role(client, world.s, "community_worker").get(reverse("voices:visit_export"))
    rows = sheet_rows(response)
    assert rows[0] == ("走访时间", "走访人", "所在网格/楼栋", "走访户", "困难户", "四访四问", "走访情况", "听取心声（条）")
    data = as_dicts(rows)
    assert [row["走访情况"] for row in data] == ["回访", "老人身体还好"]  # newest first, as on the list
    assert data[1]["四访四问"] == "外出务工返家人员必访（问就业现状）；老弱病必访（问身体健康）"
    assert (data[0]["四访四问"], data[0]["走访户"], data[0]["困难户"], data[0]["听取心声（条）"]) == ("日常走访", "1-101", "否", 0)
    assert last_export().changes["list"] == "visits" and last_export().changes["count"] == 2
    response = as_role(client, world.s, "community_worker").get(reverse("voices:visit_export"), {"reason": "old_sick"})
    assert len(sheet_rows(response)) == 2


def test_the_projects_with_progress(client, world):
    rows = sheet_rows(as_role(client, world.s, "community_worker").get(reverse("voices:project_export")))
    assert rows[0] == ("项目名称", "所属组织", "责任人/责任单位", "状态", "进度", "节点完成", "开始日期", "计划完成日期",
                       "完成日期", "逾期", "群众监督员（人）", "来源心声")
    by_title = {row["项目名称"]: row for row in as_dicts(rows)}
    lights = by_title["老旧小区路灯改造"]
    assert (lights["状态"], lights["进度"], lights["节点完成"], lights["群众监督员（人）"]) == ("推进中", "25%", "1/2", 1)
    assert (by_title["社区食堂开业"]["进度"], by_title["社区食堂开业"]["状态"]) == ("100%", "已完成")
    response = as_role(client, world.s, "community_worker").get(reverse("voices:project_export"), {"status": "done"})
    assert [row[0] for row in sheet_rows(response)[1:]] == ["社区食堂开业"]
    assert last_export().changes["filters"]["status"] == "done"


def test_the_problem_list_with_its_phases(client, world):
    rows = sheet_rows(as_role(client, world.s, "community_worker").get(reverse("voices:rectification_export")))
    assert rows[0][:6] == ("问题", "来源", "所属组织", "责任人/责任单位", "整改方式", "状态") and rows[0][-1] == "整改阶段"
    by_item = {row["问题"]: row for row in as_dicts(rows)}
    phased = by_item["网格员入户走访不到位"]
    assert (phased["整改方式"], phased["状态"]) == ("分阶段整改", "正在整改")
    lines = phased["整改阶段"].split("\n")
    assert len(lines) == 2 and lines[0].startswith("第1阶段：制定走访计划（时限 ") and "已完成" in lines[0]
    assert lines[1].endswith("未完成）")
    quick = by_item["办事大厅工作人员迟到早退"]
    assert (quick["整改方式"], quick["状态"], quick["整改阶段"]) == ("立行立改", "已完成整改", None)
    assert last_export().changes["list"] == "rectifications"


def test_the_good_deeds(client, world):
    rows = sheet_rows(as_role(client, world.s, "community_worker").get(reverse("voices:deed_export")))
    assert rows[0] == ("日期", "类型", "办事人", "所在组织", "事项", "服务对象", "对应心愿/诉求")
    assert {(row["类型"], row["办事人"]) for row in as_dicts(rows)} == {("党员办好一件实事", "王五"),
                                                                     ("居民办好一件小事", "张三")}
    response = as_role(client, world.s, "community_worker").get(reverse("voices:deed_export"), {"kind": "member"})
    assert len(sheet_rows(response)) == 2
    assert last_export().changes["count"] == 1


def test_the_figures(client, world):
    response = as_role(client, world.s, "street_admin").get(reverse("voices:figures_export"), {"org": "BLP"})
    book = workbook(response)
    assert book.sheetnames == ["统计", "下级对比", "指标说明"]
    figures = {(row[0], row[1]): row for row in book["统计"].iter_rows(min_row=2, values_only=True)}
    assert figures[("总体", "收到")][2] == 8  # 7 and the voice with numbers
    rate = figures[("总体", "满意率")]
    assert rate[2] == pytest.approx(2 / 3) and rate[3] == "2 / 3"
    assert figures[("按类别", "物业")][2] == 2 and figures[("问题清单", "已完成整改")][2] == 1
    children = list(book["下级对比"].iter_rows(values_only=True))
    assert children[0][:4] == ("名称", "收到", "已响应", "响应率")
    assert [(row[0], row[1]) for row in children[1:]] == [("八里铺社区", 7), ("学院社区", 1)]
    assert children[2][8] == 1  # 基本满意 of one rated
    definitions = list(book["指标说明"].iter_rows(values_only=True))
    assert ("满意率", "（满意 + 基本满意）÷ 已评价；重新办理后再次评价的，按最近一次评价计。") in definitions
    entry = last_export()
    assert (entry.changes["list"], entry.changes["org"]) == ("figures", "BLP")
    assert download_name(response).startswith("群众心声统计-八里铺街道-")


def test_a_rate_without_denominator_is_a_dash_in_the_workbook(client, street):
    response = as_role(client, street, "community_worker").get(reverse("voices:figures_export"))
    figures = {row[1]: row for row in workbook(response)["统计"].iter_rows(min_row=2, values_only=True)}
    assert figures["响应率"][2] == "—" and figures["响应率"][3] == "0 / 0"


@pytest.mark.parametrize(("page", "export"), [
    ("voice_list", "voice_export"), ("visit_list", "visit_export"), ("project_list", "project_export"),
    ("rectification_list", "rectification_export"), ("deed_list", "deed_export"),
])
def test_each_list_links_to_its_export_with_its_filters(client, world, page, export):
    client = as_role(client, world.s, "community_worker")
    html = client.get(reverse(f"voices:{page}"), {"q": "楼"}).content.decode()
    link = re.search(r'href="(%s\?[^"]*)"' % re.escape(reverse(f"voices:{export}")), html)
    assert link is not None, f"{page} has no link to {export}"
    assert "q=%E6%A5%BC" in link.group(1)  # the list's own filters go with it
    workbook(client.get(link.group(1).replace("&amp;", "&")))
