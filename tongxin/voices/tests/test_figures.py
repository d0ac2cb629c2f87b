"""The figures of voices and follow-through (``selectors.figures``) against counts made by hand
from records created through the services, and the figures page.

The world: in 八里铺社区 (community A) seven voices — one closed after a satisfied rating, one
reopened after an unsatisfied one, a wish claimed by a member and resolved, a complaint not
accepted, one waiting to be accepted with a near-duplicate merged into it, one accepted and past
its deadline — and in 学院社区 (community B) one resolved and rated 基本满意 at a follow-up call.
Visits, projects, the problem list and good deeds in community A."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tongxin.core.tests.test_browser import PHONE, _log_in, _new_page, _page_fits_width, _screenshot, browser  # noqa: F401  (browser is the shared Chromium fixture)
from tongxin.orgs.services import household_create
from tongxin.testing import as_role, text
from tongxin.voices.models import (
    Channel,
    DeedKind,
    Library,
    Rating,
    RectificationMode,
    RectificationSource,
    Voice,
    VoiceCategory,
    VoiceKind,
)
from tongxin.voices.selectors.figures import Rate, voice_figures, voice_figures_by_child
from tongxin.voices.services import workflow
from tongxin.voices.services.deeds import good_deed_record
from tongxin.voices.services.intake import voice_submit
from tongxin.voices.services.projects import milestone_done, project_create, supervisor_appoint
from tongxin.voices.services.rectifications import phase_done, rectification_create, rectification_fix
from tongxin.voices.services.visits import visit_record

URL = "/voices/figures/"


def category(code: str) -> VoiceCategory:
    return VoiceCategory.objects.get(code=code)


def tally(items, key: str) -> int:
    return next(t.count for t in items if t.key == key)


def set_clock(voice: Voice, **fields) -> None:
    """The test's clock: when a voice was submitted or resolved (the services stamp "now")."""
    Voice.objects.filter(pk=voice.pk).update(**fields)


@dataclass
class World:
    s: object
    voices: dict


