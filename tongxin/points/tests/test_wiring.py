"""Points earned where the work is recorded: a check-in (QR or roster), a home delivery, a
reflection submitted and one selected as excellent — each once, whatever is retried, within the
rule's caps."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tongxin.learning.checkin_codes import make_code
from tongxin.learning.models import DeliveryKind, Session, SessionKind
from tongxin.learning.services.attendance import attendance_checkin, attendance_record_roster
from tongxin.learning.services.deliveries import delivery_record
from tongxin.learning.services.reflections import ReviewDecision, reflection_review, reflection_submit
from tongxin.learning.services.sessions import session_create
from tongxin.points.actions import DEFAULT_RULES, PointsAction, earning_rules_default
from tongxin.points.models import EarningRule, PointsAccount, PointsEntry
from tongxin.points.services.ledger import balance_of, points_checkin

TEXT = "通过学习，我深刻认识到感党恩、听党话、跟党走的重要意义，要在社区建设中发挥作用。"


@pytest.fixture
def rules(street):
    earning_rules_default(by=None, org=street.street)
    return street


def _session(street, topic="学习《论群众路线》"):
    start = timezone.now() - timedelta(minutes=10)
    return session_create(by=street.accounts["street_admin"], org=street.community_a, kind=SessionKind.GROUP_STUDY,
                          topic=topic, starts_at=start, ends_at=start + timedelta(hours=1))


def _earned(person, action) -> list[int]:
    entries = PointsEntry.objects.filter(person=person, action=action).order_by("id")
    return list(entries.values_list("amount", flat=True))


def _balance_is_the_sum(person) -> bool:
    account = PointsAccount.objects.get(person=person)
    return account.balance == (PointsEntry.objects.filter(account=account).aggregate(s=Sum("amount"))["s"] or 0)


def test_a_street_gets_the_default_rules_once(street):
    made = earning_rules_default(by=None, org=street.street)
    assert {r.action for r in made} == set(DEFAULT_RULES) == set(PointsAction.values)
    assert earning_rules_default(by=None, org=street.street) == []
    assert EarningRule.objects.filter(org=street.street).count() == len(PointsAction.values)
    with pytest.raises(ValueError):
        earning_rules_default(by=None, org=street.community_a)


def test_a_check_in_earns_once_however_often_retried(rules):
    session = _session(rules)
    user = rules.accounts["resident"]
    for _ in range(3):
        attendance, _created = attendance_checkin(by=user, session=session, token=make_code(session))
    assert _earned(rules.resident_a, PointsAction.ATTENDANCE) == [DEFAULT_RULES[PointsAction.ATTENDANCE].points]
    entry = PointsEntry.objects.get(person=rules.resident_a)
    assert (entry.key, entry.source_type, entry.source_id) == (
        f"attendance:{attendance.pk}", "learning.attendance", str(attendance.pk))
    assert _balance_is_the_sum(rules.resident_a)


def _statements_of(captured) -> list[str]:
    control = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")
    return [q["sql"] for q in captured.captured_queries if not q["sql"].lstrip().upper().startswith(control)]


@pytest.mark.django_db(transaction=True)
def test_a_check_in_that_earns_costs_these_statements(rules):
    """The hot path with a rule: the check-in's read (which brings the rule along) and its write,
    then the award: the account's lock, the caps in one sum, and on PostgreSQL the entry, the
    balance, the tally's mark and the audit entry in one statement (four on SQLite); last the
    session's count. The
    account here exists from today's check-in."""
    session = _session(rules)
    points_checkin(by=rules.accounts["resident"], person=rules.resident_a)
    with CaptureQueriesContext(connection) as captured:
        attendance_checkin(by=rules.accounts["resident"], session=session, token=make_code(session))
    statements = _statements_of(captured)
    if connection.vendor == "postgresql":
        assert len(statements) == 6, statements
        assert statements[1].startswith("WITH a AS (INSERT INTO learning_attendance ")
        assert "FOR UPDATE" in statements[2]
        assert statements[4].startswith("WITH e AS (INSERT INTO points_pointsentry ")
        assert statements[5].startswith('UPDATE "learning_session" SET "attendance_count"')
    else:
        assert len(statements) == 10, statements
        assert any(s.startswith('INSERT INTO "points_pointstallymark"') for s in statements)
    assert balance_of(rules.resident_a) == 12
    assert _balance_is_the_sum(rules.resident_a)
    assert Session.objects.get(pk=session.pk).attendance_count == 1


