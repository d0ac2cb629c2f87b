"""The tallies of the coverage summary (``CoverageTally``): after every kind of write, the summary
added up from the tallies equals the summary counted from the rows, for the street, a community
and a grid; the gap count of a list above the grids is the rows' count; and two readers settling
at once while check-ins commit leave tallies equal to a full count."""

from __future__ import annotations

import importlib
import json
import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from tongxin.campaigns.services import campaign_update
from tongxin.learning.checkin_codes import make_code
from tongxin.learning.models import CoverageDirty, CoverageTally, DeliveryKind, SessionKind
from tongxin.learning.selectors.coverage import (
    coverage_for_org, coverage_for_org_direct, coverage_gap_page, coverage_gap_slice, coverage_gaps, tally_settle,
)
from tongxin.learning.selectors.coverage import tally
from tongxin.learning.selectors.coverage.tally import _count
from tongxin.learning.services.attendance import attendance_checkin, attendance_record_roster
from tongxin.learning.services.deliveries import delivery_record
from tongxin.people.services import party_member_save, person_update

from .test_coverage import add_person, add_session
from .test_coverage_entries import setting  # noqa: F401 (the fixture)


def orgs_of(setting) -> list:
    s = setting.s
    return [s.district, s.street, s.community_a, s.community_b, s.grid_a1, s.grid_b1]


def assert_tallies_agree(setting) -> None:
    """For each campaign and org: the summary from the tallies is the summary from the rows, and
    the gap count above the grids is the number of gap rows."""
    for campaign in setting.campaigns:
        for org in orgs_of(setting):
            direct = coverage_for_org_direct(campaign, org)
            assert coverage_for_org(campaign, org) == direct, (campaign.slug, org.code)
            gaps = coverage_gaps(campaign, [org]).count()
            assert gaps == direct.gaps, (campaign.slug, org.code)
            page, _items = coverage_gap_page(campaign, [org])
            assert page.paginator.count == gaps, (campaign.slug, org.code)
            assert coverage_gap_slice(campaign, [org])[0] == gaps, (campaign.slug, org.code)
        assert not CoverageDirty.objects.filter(campaign=campaign).exists()


def marks(campaign) -> int:
    return CoverageDirty.objects.filter(campaign=campaign).count()


def test_the_tallies_are_written_with_the_campaign(setting):
    s = setting.s
    areas = set(CoverageTally.objects.filter(campaign=setting.main).values_list("area_id", flat=True))
    assert areas == {s.grid_a1.pk, s.grid_b1.pk}
    # The persons the setting added afterwards marked their areas; a read takes the marks.
    assert marks(setting.main) == 3
    coverage_for_org(setting.main, s.grid_a1)
    assert marks(setting.main) == 0
    assert_tallies_agree(setting)


def test_a_check_in_marks_its_area_once_and_a_repeat_marks_nothing(setting):
    s = setting.s
    session = setting.session(setting.main, SessionKind.GROUP_STUDY, org=s.community_a)
    tally_settle(setting.main)
    now = timezone.now()
    attendance_checkin(by=s.accounts["resident"], session=session, token=make_code(session, now=now), now=now)
    assert list(CoverageDirty.objects.filter(campaign=setting.main).values_list("area_id", flat=True)) \
        == [s.resident_a.org.parent_id]
    assert coverage_for_org(setting.main, s.street).reached == 1
    assert marks(setting.main) == 0
    # The same way again, later: the row does not change, nothing is marked.
    again = setting.session(setting.main, SessionKind.GROUP_STUDY, org=s.community_a)
    attendance_record_roster(by=setting.admin, session=again, persons=[s.resident_a])
    assert marks(setting.main) == 0
    # Another way is a change.
    other = setting.session(setting.main, SessionKind.LECTURE)
    attendance_record_roster(by=setting.admin, session=other, persons=[s.resident_a, s.resident_b])
    assert marks(setting.main) == 2
    assert_tallies_agree(setting)