def build_world(s) -> World:
    cw, admin = s.accounts["community_worker"], s.accounts["street_admin"]
    resident, member = s.accounts["resident"], s.accounts["party_member"]
    now = timezone.now()
    v = {}

    # 1. An opinion, resolved and rated 满意: closed.
    v[1] = voice_submit(by=resident, kind=VoiceKind.OPINION, text="小区楼道灯坏了好几天，晚上上下楼很不方便")
    workflow.voice_accept(by=cw, voice=v[1], library=Library.PROBLEM, category=category("property"))
    workflow.voice_assign(by=cw, voice=v[1], handler=cw)
    workflow.voice_start(by=cw, voice=v[1])
    workflow.voice_resolve(by=cw, voice=v[1], resolution="已联系物业更换楼道灯")
    workflow.voice_rate(by=resident, voice=v[1], rating=Rating.SATISFIED)
    # 2. A suggestion heard at a visit, urgent, resolved and rated 不满意: reopened.
    v[2] = voice_submit(by=cw, kind=VoiceKind.SUGGESTION, text="建议社区为独居老人安装紧急呼叫设备",
                        channel=Channel.VISIT, person=s.resident_a, urgent=True, on_behalf=True)
    workflow.voice_accept(by=cw, voice=v[2], library=Library.SUGGESTION, category=category("elderly_care"))
    workflow.voice_assign(by=cw, voice=v[2], handler=cw)
    workflow.voice_start(by=cw, voice=v[2])
    workflow.voice_resolve(by=cw, voice=v[2], resolution="已登记需求，等待统一采购")
    workflow.voice_rate(by=resident, voice=v[2], rating=Rating.UNSATISFIED, note="到现在还没有装上")
    # 3. A wish, claimed by a party member and resolved, not rated yet.
    v[3] = voice_submit(by=resident, kind=VoiceKind.WISH, text="希望有人帮忙修一下家里漏水的水龙头")
    workflow.voice_accept(by=cw, voice=v[3], library=Library.DIFFICULTY, category=category("assistance"))
    workflow.voice_claim(by=member, voice=v[3])
    workflow.voice_start(by=member, voice=v[3])
    workflow.voice_resolve(by=member, voice=v[3], resolution="党员上门更换了水龙头")
    # 4. A complaint, not accepted.
    v[4] = voice_submit(by=resident, kind=VoiceKind.COMPLAINT, text="对面商户晚上噪音太大影响休息")
    workflow.voice_reject(by=cw, voice=v[4], reason="属于城管执法事项，已告知反映人拨打12345")
    # 5. A difficulty by hotline, waiting; 6. the same again, merged into it (counted once).
    v[5] = voice_submit(by=cw, kind=VoiceKind.DIFFICULTY, text="家里老人行动不便，看病挂号很困难",
                        channel=Channel.HOTLINE, speaker_name="王大爷", org=s.building_a1, on_behalf=True)
    v[6] = voice_submit(by=cw, kind=VoiceKind.DIFFICULTY, text="老人行动不方便，去医院挂号看病很难",
                        channel=Channel.HOTLINE, speaker_name="王大爷的女儿", org=s.building_a1, on_behalf=True)
    workflow.voice_merge(by=cw, voice=v[6], into=v[5])
    # 7. An opinion, accepted and past its deadline.
    v[7] = voice_submit(by=resident, kind=VoiceKind.OPINION, text="小区门口的垃圾桶总是满的没人清理")
    workflow.voice_accept(by=cw, voice=v[7], library=Library.PROBLEM, category=category("property"))
    set_clock(v[7], due_at=now - timedelta(days=1))
    # 8. In community B: recorded by the street, resolved, 基本满意 at a follow-up call.
    v[8] = voice_submit(by=admin, kind=VoiceKind.OPINION, text="学院社区健身器材损坏需要维修",
                        channel=Channel.FORUM, person=s.resident_b, on_behalf=True)
    workflow.voice_accept(by=admin, voice=v[8], library=Library.PROBLEM, category=category("culture_facilities"))
    workflow.voice_assign(by=admin, voice=v[8], handler=admin)
    workflow.voice_start(by=admin, voice=v[8])
    workflow.voice_resolve(by=admin, voice=v[8], resolution="已更换损坏器材")
    workflow.voice_follow_up(by=admin, voice=v[8], rating=Rating.BASICALLY, note="电话回访")
    # Time to resolve: 10 h, 30 h (community A), 4 h (community B).
    set_clock(v[1], submitted_at=now - timedelta(hours=10), resolved_at=now)
    set_clock(v[3], submitted_at=now - timedelta(hours=30), resolved_at=now)
    set_clock(v[8], submitted_at=now - timedelta(hours=4), resolved_at=now)

    # Visits: household_a (not in hardship) visited; a hardship household not yet.
    household_create(by=None, org=s.building_a1, number="1-102", in_hardship=True)
    visit_record(by=s.accounts["grid_worker"], household=s.household_a, visited_at=now - timedelta(hours=2),
                 reasons=["old_sick", "returned_worker"], notes="老人身体还好")
    visit_record(by=s.accounts["grid_worker"], household=s.household_a, visited_at=now - timedelta(hours=1),
                 notes="回访")

    # Projects: one with a supervisor, under way; one done.
    today = timezone.localdate()
    supervised = project_create(by=cw, org=s.community_a, title="老旧小区路灯改造", owner="社区居委会",
                                milestones=[{"title": "勘查", "weight": 1, "due_on": today + timedelta(days=10)},
                                            {"title": "施工", "weight": 3, "due_on": today + timedelta(days=30)}])
    supervisor_appoint(by=cw, project=supervised, person=s.resident_a)
    milestone_done(by=cw, milestone=supervised.milestones.get(title="勘查"), done_on=today)
    done = project_create(by=cw, org=s.community_a, title="社区食堂开业", owner="社区居委会",
                          milestones=[{"title": "开业", "weight": 1, "due_on": today + timedelta(days=5)}])
    milestone_done(by=cw, milestone=done.milestones.get(), done_on=today)

    # The problem list: one fixed on the spot, one in phases with the first phase done.
    quick = rectification_create(by=cw, org=s.community_a, item="办事大厅工作人员迟到早退", source=RectificationSource.RESIDENTS,
                                 owner="社区党委", mode=RectificationMode.IMMEDIATE)
    rectification_fix(by=cw, rectification=quick, fixed_on=today, note="实行上下班签到制度")
    phased = rectification_create(by=cw, org=s.community_a, item="网格员入户走访不到位", source=RectificationSource.SELF_REVIEW,
                                  owner="社区党委", mode=RectificationMode.PHASED,
                                  phases=[{"target": "制定走访计划", "due_on": today + timedelta(days=7)},
                                          {"target": "完成全部入户", "due_on": today + timedelta(days=60)}])
    phase_done(by=cw, phase=phased.phases.get(order=1), done_on=today)

    # Good deeds: one of each kind.
    good_deed_record(by=cw, kind=DeedKind.MEMBER, person=s.member_a, what="为独居老人送米送油", done_on=today)
    good_deed_record(by=cw, kind=DeedKind.RESIDENT, person=s.resident_a, what="清理楼道杂物", done_on=today)
    return World(s, v)