@pytest.mark.django_db(transaction=True)
def test_a_first_award_opens_the_account_in_the_same_number_of_statements(rules):
    """On PostgreSQL the lock finds no account; one statement opens it in the person's community
    (found in the same statement), and a new account has no caps to read. SQLite reads the
    community, inserts, locks and reads the caps."""
    session = _session(rules)
    with CaptureQueriesContext(connection) as captured:
        attendance_checkin(by=rules.accounts["resident"], session=session, token=make_code(session))
    statements = _statements_of(captured)
    assert len(statements) == (6 if connection.vendor == "postgresql" else 13), statements
    assert balance_of(rules.resident_a) == 10
    assert _balance_is_the_sum(rules.resident_a)
    account = PointsAccount.objects.get(person=rules.resident_a)
    assert (account.org, account.balance, account.earned) == (rules.community_a, 10, 10)


def test_a_roster_tick_earns_and_a_later_scan_earns_nothing_more(rules):
    session = _session(rules)
    made = attendance_record_roster(by=rules.accounts["street_admin"], session=session,
                                    persons=[rules.resident_a, rules.member_a])
    assert len(made) == 2
    assert _earned(rules.resident_a, PointsAction.ATTENDANCE) == [10]
    assert _earned(rules.member_a, PointsAction.ATTENDANCE) == [10]
    attendance_checkin(by=rules.accounts["resident"], session=session, token=make_code(session))
    attendance_record_roster(by=rules.accounts["street_admin"], session=session, persons=[rules.resident_a])
    assert _earned(rules.resident_a, PointsAction.ATTENDANCE) == [10]


def test_attendance_caps_apply(rules):
    # 10 a session, 20 a day: the third session of the day earns nothing.
    sessions = [_session(rules, topic=f"第{n}次学习") for n in range(3)]
    for session in sessions:
        attendance_record_roster(by=rules.accounts["street_admin"], session=session, persons=[rules.resident_a])
    assert _earned(rules.resident_a, PointsAction.ATTENDANCE) == [10, 10]
    assert balance_of(rules.resident_a) == 20


def test_no_rule_no_points(street):
    session = _session(street)
    attendance_checkin(by=street.accounts["resident"], session=session, token=make_code(session))
    assert not PointsEntry.objects.exists()


def test_home_delivery_earns_the_person_reached_online_does_not(rules, campaign):
    by = rules.accounts["grid_worker"]
    delivery_record(by=by, person=rules.member_a, kind=DeliveryKind.HOME, campaign=campaign)
    delivery_record(by=by, person=rules.member_a, kind=DeliveryKind.ONLINE, campaign=campaign)
    assert _earned(rules.member_a, PointsAction.HOME_DELIVERY) == [10]
    assert PointsEntry.objects.filter(person=rules.member_a).count() == 1
    # The weekly cap is 30 and the daily 10: a second visit the same day earns nothing.
    delivery_record(by=by, person=rules.member_a, kind=DeliveryKind.HOME, campaign=campaign, note="第二次")
    assert _earned(rules.member_a, PointsAction.HOME_DELIVERY) == [10]


def test_a_reflection_earns_when_submitted_and_when_selected_as_excellent(rules):
    reflection = reflection_submit(by=rules.accounts["resident"], title="学习体会", text=TEXT)
    assert _earned(rules.resident_a, PointsAction.REFLECTION_SUBMITTED) == [5]
    reviewer = rules.accounts["community_worker"]
    reflection_review(by=reviewer, reflection=reflection, decision=ReviewDecision.APPROVE)
    reflection_review(by=reviewer, reflection=reflection, decision=ReviewDecision.EXCELLENT)
    assert _earned(rules.resident_a, PointsAction.REFLECTION_EXCELLENT) == [20]
    # Unselected and selected again: still one award.
    reflection_review(by=reviewer, reflection=reflection, decision=ReviewDecision.NOT_EXCELLENT)
    reflection_review(by=reviewer, reflection=reflection, decision=ReviewDecision.EXCELLENT)
    assert _earned(rules.resident_a, PointsAction.REFLECTION_EXCELLENT) == [20]
    assert balance_of(rules.resident_a) == 25 and _balance_is_the_sum(rules.resident_a)


def test_reflections_are_capped_per_day(rules):
    for n in range(3):
        reflection_submit(by=rules.accounts["resident"], title=f"学习体会{n}", text=TEXT + str(n))
    assert _earned(rules.resident_a, PointsAction.REFLECTION_SUBMITTED) == [5]
