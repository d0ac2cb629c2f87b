"""The figures of an org's subtree week by week: the dashboard's chart and its table.

``weekly_series(org, campaign, date_from, date_to)`` gives one ``WeekPoint`` per ISO week
(Monday to Sunday, Beijing time) of the period, with the learning sessions, attendance, deliveries,
voices received and resolved, visits and points earned of that week. Each series is one grouped SQL
query over the records ``report_figures`` counts, with its rules (the same period, the same
campaign filter, the same subtree), so the weeks of a series add up to the period's figure:

- sessions and attendance by the week the session starts (attendance is counted per session);
- deliveries by the week they were delivered;
- voices by the week they were received; *resolved* are the voices received that week that are
  resolved by now (the numerator of the resolution rate), not those resolved in that week — so
  each voice counts once, in its own week, and the chart shows how much of each week's intake
  is done;
- visits by the week of the visit; points earned by the week of the ledger entry.

Weeks are cut in local time: ``TruncWeek`` is given the current time zone (Asia/Shanghai), which
Django applies on PostgreSQL (``AT TIME ZONE``) and on SQLite (its Python functions convert the
stored UTC values first), so a session at 23:30 on a Sunday evening falls in that week, not the
next. The first and last weeks may be cut short by the period: ``first_day`` and ``last_day``
say which of their days count.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, DateField, Q, QuerySet, Sum
from django.db.models.functions import TruncWeek
from django.utils.translation import gettext_lazy as _

from tongxin.campaigns.models import Campaign
from tongxin.learning.models import Delivery, Session
from tongxin.orgs.models import Org
from tongxin.points.models import EntryKind, PointsEntry
from tongxin.voices.models import Visit, Voice
from tongxin.voices.selectors.figures import RESULTS_Q

# The period and filters of ``report_figures`` itself, so that a week means what the figure means.
from .figures import _bounds, _of_campaign, _within, resolve_period

# The series of a week, in the order the page shows them: key → (name, unit).
SERIES: dict[str, tuple[str, str]] = {
    "sessions": (_("学习活动"), _("场")),
    "attendance": (_("参加学习"), _("人次")),
    "deliveries": (_("送学"), _("人次")),
    "voices": (_("收到心声"), _("条")),
    "voices_resolved": (_("其中已办结"), _("条")),
    "visits": (_("走访"), _("户次")),
    "points_earned": (_("发放积分"), _("分")),
}

# The figure of ``report_figures`` each series adds up to (``voices_resolved``: a rate's numerator).
TOTALS = {"sessions": "sessions", "attendance": "attendance", "deliveries": "deliveries", "voices": "voices",
          "voices_resolved": "resolution_rate", "visits": "visits", "points_earned": "points_earned"}


@dataclass(frozen=True)
class WeekPoint:
    """One ISO week: its Monday (``week``), the days of it inside the period, and its counts."""

    week: date
    first_day: date
    last_day: date
    sessions: int = 0
    attendance: int = 0
    deliveries: int = 0
    voices: int = 0
    voices_resolved: int = 0
    visits: int = 0
    points_earned: int = 0

    @property
    def iso_week(self) -> int:
        return self.week.isocalendar().week

    @property
    def days(self) -> int:
        """How many of its days count (fewer than 7 where the period cuts the week)."""
        return (self.last_day - self.first_day).days + 1

    @property
    def label(self) -> str:
        """The week as an axis label: the month and day of its Monday, "9/2", marked "9/2*" when
        the period cuts it short (the week under way, or the first of a period starting on a Wednesday)."""
        return f"{self.week.month}/{self.week.day}{'' if self.days == 7 else '*'}"

    @property
    def span(self) -> str:
        """Its days inside the period: "2024-09-02 — 2024-09-08"."""
        return f"{self.first_day.isoformat()} — {self.last_day.isoformat()}"

    def value(self, key: str) -> int:
        return getattr(self, key)


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _week(expression: str) -> TruncWeek:
    """The local Monday of a datetime column, as a date (see the module's docstring)."""
    return TruncWeek(expression, output_field=DateField())


def _by_week(qs: QuerySet, column: str, **aggregates) -> list[dict]:
    return list(qs.order_by().values(week=_week(column)).annotate(**aggregates))


def weekly_series(org: Org, campaign: Campaign | None = None, date_from: date | None = None,
                  date_to: date | None = None, *, today: date | None = None) -> list[WeekPoint]:
    """The weeks of the period (as ``report_figures`` resolves it) for ``org``'s subtree, oldest
    first, every week present even when nothing happened in it. With no start (no campaign, no
    date), the weeks start at the first week that has a record. The caller checks that the
    account may read ``org``."""
    date_from, date_to = resolve_period(campaign, date_from, date_to, today)
    start, end = _bounds(date_from, date_to)
    counts: dict[date, dict[str, int]] = {}

    def put(rows: list[dict], **names: str) -> None:
        for row in rows:
            slot = counts.setdefault(row["week"], {})
            for key, column in names.items():
                slot[key] = slot.get(key, 0) + (row[column] or 0)

    sessions = _of_campaign(Session.objects.filter(org_path__startswith=org.path), campaign).filter(
        _within("starts_at", start, end))
    put(_by_week(sessions, "starts_at", n=Count("id"), people=Sum("attendance_count")),
        sessions="n", attendance="people")
    deliveries = _of_campaign(Delivery.objects.filter(person__org_path__startswith=org.path), campaign).filter(
        _within("delivered_at", start, end))
    put(_by_week(deliveries, "delivered_at", n=Count("id")), deliveries="n")
    # Voices and visits count by their dates alone, as in ``voice_figures`` (no campaign filter).
    voices = Voice.objects.filter(_within("submitted_at", start, end), org_path__startswith=org.path,
                                  duplicate_of__isnull=True)
    put(_by_week(voices, "submitted_at", n=Count("pk"), resolved=Count("pk", filter=RESULTS_Q)),
        voices="n", voices_resolved="resolved")
    visits = Visit.objects.filter(_within("visited_at", start, end), org_path__startswith=org.path)
    put(_by_week(visits, "visited_at", n=Count("pk")), visits="n")
    entries = PointsEntry.objects.filter(_within("at", start, end), org_path__startswith=org.path)
    put(_by_week(entries, "at", earned=Sum("amount", filter=Q(kind=EntryKind.EARN))), points_earned="earned")

    first = monday(date_from) if date_from else min(counts, default=monday(date_to))
    weeks = []
    week = first
    while week <= date_to:
        weeks.append(WeekPoint(
            week=week, first_day=max(week, date_from) if date_from else week,
            last_day=min(week + timedelta(days=6), date_to), **counts.get(week, {})))
        week += timedelta(days=7)
    return weeks


def series_totals(weeks: list[WeekPoint]) -> dict[str, int]:
    """The sum of each series over the weeks (the table's last row)."""
    return {key: sum(w.value(key) for w in weeks) for key in SERIES}