@pytest.fixture
def world(street):
    return build_world(street)


# --- The figures against hand counts -----------------------------------------------------------

def test_community_figures_equal_the_hand_counts(world):
    f = voice_figures(org=world.s.community_a)
    # 1–7 less the merged 6.
    assert (f.received, f.responded, f.rejected, f.waiting, f.accepted) == (6, 5, 1, 1, 4)
    assert (f.resolved, f.rated, f.urgent, f.overdue) == (2, 2, 1, 1)
    assert f.response_rate == Rate(5, 6) and f.response_rate.percent == 83.3
    assert f.resolution_rate == Rate(2, 4) and f.resolution_rate.percent == 50.0
    assert f.satisfaction_rate == Rate(1, 2) and f.satisfaction_rate.percent == 50.0
    assert (f.hours_mean, f.hours_median) == (20.0, 20.0)  # 10 h and 30 h
    assert [(t.key, t.count) for t in f.by_status] == [
        ("submitted", 1), ("accepted", 1), ("claimed", 0), ("assigned", 0), ("in_progress", 0), ("resolved", 1),
        ("closed", 1), ("rejected", 1), ("reopened", 1)]
    assert [(t.key, t.count) for t in f.by_library] == [("difficulty", 1), ("problem", 2), ("suggestion", 1), ("", 2)]
    assert [(t.key, t.count) for t in f.by_kind] == [
        ("opinion", 2), ("suggestion", 1), ("wish", 1), ("difficulty", 1), ("complaint", 1)]
    assert [(t.key, t.count) for t in f.by_channel] == [
        ("visit", 1), ("form", 0), ("forum", 0), ("online", 4), ("hotline", 1)]
    assert [(t.key, t.count) for t in f.by_rating] == [("satisfied", 1), ("basically", 0), ("unsatisfied", 1)]
    assert (f.wishes.received, f.wishes.claimed, f.wishes.resolved) == (1, 1, 1)


def test_every_category_is_listed_in_order_with_zeros(world):
    f = voice_figures(org=world.s.community_a)
    codes = list(VoiceCategory.objects.order_by("order", "code").values_list("code", flat=True))
    assert [t.key for t in f.by_category] == [*codes, ""]
    assert (tally(f.by_category, "property"), tally(f.by_category, "elderly_care"),
            tally(f.by_category, "assistance"), tally(f.by_category, "")) == (2, 1, 1, 2)
    assert tally(f.by_category, "medical") == 0
    assert f.by_category[0].label == "物业" and f.by_category[-1].label == "未分类"
    for breakdown in (f.by_category, f.by_status, f.by_library, f.by_kind, f.by_channel):
        assert sum(t.count for t in breakdown) == f.received


def test_the_other_records(world):
    f = voice_figures(org=world.s.community_a)
    v = f.visits
    assert (v.visits, v.households, v.households_visited, v.hardship_households, v.hardship_visited) == (2, 2, 1, 1, 0)
    assert v.household_coverage.percent == 50.0 and v.hardship_coverage.percent == 0.0
    assert [(t.key, t.count) for t in v.by_reason] == [
        ("hardship", 0), ("returned_worker", 1), ("petitioner", 0), ("old_sick", 1), ("ordinary", 1)]
    p, r = f.projects, f.rectifications
    assert (p.total, p.with_supervisors, p.supervisors, p.done) == (2, 1, 1, 1)
    assert (r.total, r.fixed, r.in_progress, r.not_started, r.immediate, r.phased) == (2, 1, 1, 0, 1, 1)
    assert [(t.key, t.count) for t in f.deeds] == [("member", 1), ("resident", 1)] and f.deeds_total == 2