def test_reaches_are_added_to_the_tallies_without_counting_the_areas(setting, monkeypatch):
    """A check-in, a roster, a delivery, an earlier first reach: their marks carry the change, and
    the read adds them up (a count would fail here); the figures are a count's."""
    s = setting.s
    tally_settle(setting.main)
    now = timezone.now()
    session = setting.session(setting.main, SessionKind.GROUP_STUDY, org=s.community_a)
    attendance_checkin(by=s.accounts["resident"], session=session, token=make_code(session, now=now), now=now)
    attendance_record_roster(by=setting.admin, session=setting.session(setting.main, SessionKind.LECTURE),
                             persons=[s.resident_a, s.resident_b, s.member_a], method="sign_sheet",
                             checked_in_at=now - timedelta(days=9))
    delivery_record(by=None, person=s.member_a, kind=DeliveryKind.HOME, campaign=setting.main)
    assert marks(setting.main) == 5
    assert not CoverageDirty.objects.filter(campaign=setting.main, new_ways__isnull=True).exists()

    def no_count(*args, **kwargs):
        raise AssertionError("counted an area instead of adding its reaches")

    monkeypatch.setattr(tally, "_count", no_count)
    tally_settle(setting.main)
    monkeypatch.undo()
    assert marks(setting.main) == 0
    assert _tallies(setting.main) == {area: _normal(f) for area, f in _count(setting.main, None).items()}
    assert_tallies_agree(setting)


def test_deliveries(setting):
    s = setting.s
    delivery_record(by=None, person=s.member_a, kind=DeliveryKind.HOME, campaign=setting.main)
    delivery_record(by=None, person=s.member_a, kind=DeliveryKind.POCKET_BOOK, campaign=setting.main)
    delivery_record(by=None, person=setting.teacher, kind=DeliveryKind.ONLINE, campaign=setting.at_school)
    delivery_record(by=None, person=s.resident_b, kind=DeliveryKind.ONLINE, campaign=setting.retired)
    assert_tallies_agree(setting)


def test_a_person_moved_to_another_grid(setting):
    s = setting.s
    attendance_record_roster(by=setting.admin, session=setting.session(setting.main), persons=[s.resident_a])
    assert_tallies_agree(setting)
    person_update(by=None, person=s.resident_a, org=s.building_b1)
    assert {s.grid_a1.pk, s.grid_b1.pk} <= set(
        CoverageDirty.objects.filter(campaign=setting.main).values_list("area_id", flat=True))
    assert_tallies_agree(setting)
    assert coverage_for_org(setting.main, s.grid_b1).reached == 1
    assert coverage_for_org(setting.main, s.grid_a1).reached == 0


def test_groups_and_member_flags_change(setting):
    s = setting.s
    person_update(by=None, person=s.resident_b, groups=["retired", "student"])
    person_update(by=None, person=setting.retiree, groups=[])  # leaves the retired campaign
    party_member_save(by=None, person=s.member_a, branch=s.branch_a, joined_on=s.member_a.party_member.joined_on,
                      needs_home_delivery=True, is_mobile=True)
    assert_tallies_agree(setting)


def test_the_campaign_target_changes(setting):
    s = setting.s
    delivery_record(by=None, person=s.resident_b, kind=DeliveryKind.ONLINE, campaign=setting.main)
    campaign_update(by=None, campaign=setting.main, targets_members=False)
    assert marks(setting.main) == 0
    assert_tallies_agree(setting)
    campaign_update(by=None, campaign=setting.retired, resident_groups=["retired", "elderly"])
    assert_tallies_agree(setting)


@pytest.mark.parametrize("range_areas", [0, 20])
def test_marked_areas_counted_by_ranges_or_in_one_pass(setting, monkeypatch, range_areas):
    """Few marked areas are read as ranges of places, many in one pass: the same figures."""
    monkeypatch.setattr(tally, "RANGE_AREAS", range_areas)
    s = setting.s
    attendance_record_roster(by=setting.admin, session=setting.session(setting.main),
                             persons=[s.resident_a, s.resident_b, s.member_a, setting.retiree])
    person_update(by=None, person=s.resident_b, org=s.building_a1)
    assert_tallies_agree(setting)


def test_a_campaign_of_before_the_tallies_is_counted_on_its_first_read(setting):
    s = setting.s
    delivery_record(by=None, person=s.resident_b, kind=DeliveryKind.ONLINE, campaign=setting.main)
    CoverageTally.objects.all().delete()
    CoverageDirty.objects.all().delete()
    # What the migration that brought the tallies does to the rows that exist.
    migration = importlib.import_module("tongxin.learning.migrations.0004_coverage_tally")
    migration.mark_every_area(None, connection.schema_editor())
    assert coverage_for_org(setting.main, s.street) == coverage_for_org_direct(setting.main, s.street)
    assert CoverageTally.objects.filter(campaign=setting.main).count() == 2
    assert_tallies_agree(setting)


