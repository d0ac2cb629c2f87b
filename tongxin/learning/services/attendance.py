"""Attendance (签到): a person checks in with the rotating QR code, or staff tick a roster or enter a
paper sign-in sheet afterwards.

One attendance per person per session, whatever is retried: the unique constraint
``attendance_once_per_session`` is the arbiter. A check-in first looks for the person's
attendance; if there is none it inserts, and when a parallel request won the race the insert
fails on the constraint and the winner's row is returned. Only the request that inserted writes
the audit entry.

Who may attend (``in_scope``): a person whose place lies in the session org's subtree, or a party
member of a branch in that subtree (a branch's party day, the community's group study for the
members of its branches who live elsewhere). This is the rule by which ``learning.view_session``
shows the session to them.

When check-in is open (``checkin_state``): while the session is open, and for a planned session
from ``OPEN_BEFORE`` before its start until its end, so nobody has to press "open" for the QR code to
work. A closed session refuses.

The QR check-in is the hot path (a thousand people in two minutes, a city's members on one
morning): one query for the session, the person and their attendance together, then the writes
(attendance, coverage and its reach mark, audit entry): on PostgreSQL one prepared statement,
elsewhere one short transaction. The capacity count and its row lock are paid only by sessions
with a capacity. ``bench/checkin.py`` (``make bench``) measures it.

Each session keeps its count (``Session.attendance_count``, 签到人次) for the figures: the writer adds
what it inserted in its own statement or transaction, as its last write. So a session's row is
locked after the attendance rows and the points accounts, never before them (except for a session
with a capacity, whose writers all lock it first), and only until the commit: a QR check-in and a
roster tick of the same person cannot wait for each other, and the check-ins of one session do not
queue behind each other's points. ``attendance_recount`` counts again from the rows.

A new attendance earns points (``points_award``, action ``attendance``, key ``attendance:<id>``)
in the same transaction, by QR or roster alike; a retry earns nothing. The QR check-in reads the
rule with the person, so where no rule applies the award costs nothing; where one does, three
statements on PostgreSQL (the account's lock, the caps, the entry with its balance and audit
entry in one; for a person's first award: the lock that finds nothing, the account opened in
their community, the entry), then the session's count.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import cache

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from tongxin.core.audit import AuditAction, audit_insert_sql, audit_record, audit_record_many, audit_sql_params
from tongxin.core.prepared import model_from_row, prepared_cursor
from tongxin.orgs.models import Org
from tongxin.people.models import PartyMember, Person
from tongxin.points.actions import PointsAction
from tongxin.points.models import EarningRule
from tongxin.points.services.ledger import points_award

from ..checkin_codes import CodeCheck, verify_code
from ..models import Attendance, AttendanceMethod, CoverageDirty, Session, SessionStatus, way_bit
from ..selectors.sessions import in_scope
from .coverage import REACH_COLUMNS, coverage_mark_reached, reach_sql

# A planned session takes check-ins from half an hour before it starts.
OPEN_BEFORE = timedelta(minutes=30)
# A person who scanned a valid code and was sent to log in first has this long to finish.
LOGIN_GRACE = timedelta(minutes=10)


def _refuse(message: str, code: str) -> ValidationError:
    return ValidationError(message, code=code)


def checkin_opens_at(session: Session) -> datetime:
    return session.starts_at - OPEN_BEFORE


def checkin_state(session: Session, now: datetime) -> str:
    """``open``, ``not_yet`` or ``closed``: whether a QR check-in is taken at ``now``."""
    if session.status == SessionStatus.CLOSED:
        return "closed"
    if session.status == SessionStatus.OPEN:
        return "open"
    if now < checkin_opens_at(session):
        return "not_yet"
    return "open" if now <= session.ends_at else "closed"


def _check_open(session: Session, now: datetime) -> None:
    state = checkin_state(session, now)
    if state == "closed":
        raise _refuse(_("活动已结束，签到已关闭"), "closed")
    if state == "not_yet":
        opens = timezone.localtime(checkin_opens_at(session))
        raise _refuse(_("签到尚未开始，%(when)s 起可签到") % {"when": formats.date_format(opens, "n月j日 H:i")},
                      "not_open")


def _full(session: Session) -> ValidationError:
    return _refuse(_("人数已满（上限 %(n)d 人）") % {"n": session.capacity}, "full")


@cache
def _checkin_read_sql() -> str:
    """One read for a check-in: the session, the person (``%s``) with their branch, their
    attendance at the session if any, and the points rule for attending nearest above their place
    (``%s``, the action); no row when there is no such session. Plain SQL, written from the
    models' names: profiled, the app server spent three to four times as long building the two ORM
    queries it replaces (session; person with attendance) as it spends on this one."""
    session_columns = ", ".join(f"s.{connection.ops.quote_name(f.column)}" for f in Session._meta.concrete_fields)
    rule_columns = ", ".join(f"r.{connection.ops.quote_name(f.column)}" for f in EarningRule._meta.concrete_fields)
    pm = PartyMember._meta
    rules = EarningRule._meta.db_table
    return (
        f"SELECT {session_columns}, p.org_path, p.is_active, b.path, a.id, p.org_id, {rule_columns} "
        f"FROM {Session._meta.db_table} s "
        f"LEFT JOIN {Person._meta.db_table} p ON p.id = %s "
        f"LEFT JOIN {pm.db_table} m ON m.{pm.get_field('person').column} = p.id "
        f"LEFT JOIN {Org._meta.db_table} b ON b.id = m.{pm.get_field('branch').column} "
        f"LEFT JOIN {Attendance._meta.db_table} a ON a.session_id = s.id AND a.person_id = p.id "
        f"LEFT JOIN {rules} r ON r.id = (SELECT n.id FROM {rules} n WHERE n.action = %s AND n.active "
        f"AND p.org_path LIKE n.org_path || '%%' ORDER BY LENGTH(n.org_path) DESC LIMIT 1) "
        f"WHERE s.id = %s"
    )


def _checkin_read(session_id: int, person_id: int | None) -> Session | None:
    """The session, with ``person_org_path``, ``person_is_active``, ``person_branch_path``,
    ``attendance_id``, ``person_org_id`` and ``points_rule`` (``rule_for`` the attendance, or
    ``None``) set from the person's row (``None`` for a person not found). A prepared statement on
    PostgreSQL, and no queryset: every check-in runs it (``core.prepared``)."""
    with prepared_cursor() as cursor:
        cursor.execute(_checkin_read_sql(), [person_id, PointsAction.ATTENDANCE, session_id])
        row = cursor.fetchone()
    if row is None:
        return None
    width = len(Session._meta.concrete_fields)
    session = model_from_row(Session, row[:width])
    (session.person_org_path, session.person_is_active, session.person_branch_path,
     session.attendance_id, session.person_org_id) = row[width:width + 5]
    rule = row[width + 5:]
    session.points_rule = model_from_row(EarningRule, rule) if rule[0] is not None else None
    return session


def _scan_time(now: datetime | None, presented_at: datetime | None) -> datetime:
    now = now or timezone.now()
    if presented_at is not None and now - LOGIN_GRACE <= presented_at <= now:
        return presented_at
    return now


def attendance_checkin_by_id(*, by, session_id: int, token: str,
                             now: datetime | None = None) -> tuple[Attendance, bool]:
    """``attendance_checkin`` for the session with the id ``session_id`` (the API's path): the
    session is read in the same query as the person. Raises ``Session.DoesNotExist`` if there is
    no such session, and ``ValidationError`` as ``attendance_checkin``."""
    person_id = getattr(by, "person_id", None)
    read = _checkin_read(session_id, person_id)
    if read is None:
        raise Session.DoesNotExist
    return _checkin(by=by, session=read, person_id=person_id, token=token, scanned=_scan_time(now, None), read=read)


def attendance_checkin(*, by, session: Session, token: str, now: datetime | None = None,
                       presented_at: datetime | None = None) -> tuple[Attendance, bool]:
    """Check in the person of the account ``by`` with the code from ``session``'s QR screen.

    Returns ``(attendance, created)``; a retry returns the same attendance with ``created=False``
    and writes nothing. ``presented_at`` is when the code was scanned, if that was earlier than
    now: the scan page verifies a code before sending a person to log in, and checks it against
    the moment of the scan afterwards (at most ``LOGIN_GRACE`` ago).

    Raises ``ValidationError`` with a Chinese message and a ``code``: ``invalid``, ``expired``,
    ``no_person``, ``out_of_scope``, ``closed``, ``not_open``, ``full``.
    """
    return _checkin(by=by, session=session, person_id=getattr(by, "person_id", None), token=token,
                    scanned=_scan_time(now, presented_at))


def _checkin(*, by, session: Session, person_id: int | None, token: str, scanned: datetime,
             read: Session | None = None) -> tuple[Attendance, bool]:
    """The check-in itself; ``read`` is ``_checkin_read``'s row if the caller has it already."""
    check = verify_code(session, token, now=scanned)
    if check is CodeCheck.INVALID:
        raise _refuse(_("二维码无效，请扫描现场屏幕上的二维码"), "invalid")
    if person_id and read is None:
        read = _checkin_read(session.pk, person_id)
    if not person_id or read is None or read.person_org_path is None:
        raise _refuse(_("您的账号没有关联人员信息，无法签到，请联系社区工作人员"), "no_person")
    if read.attendance_id is not None:
        # A retry, however late: the person is checked in, and that is what they need to see.
        return Attendance.objects.get(pk=read.attendance_id), False
    if check is CodeCheck.EXPIRED:
        raise _refuse(_("二维码已过期，请扫描屏幕上最新的二维码"), "expired")
    if not in_scope(session, org_path=read.person_org_path, branch_path=read.person_branch_path,
                    is_active=bool(read.person_is_active)):
        raise _refuse(_("您不在本次活动的参加范围内，如有疑问请联系组织者"), "out_of_scope")
    # The moment of the scan counts: someone who scanned at 10:59 and logged in at 11:02 was there.
    _check_open(session, scanned)

    attendance = Attendance(session_id=session.pk, person_id=person_id, campaign_id=session.campaign_id,
                            method=AttendanceMethod.QR, checked_in_at=scanned, recorded_by=None)
    if session.capacity is None and connection.vendor == "postgresql":
        way = way_bit("session", session.kind)
        if read.points_rule is None:
            return _insert_in_one_statement(by=by, attendance=attendance, way=way, count=True)
        with transaction.atomic():
            attendance, created = _insert_in_one_statement(by=by, attendance=attendance, way=way, count=False)
            if created:  # a retry that lost the race earns nothing: the winner's request awarded
                _award(by=by, attendance=attendance, person=_person_of(read, person_id), rule=read.points_rule)
                # Last: every check-in of the session passes its row, so it is locked only for the
                # commit, not while the points are awarded.
                _count_in(session.pk, 1)
        return attendance, created
    try:
        # Outside a caller's transaction this is the transaction itself (no savepoint round trips);
        # inside one it is a savepoint, so a lost race leaves the caller's transaction usable.
        with transaction.atomic():
            if session.capacity is not None:
                # Lock the session row so that two check-ins cannot both take the last seat.
                Session.objects.select_for_update(no_key=True).filter(pk=session.pk).values_list("pk").first()
                if Attendance.objects.filter(session_id=session.pk).count() >= session.capacity:
                    raise _full(session)
            attendance.save(force_insert=True)
            coverage_mark_reached(campaign_id=session.campaign_id, person_ids=[person_id], when=scanned,
                                  way=way_bit("session", session.kind))
            audit_record(by=by, action=AuditAction.ATTENDANCE_CHECKED_IN, obj=attendance,
                         changes={"session": session.pk, "person": person_id, "method": AttendanceMethod.QR})
            if read.points_rule is not None:
                _award(by=by, attendance=attendance, person=_person_of(read, person_id), rule=read.points_rule)
            _count_in(session.pk, 1)
    except IntegrityError:
        # A parallel request for the same person inserted first; theirs is the attendance.
        existing = Attendance.objects.filter(session_id=session.pk, person_id=person_id).first()
        if existing is None:
            raise
        return existing, False
    return attendance, True


def _person_of(read: Session, person_id: int) -> Person:
    """The checked-in person as ``points_award`` needs them (place, active, org), from the row
    ``_checkin_read`` already has: no extra query on the hot path."""
    return Person(pk=person_id, org_path=read.person_org_path, is_active=bool(read.person_is_active),
                  org_id=read.person_org_id)


def _award(*, by, attendance: Attendance, person: Person, rule: EarningRule | None = None) -> None:
    """Points for attending, once (the key is the new attendance, whatever wrote it: QR, roster or
    sign sheet). ``rule``: the one the QR check-in read with the person; else it is read here."""
    points_award(by=by, person=person, action=PointsAction.ATTENDANCE, key=f"attendance:{attendance.pk}",
                 source=attendance, reason=_("参加学习活动"), rule=rule, new_key=True)


@cache
def _one_statement_sql(count: bool) -> str:
    counted = (f"counted AS (UPDATE {Session._meta.db_table} SET attendance_count = attendance_count + 1 "
               f"WHERE id = %(session)s AND EXISTS (SELECT FROM a)), ") if count else ""
    return (
        f"WITH a AS (INSERT INTO {Attendance._meta.db_table} "
        f"(session_id, person_id, campaign_id, method, checked_in_at, recorded_by_id) "
        f"VALUES (%(session)s, %(person)s, %(campaign)s, %(method)s, %(at)s, NULL) "
        f"ON CONFLICT (session_id, person_id) DO NOTHING RETURNING id), "
        f"reached AS ({reach_sql('person_id = %(person)s AND EXISTS (SELECT FROM a)')}), "
        f"marked AS (INSERT INTO {CoverageDirty._meta.db_table} ({', '.join(REACH_COLUMNS)}) "
        f"SELECT * FROM reached), "
        f"{counted}"
        f"audit AS ({audit_insert_sql('a')}) "
        f"SELECT id FROM a"
    )


def _insert_in_one_statement(*, by, attendance: Attendance, way: int, count: bool) -> tuple[Attendance, bool]:
    """(PostgreSQL, a session without capacity) The attendance, the coverage update with its reach
    mark, the session's count (``count``; else the caller adds it) and the audit entry, in one
    prepared statement, so all land or none. The transaction in
    ``_checkin`` does the same in seven round trips, which cost most of a check-in's CPU on both
    sides (profiled with bench/checkin.py). When a parallel request for the same person inserted
    first, this one waits for it, inserts nothing and returns theirs."""
    params = {"session": attendance.session_id, "person": attendance.person_id, "campaign": attendance.campaign_id,
              "method": attendance.method, "at": attendance.checked_in_at, "way": way,
              **audit_sql_params(by=by, action=AuditAction.ATTENDANCE_CHECKED_IN, model=Attendance,
                                 repr_prefix=Attendance.REPR_PREFIX,
                                 changes={"session": attendance.session_id, "person": attendance.person_id,
                                          "method": AttendanceMethod.QR})}
    with prepared_cursor() as cursor:
        cursor.execute(_one_statement_sql(count), params)
        row = cursor.fetchone()
    if row is None:
        return Attendance.objects.get(session_id=attendance.session_id, person_id=attendance.person_id), False
    attendance.pk = row[0]
    return attendance, True


@transaction.atomic
def attendance_record_roster(*, by, session: Session, persons: Iterable[Person],
                             method: str = AttendanceMethod.ROSTER,
                             checked_in_at: datetime | None = None) -> list[Attendance]:
    """Staff tick persons present on the roster, or enter a paper sign-in sheet afterwards.

    Persons already checked in are left as they are, so sending the same ticks twice records
    nothing new. Returns the attendances created (one audit entry each).
    """
    if not by.has_perm("learning.manage_sessions", session.org):
        raise PermissionError(_("无权为该活动登记签到"))
    if method not in (AttendanceMethod.ROSTER, AttendanceMethod.SIGN_SHEET):
        raise ValidationError({"method": _("未知的签到方式")})
    now = timezone.now()
    when = checked_in_at or now
    if now < checkin_opens_at(session):
        raise _refuse(_("活动尚未开始，不能登记签到"), "not_open")
    if when > now + timedelta(minutes=5):
        raise ValidationError({"checked_in_at": _("签到时间不能晚于现在")})
    wanted = {p.pk: p for p in persons}
    if not wanted:
        return []
    rows = Person.objects.filter(pk__in=wanted).values_list("pk", "org_path", "is_active", "party_member__branch__path")
    outside = [wanted[pk].name for pk, path, active, branch in rows
               if not in_scope(session, org_path=path, branch_path=branch, is_active=active)]
    if outside:
        raise _refuse(_("以下人员不在本次活动的参加范围内：%(names)s") % {"names": "、".join(sorted(outside))},
                      "out_of_scope")
    if session.capacity is not None:
        # Lock the session so that the capacity count sees every other writer (they lock it too).
        Session.objects.select_for_update(no_key=True).filter(pk=session.pk).values_list("pk").first()
    present = set(Attendance.objects.filter(session_id=session.pk, person_id__in=wanted)
                  .values_list("person_id", flat=True))
    # In one order, so that two staff entering overlapping sheets wait for each other, not in a circle.
    new_ids = sorted(pk for pk in wanted if pk not in present)
    if session.capacity is not None and new_ids:
        if Attendance.objects.filter(session_id=session.pk).count() + len(new_ids) > session.capacity:
            raise _full(session)
    recorder = by if getattr(by, "pk", None) else None
    made = [Attendance(session_id=session.pk, person_id=pk, campaign_id=session.campaign_id, method=method,
                       checked_in_at=when, recorded_by=recorder) for pk in new_ids]
    try:
        with transaction.atomic():
            Attendance.objects.bulk_create(made)
    except IntegrityError:
        # Someone scanned or ticked in between our read and our insert: insert one by one and
        # leave theirs.
        made = [a for a in made if _insert_unless_present(a)]
    coverage_mark_reached(campaign_id=session.campaign_id, person_ids=[a.person_id for a in made], when=when,
                          way=way_bit("session", session.kind))
    audit_record_many(by=by, action=AuditAction.ATTENDANCE_RECORDED, objects=made,
                      changes_for=lambda a: {"session": session.pk, "person": a.person_id, "method": method,
                                             "checked_in_at": when.isoformat()})
    for a in made:  # each person ticked present earns as by QR (a roster is small: one award each)
        _award(by=by, attendance=a, person=wanted[a.person_id])
    _count_in(session.pk, len(made))  # last, as the QR check-in's: the session's row is locked till the end
    return made


def _count_in(session_id: int, added: int) -> None:
    if added:
        Session.objects.filter(pk=session_id).update(attendance_count=F("attendance_count") + added)


def attendance_recount(sessions) -> None:
    """Count the attendances of ``sessions`` (a queryset) again from the rows: after a bulk load
    that writes rows directly (the demo)."""
    per_session = (Attendance.objects.filter(session=OuterRef("pk")).order_by().values("session")
                   .annotate(n=Count("id")).values("n"))
    sessions.update(attendance_count=Coalesce(Subquery(per_session), 0))


def _insert_unless_present(attendance: Attendance) -> bool:
    attendance.pk = None
    try:
        with transaction.atomic():
            attendance.save(force_insert=True)
    except IntegrityError:
        return False
    return True