def test_households_visited_in_a_period_equal_the_visits(street):
    """Each household keeps its first and last visit; the figures of a period read them and ask
    the visits only of a household visited before and after it: 1-101 on days 30 and 2 ago (not
    between), 2-202 on day 10 ago, a hardship household 1-102 on day 20 ago."""
    s, now, today = street, timezone.now(), timezone.localdate()
    hardship = household_create(by=None, org=s.building_a1, number="1-102", in_hardship=True)
    worker = s.accounts["street_admin"]
    for household, days in ((s.household_a, 30), (s.household_a, 2), (s.household_b, 10), (hardship, 20)):
        visit_record(by=worker, household=household, visited_at=now - timedelta(days=days))
    s.household_a.refresh_from_db()
    minute = {"second": 0, "microsecond": 0}
    assert (s.household_a.first_visited_at, s.household_a.last_visited_at) == (
        (now - timedelta(days=30)).replace(**minute), (now - timedelta(days=2)).replace(**minute))

    def visited(since_ago, until_ago):
        v = voice_figures(org=s.street, date_from=today - timedelta(days=since_ago),
                          date_to=today - timedelta(days=until_ago) if until_ago is not None else None).visits
        return v.households, v.households_visited, v.hardship_households, v.hardship_visited

    assert visited(25, 5) == (3, 2, 1, 1)  # 2-202 and 1-102; 1-101 was visited before and after only
    assert visited(35, 25) == (3, 1, 1, 0)
    assert visited(40, 0) == (3, 3, 1, 1)
    assert visited(3, None) == (3, 1, 1, 0)  # open end: 1-101's last visit
    assert visited(15, 11) == (3, 0, 1, 0)


def test_the_subtree_filter(world):
    s = world.s
    b = voice_figures(org=s.community_b)
    assert (b.received, b.responded, b.resolved, b.rated) == (1, 1, 1, 1)
    assert b.satisfaction_rate.percent == 100.0 and b.hours_median == 4.0
    assert (b.visits.households, b.visits.households_visited, b.projects.total, b.deeds_total) == (1, 0, 0, 0)
    street = voice_figures(org=s.street)
    assert (street.received, street.responded, street.accepted, street.resolved, street.rated) == (7, 6, 5, 3, 2 + 1)
    assert street.satisfaction_rate == Rate(2, 3)  # 满意 in A, 基本满意 in B
    assert (street.hours_mean, street.hours_median) == (14.7, 10.0)  # 4, 10 and 30 hours
    grid = voice_figures(org=s.grid_a1)
    assert grid.received == 6 and grid.projects.total == 0  # the projects are the community's own


def test_a_rate_with_nothing_to_divide_by_has_no_value(street):
    empty = voice_figures(org=street.community_b)
    assert empty.received == 0
    for rate in (empty.response_rate, empty.resolution_rate, empty.satisfaction_rate,
                 empty.visits.hardship_coverage):
        assert rate.percent is None
    assert empty.visits.household_coverage.percent == 0.0  # one household, not visited
    assert (empty.hours_mean, empty.hours_median) == (None, None)
    voice_submit(by=street.accounts["resident"], kind=VoiceKind.OPINION, text="希望增加小区停车位数量")
    waiting = voice_figures(org=street.community_a)
    assert waiting.response_rate.percent == 0.0 and waiting.resolution_rate.percent is None
    assert waiting.satisfaction_rate.percent is None


def test_the_children_side_by_side_equal_each_childs_figures(world):
    s = world.s
    rows = voice_figures_by_child(org=s.street)
    assert [(row.org, row.direct) for row in rows] == [(s.community_a, False), (s.community_b, False)]
    assert [row.figures for row in rows] == [voice_figures(org=s.community_a), voice_figures(org=s.community_b)]


def test_what_sits_on_the_org_itself_gets_a_row_of_its_own(world):
    s = world.s
    voice_submit(by=s.accounts["community_worker"], kind=VoiceKind.OPINION, text="社区活动室开放时间太短",
                 channel=Channel.FORM, speaker_name="居民", org=s.community_a, on_behalf=True)
    rows = voice_figures_by_child(org=s.community_a)
    # The party branch holds nothing: no row. The projects and the problem list are the community's own.
    assert [(row.org, row.direct) for row in rows] == [(s.grid_a1, False), (s.community_a, True)]
    assert rows[0].figures == voice_figures(org=s.grid_a1)
    own = rows[1].figures
    assert (own.received, own.projects.total, own.rectifications.total, own.visits.visits) == (1, 2, 2, 0)


def test_the_figures_are_a_few_queries_however_many_children(world):
    with CaptureQueriesContext(connection) as one:
        voice_figures(org=world.s.street)
    with CaptureQueriesContext(connection) as side_by_side:
        voice_figures_by_child(org=world.s.street)
    assert len(one) <= 8 and len(side_by_side) <= 9