def test_a_building_is_counted_from_the_rows(setting):
    s = setting.s
    CoverageTally.objects.filter(campaign=setting.main).delete()
    cov = coverage_for_org(setting.main, s.building_a1)
    assert cov == coverage_for_org_direct(setting.main, s.building_a1) and cov.target == 2
    assert not CoverageTally.objects.filter(campaign=setting.main).exists()  # nothing settled


def _normal(figures: dict) -> dict:
    """The figures as the JSON column gives them back (lists, string keys), lists in one order."""
    figures = json.loads(json.dumps(figures))
    return {**figures, "groups": sorted(figures["groups"]), "ways": sorted(figures["ways"])}


def _tallies(campaign) -> dict[int, dict]:
    return {area: _normal(figures)
            for area, figures in CoverageTally.objects.filter(campaign=campaign).values_list("area_id", "figures")}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs two writers at once and advisory locks: SQLite has neither (it serialises all writers), so settling cannot race there")
@pytest.mark.django_db(transaction=True)
def test_two_readers_settling_while_check_ins_commit(street, campaign):
    s = street
    persons = [add_person(f"居民{i:02d}", s.building_a1 if i % 2 else s.building_b1, f"{i}") for i in range(24)]
    tally_settle(campaign)
    starts_at = timezone.now() - timedelta(minutes=10)
    sessions = [add_session(s.accounts["street_admin"], s.street, kind, starts_at, campaign)
                for kind in (SessionKind.LECTURE, SessionKind.GROUP_STUDY)]
    writing = threading.Event()
    writing.set()
    errors: list[BaseException] = []
    barrier = threading.Barrier(5)

    def writer(i: int) -> None:
        try:
            barrier.wait()
            for n, person in enumerate(persons[i::3]):
                if n % 2:
                    delivery_record(by=None, person=person, kind=DeliveryKind.ONLINE, campaign=campaign)
                attendance_record_roster(by=s.accounts["street_admin"], session=sessions[n % 2], persons=[person],
                                         method="sign_sheet", checked_in_at=starts_at + timedelta(minutes=n))
                if n % 3 == 2:  # a registry change: its area is counted again, not added to
                    person_update(by=None, person=person, groups=["retired"])
        except BaseException as error:  # noqa: BLE001 (reported below)
            errors.append(error)
        finally:
            connection.close()

    def reader() -> None:
        try:
            barrier.wait()
            while writing.is_set():
                coverage_for_org(campaign, s.street)
        except BaseException as error:  # noqa: BLE001
            errors.append(error)
        finally:
            connection.close()

    writers = [threading.Thread(target=writer, args=(i,)) for i in range(3)]
    readers = [threading.Thread(target=reader) for _ in range(2)]
    for thread in writers + readers:
        thread.start()
    for thread in writers:
        thread.join(60)
    writing.clear()
    for thread in readers:
        thread.join(60)
    assert not errors
    # Every area whose mark was taken holds the figures of a full count; then, once the marks
    # left are settled, every area does.
    left = set(CoverageDirty.objects.filter(campaign=campaign).values_list("area_id", flat=True))
    full = {area: _normal(figures) for area, figures in _count(campaign, None).items()}
    kept = _tallies(campaign)
    assert {a: f for a, f in kept.items() if a not in left} == {a: f for a, f in full.items() if a not in left}
    tally_settle(campaign)
    assert _tallies(campaign) == full
    assert coverage_for_org(campaign, s.street) == coverage_for_org_direct(campaign, s.street)
    assert coverage_for_org(campaign, s.street).reached == 24  # not the street's first three persons


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs two writers at once and advisory locks: SQLite has neither (it serialises all writers), so settling cannot race there")
@pytest.mark.django_db(transaction=True)
def test_a_second_settler_waits_until_the_first_commits(street, campaign):
    """Without the wait, the one that counted first could write last and put back older figures."""
    holding, release = threading.Event(), threading.Event()
    order: list[str] = []

    def first() -> None:
        try:
            with transaction.atomic():
                tally_settle(campaign)
                order.append("first settled")
                holding.set()
                release.wait(10)
                order.append("first commits")
        finally:
            connection.close()

    def second() -> None:
        try:
            holding.wait(10)
            tally_settle(campaign)
            order.append("second settled")
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    holding.wait(10)
    time.sleep(0.5)
    assert order == ["first settled"]
    release.set()
    for thread in threads:
        thread.join(30)
    assert order == ["first settled", "first commits", "second settled"]
