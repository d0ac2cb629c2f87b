"""Good deeds ("党员办好一件实事", "居民办好一件小事"): who may record one for whom, what bad input does,
that a retried deed is one, and the list's search, filters, scope and counts by kind."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tongxin.accounts.models import Role
from tongxin.core.models import AuditEntry
from tongxin.voices.models import DeedKind, GoodDeed
from tongxin.voices.selectors.deeds import deed_counts, deed_counts_for_org, deed_list
from tongxin.voices.selectors.visits import Period, period_for
from tongxin.voices.services.deeds import good_deed_record
from tongxin.voices.services.intake import voice_submit

ALL_ROLES = [role.value for role in Role]


def deed(street, role, person, kind=DeedKind.RESIDENT, what="帮独居老人修好了漏水的水管", **kwargs):
    kwargs.setdefault("done_on", timezone.localdate())
    return good_deed_record(by=street.accounts[role], kind=kind, person=person, what=what, **kwargs)


def test_a_member_records_their_own_practical_deed(street, campaign):
    made = deed(street, "party_member", street.member_a, kind=DeedKind.MEMBER, what="帮3号楼老人代购药品",
                for_whom="3号楼独居老人", campaign=campaign)
    assert (made.person, made.kind, made.org, made.org_path, made.for_whom, made.campaign) == (
        street.member_a, "member", street.building_a1, street.building_a1.path, "3号楼独居老人", campaign)
    assert made.recorded_by == street.accounts["party_member"]
    entry = AuditEntry.objects.get(action="good_deed_recorded")
    assert entry.object_id == str(made.pk) and entry.changes["self"] is True and entry.changes["kind"] == "member"


def test_a_resident_records_a_small_deed_but_not_a_members_one(street):
    assert deed(street, "resident", street.resident_a, what="清理了楼道里堆放的杂物").kind == "resident"
    with pytest.raises(ValidationError) as error:
        deed(street, "resident", street.resident_a, kind=DeedKind.MEMBER, what="自称党员办的实事")
    assert error.value.message_dict["kind"] == ["“党员办好一件实事”只能登记党员"]


def test_a_member_may_also_do_a_residents_small_deed(street):
    assert deed(street, "party_member", street.member_a, kind=DeedKind.RESIDENT).kind == "resident"


@pytest.mark.parametrize("role", ALL_ROLES)
def test_who_may_record_a_deed_for_a_resident_of_community_a(street, role):
    allowed = {"street_admin", "community_worker", "resident"}  # the resident account is 张三 himself
    if role in allowed:
        assert deed(street, role, street.resident_a).person == street.resident_a
    else:
        with pytest.raises(PermissionError):
            deed(street, role, street.resident_a)
        assert not GoodDeed.objects.exists()


@pytest.mark.parametrize("role, allowed", [("street_admin", True), ("community_worker", False), ("resident", False),
                                           ("party_member", False)])
def test_nobody_records_for_someone_of_another_place_or_another_person(street, role, allowed):
    if allowed:
        assert deed(street, role, street.resident_b).org == street.building_b1
    else:
        with pytest.raises(PermissionError):
            deed(street, role, street.resident_b)


@pytest.mark.parametrize("kwargs, field", [
    ({"kind": "gift"}, "kind"),
    ({"what": "帮忙"}, "what"),
    ({"what": "很" * 301}, "what"),
    ({"for_whom": "人" * 101}, "for_whom"),
    ({"done_on": None}, "done_on"),
    ({"done_on": timezone.localdate() + timedelta(days=1)}, "done_on"),
    ({"done_on": timezone.localdate() - timedelta(days=400)}, "done_on"),
])
def test_bad_input_is_refused_with_a_message_on_its_field(street, kwargs, field):
    with pytest.raises(ValidationError) as error:
        deed(street, "community_worker", street.member_a, **kwargs)
    assert field in error.value.message_dict
    assert not GoodDeed.objects.exists()


def test_a_campaign_deed_falls_in_the_campaign(street, campaign):
    with pytest.raises(ValidationError) as error:
        deed(street, "community_worker", street.resident_a, campaign=campaign,
             done_on=campaign.starts_on - timedelta(days=1))
    assert "主题活动期间" in error.value.message_dict["done_on"][0]


def test_a_deed_may_answer_a_wish_the_recorder_sees_only(street):
    wish_a = voice_submit(by=street.accounts["resident"], kind="wish", text="希望楼下装一个晾衣架")
    wish_b = voice_submit(by=street.accounts["street_admin"], kind="wish", text="希望修好学院社区的健身器材",
                          person=street.resident_b, on_behalf=True, channel="hotline")
    assert deed(street, "community_worker", street.member_a, kind=DeedKind.MEMBER, voice=wish_a).voice == wish_a
    with pytest.raises(ValidationError) as error:
        deed(street, "party_member", street.member_a, kind=DeedKind.MEMBER, voice=wish_b, what="修好了健身器材")
    assert "voice" in error.value.message_dict


def test_the_same_deed_sent_twice_is_one(street):
    first = deed(street, "community_worker", street.resident_a, what="  帮邻居   照看孩子 ")
    again = deed(street, "community_worker", street.resident_a, what="帮邻居 照看孩子")
    assert again.pk == first.pk and first.what == "帮邻居 照看孩子"
    assert GoodDeed.objects.count() == 1 and AuditEntry.objects.filter(action="good_deed_recorded").count() == 1


# --- The list -----------------------------------------------------------------------------------

@pytest.fixture
def deeds(street):
    today = timezone.localdate()
    return [
        deed(street, "party_member", street.member_a, kind=DeedKind.MEMBER, what="为独居老人代购药品",
             done_on=today - timedelta(days=10)),
        deed(street, "party_member", street.member_a, kind=DeedKind.MEMBER, what="修好了单元门禁"),
        deed(street, "resident", street.resident_a, what="清理楼道杂物", for_whom="1号楼邻居",
             done_on=today - timedelta(days=3)),
        deed(street, "street_admin", street.resident_b, what="义务教孩子写毛笔字", done_on=today - timedelta(days=1)),
    ]


def test_counts_by_kind_count_deeds_and_people(street, deeds):
    counts = deed_counts(deed_list(user=street.accounts["street_admin"]))
    assert (counts["deeds"], counts["people"]) == (4, 3)
    assert {row["kind"]: (row["deeds"], row["people"]) for row in counts["rows"]} == {
        "member": (2, 1), "resident": (2, 2)}
    community_a = deed_counts_for_org(street.community_a)
    assert (community_a["deeds"], community_a["people"]) == (3, 2)
    week = deed_counts_for_org(street.street, period=Period(since=timezone.localdate() - timedelta(days=7)))
    assert week["deeds"] == 3


def test_the_list_searches_filters_and_sorts(street, campaign, deeds):
    admin = street.accounts["street_admin"]
    assert [d.what for d in deed_list(user=admin, q="王")] == ["修好了单元门禁", "为独居老人代购药品"]
    assert deed_list(user=admin, q="ls").get().person == street.resident_b
    assert deed_list(user=admin, q="毛笔").get().person == street.resident_b
    assert deed_list(user=admin, q="邻居").get().person == street.resident_a  # for whom
    assert deed_list(user=admin, kind="member").count() == 2
    assert deed_list(user=admin, org=street.community_b).count() == 1
    assert deed_list(user=admin, period=Period(until=timezone.localdate() - timedelta(days=2))).count() == 2
    assert deed_list(user=admin, period=period_for(campaign=campaign)).count() == 4
    dates = [d.done_on for d in deed_list(user=admin, sort="date")]
    assert dates == sorted(dates)
    assert [d.person.name for d in deed_list(user=admin, sort="name")] == ["李四", "王五", "王五", "张三"]


@pytest.mark.parametrize("role, count", [
    ("street_admin", 4), ("superior", 4), ("community_worker", 3), ("grid_worker", 3), ("building_head", 3),
    ("party_member", 2), ("resident", 1), ("system_admin", 0), ("auditor", 0),
])
def test_each_account_sees_the_deeds_of_its_places_or_its_own(street, deeds, role, count):
    assert deed_list(user=street.accounts[role]).count() == count