def test_the_median_of_an_odd_and_an_even_count(street):
    """On both databases: the middle value, or the mean of the middle two."""
    now = timezone.now()
    resident, cw = street.accounts["resident"], street.accounts["community_worker"]

    def resolved_in(hours: float, number: int) -> None:
        voice = voice_submit(by=resident, kind=VoiceKind.OPINION, text=f"第{number}件事情需要尽快处理")
        workflow.voice_accept(by=cw, voice=voice, library=Library.PROBLEM, category=category("other"))
        workflow.voice_assign(by=cw, voice=voice, handler=cw)
        workflow.voice_start(by=cw, voice=voice)
        workflow.voice_resolve(by=cw, voice=voice, resolution="已处理")
        set_clock(voice, submitted_at=now - timedelta(hours=hours), resolved_at=now)

    for number, hours in enumerate([6, 1, 2], start=1):
        resolved_in(hours, number)
    f = voice_figures(org=street.community_a)
    assert (f.hours_mean, f.hours_median) == (3.0, 2.0)
    resolved_in(11, 4)
    f = voice_figures(org=street.community_a)
    assert (f.hours_mean, f.hours_median) == (5.0, 4.0)  # (2 + 6) / 2


def local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def test_the_period_is_local_days_with_both_ends_included(street):
    """A voice at 00:00 Beijing time belongs to that day, one a moment earlier to the day before
    (16:00 the day before in UTC)."""
    resident = street.accounts["resident"]
    day = timezone.localdate() - timedelta(days=3)
    early = voice_submit(by=resident, kind=VoiceKind.OPINION, text="午夜零点提交的意见")
    late = voice_submit(by=resident, kind=VoiceKind.OPINION, text="前一天深夜提交的意见")
    set_clock(early, submitted_at=local_midnight(day))
    set_clock(late, submitted_at=local_midnight(day) - timedelta(microseconds=1))
    a = street.community_a
    assert voice_figures(org=a, date_from=day, date_to=day).received == 1
    assert voice_figures(org=a, date_from=day).received == 1
    assert voice_figures(org=a, date_to=day - timedelta(days=1)).received == 1
    assert voice_figures(org=a, date_from=day - timedelta(days=1), date_to=day).received == 2
    assert voice_figures(org=a, date_to=day - timedelta(days=2)).received == 0


def test_a_campaign_stands_for_its_period(street, campaign):
    resident = street.accounts["resident"]
    before = voice_submit(by=resident, kind=VoiceKind.OPINION, text="活动开始以前提出的意见")
    set_clock(before, submitted_at=local_midnight(campaign.starts_on) - timedelta(hours=1))
    voice_submit(by=resident, kind=VoiceKind.OPINION, text="活动期间提出的意见")
    assert voice_figures(org=street.street).received == 2
    f = voice_figures(org=street.street, campaign=campaign)
    assert f.received == 1 and (f.date_from, f.date_to) == (campaign.starts_on, campaign.ends_on)
    # Dates given take the place of the campaign's.
    assert voice_figures(org=street.street, campaign=campaign, date_from=campaign.starts_on - timedelta(days=1)
                         ).received == 2


def test_projects_and_the_problem_list_count_what_was_under_way_in_the_period(world):
    today = timezone.localdate()
    a = world.s.community_a
    before = voice_figures(org=a, date_to=today - timedelta(days=1))
    assert (before.projects.total, before.rectifications.total) == (0, 0)  # created today
    after = voice_figures(org=a, date_from=today + timedelta(days=1))
    # The finished project and the fixed item were done before the period began.
    assert (after.projects.total, after.projects.done) == (1, 0)
    assert (after.rectifications.total, after.rectifications.fixed) == (1, 0)
    assert after.deeds_total == 0 and after.visits.visits == 0


# --- The page --------------------------------------------------------------------------------------

ALLOWED = ["street_admin", "community_worker", "grid_worker", "building_head", "superior"]
REFUSED = ["party_member", "resident", "system_admin", "security_admin", "auditor"]


@pytest.mark.parametrize("role", ALLOWED + REFUSED)
def test_who_may_read_the_figures(client, street, role):
    response = as_role(client, street, role).get(URL)
    assert response.status_code == (200 if role in ALLOWED else 403)


@pytest.mark.parametrize(("role", "status"), [
    ("street_admin", 200), ("superior", 200), ("community_worker", 403), ("grid_worker", 403)])
def test_the_street_for_those_over_it_only(client, street, role, status):
    assert as_role(client, street, role).get(URL, {"org": "BLP"}).status_code == status


def test_a_worker_cannot_read_the_other_community(client, street):
    assert as_role(client, street, "community_worker").get(URL, {"org": "BLP-C2"}).status_code == 403
    assert as_role(client, street, "community_worker").get(URL, {"org": "NOPE"}).status_code == 404


def test_the_page_shows_every_figure_with_links_to_the_lists(client, world):
    response = as_role(client, world.s, "community_worker").get(URL)
    assert response.status_code == 200
    page = text(response)
    assert "群众心声统计 · 八里铺社区" in page
    for words in ("收到 6", "响应率 83.3% 5 6", "解决率 50.0% 2 4", "满意率 50.0% 1 2",
                  "平均 20.0 小时，中位数 20.0 小时", "物业 2", "医疗 0", "不予受理 1", "入户走访 1",
                  "走访覆盖率（已走访户 ÷ 辖区户数） 50.0% 1/2", "困难户走访覆盖率 0.0% 0/1", "已完成整改 1",
                  "党员办好一件实事 1", "指标口径"):
        assert words in page, words
    body = response.content.decode()
    voice_list = reverse("voices:voice_list")
    for query in ("org=BLP-C1&amp;status=rejected", "org=BLP-C1&amp;category=property", "org=BLP-C1&amp;tab=results",
                  "org=BLP-C1&amp;channel=hotline", "org=BLP-C1&amp;kind=wish", "org=BLP-C1&amp;overdue=1"):
        assert f'href="{voice_list}?{query}"' in body, query
    assert f'href="{reverse("voices:rectification_list")}?org=BLP-C1&amp;status=fixed"' in body
    assert f'href="{reverse("voices:figures_export")}?org=BLP-C1"' in body
    # The grid, side by side, with its drill-down.
    assert f'href="{URL}?org=BLP-C1-G1"' in body and 'class="table-wrap"' in body


def test_the_street_compares_its_communities(client, world):
    response = as_role(client, world.s, "street_admin").get(URL, {"from": "2020-01-01"})
    body = response.content.decode()
    assert f'href="{URL}?org=BLP-C1&amp;from=2020-01-01"' in body
    assert f'href="{URL}?org=BLP-C2&amp;from=2020-01-01"' in body
    page = text(response)
    assert "下级对比" in page and "学院社区 1 100.0% 100.0% 100.0% 4.0" in page


def test_zero_denominators_show_a_dash(client, street):
    page = text(as_role(client, street, "community_worker").get(URL))
    assert "响应率 — 0 0" in page and "办结用时 —" in page


def test_a_date_that_cannot_be_read_comes_back_with_a_message(client, world):
    response = as_role(client, world.s, "community_worker").get(URL, {"from": "2024-13-01"})
    assert response.status_code == 200
    page = text(response)
    assert "日期格式不正确" in page and "收到 6" in page  # the date is left out, not the figures
    assert 'value="2024-13-01"' in response.content.decode()  # what was typed stays in the field
    response = as_role(client, world.s, "community_worker").get(URL, {"from": "2024-02-01", "to": "2024-01-01"})
    assert "结束日期不能早于开始日期" in text(response)


def test_an_unknown_campaign_is_404(client, street):
    assert as_role(client, street, "community_worker").get(URL, {"campaign": "nope"}).status_code == 404


@pytest.mark.browser
def test_on_a_phone_the_tables_scroll_and_the_page_does_not(live_server, street, browser):  # noqa: F811
    build_world(street)
    page, errors = _new_page(browser, viewport=PHONE, phone=True)
    _log_in(page, live_server.url, "street_admin")
    page.goto(f"{live_server.url}{URL}?org=BLP")
    assert page.get_by_role("heading", name="群众心声统计 · 八里铺街道").is_visible()
    assert _page_fits_width(page)
    compare = page.locator(".table-wrap:has(table.fig-compare)")
    assert compare.evaluate("el => el.scrollWidth > el.clientWidth")  # the comparison scrolls inside its frame
    _screenshot(page, "phone-voice-figures")
    page.get_by_role("link", name="学院社区", exact=True).first.click()
    page.wait_for_url(f"{live_server.url}{URL}?org=BLP-C2")
    assert page.get_by_role("heading", name="群众心声统计 · 学院社区").is_visible()
    assert not errors
