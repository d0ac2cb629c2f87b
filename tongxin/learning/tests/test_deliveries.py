"""送学: who may record a delivery, what a pocket book or an mp3 player takes from stock, and the
campaign's period and scope.

The small street (``tongxin.testing``): 王五 (member_a) is an elderly member needing study at
home in building BLP-C1-G1-B1 of grid BLP-C1-G1; 张三 (resident_a) lives in the same building;
李四 (resident_b) lives in the sibling community's grid BLP-C2-G1.
"""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from tongxin.accounts.models import Role
from tongxin.accounts.services import account_create, role_grant
from tongxin.campaigns.models import Campaign
from tongxin.core.models import AuditEntry
from tongxin.learning.models import Delivery, DeliveryKind, Distribution, Material, MaterialKind
from tongxin.learning.services.deliveries import delivery_record
from tongxin.learning.services.materials import material_create
from tongxin.people.models import StudyPair
from tongxin.people.services import PersonData, party_member_save, person_create, study_pair_create
from tongxin.testing import PASSWORD, make_id_number


def make_partner(street, *, username: str = "partner", serial: int = 61):
    """A young member of the same branch paired with 王五 (结对助学), with a member's account."""
    young = person_create(by=None, data=PersonData(name="赵小青", org=street.building_a1,
                                                   id_number=make_id_number(serial, "19980101")))
    helper = party_member_save(by=None, person=young, branch=street.branch_a, joined_on=date(2020, 7, 1))
    account = account_create(by=None, username=username, password=PASSWORD, person=young)
    role_grant(by=None, user=account, role=Role.PARTY_MEMBER, org=street.community_a)
    study_pair_create(by=None, helper=helper, member=street.member_a.party_member)
    return account


def grid_worker_of_other_grid(street):
    account = account_create(by=None, username="grid_b", password=PASSWORD)
    role_grant(by=None, user=account, role=Role.GRID_WORKER, org=street.grid_b1)
    return account


def pocket_books(street, stock: int, *, org=None, kind=MaterialKind.POCKET_BOOK) -> Material:
    return material_create(by=None, org=org or street.street, title="《感党恩 听党话 跟党走》口袋书", kind=kind,
                           stock=stock)


# --- Who may record ---------------------------------------------------------------------------

def test_grid_worker_of_the_persons_grid_records_a_home_delivery(street, campaign):
    by = street.accounts["grid_worker"]

    delivery = delivery_record(by=by, person=street.member_a, kind=DeliveryKind.HOME, campaign=campaign,
                               note="读了《习近平著作选读》第一章")

    delivery.refresh_from_db()
    assert (delivery.person, delivery.kind, delivery.campaign) == (street.member_a, "home", campaign)
    assert delivery.recorded_by == by and delivery.delivered_by is None  # the account has no person
    entry = AuditEntry.objects.get(action="delivery_recorded", object_id=str(delivery.pk))
    assert entry.actor == by and entry.changes["person"] == street.member_a.pk
    assert entry.changes["campaign"] == "gandangen" and entry.changes["distribution"] is None


def test_grid_worker_of_another_grid_is_refused(street):
    by = grid_worker_of_other_grid(street)

    with pytest.raises(PermissionError, match="无权为该人员记录送学"):
        delivery_record(by=by, person=street.member_a, kind=DeliveryKind.HOME)

    assert not Delivery.objects.exists()
    assert not AuditEntry.objects.filter(action="delivery_recorded").exists()


def test_grid_worker_records_in_their_own_grid_but_not_the_neighbours(street):
    # The fixture's grid worker (BLP-C1-G1) for 李四 in BLP-C2-G1, and the other grid's worker for 李四.
    with pytest.raises(PermissionError):
        delivery_record(by=street.accounts["grid_worker"], person=street.resident_b, kind=DeliveryKind.ONLINE)
    delivery_record(by=grid_worker_of_other_grid(street), person=street.resident_b, kind=DeliveryKind.ONLINE)
    assert Delivery.objects.filter(person=street.resident_b).count() == 1


def test_study_partner_records_for_their_partner_and_is_the_deliverer(street):
    partner = make_partner(street)

    delivery = delivery_record(by=partner, person=street.member_a, kind=DeliveryKind.HOME)

    assert delivery.delivered_by == partner.person and delivery.recorded_by == partner


def test_study_partner_may_not_record_for_anyone_else(street):
    partner = make_partner(street)
    with pytest.raises(PermissionError, match="无权为该人员记录送学"):
        delivery_record(by=partner, person=street.resident_a, kind=DeliveryKind.HOME)


def test_study_partner_records_only_their_own_deliveries(street):
    partner = make_partner(street)
    with pytest.raises(ValidationError) as error:
        delivery_record(by=partner, person=street.member_a, kind=DeliveryKind.HOME, delivered_by=street.resident_a)
    assert error.value.message_dict["delivered_by"] == ["结对助学只能记录本人的送学"]


def test_an_ended_pair_no_longer_allows_recording(street):
    partner = make_partner(street)
    StudyPair.objects.update(active=False)
    with pytest.raises(PermissionError):
        delivery_record(by=partner, person=street.member_a, kind=DeliveryKind.HOME)


# Who may record a delivery to 王五 (building BLP-C1-G1-B1): every role of the fixture.
RECORDS_FOR_MEMBER_A = {
    "street_admin": True, "community_worker": True, "grid_worker": True, "building_head": True,
    "party_member": False,  # 王五 himself: one does not record study brought to oneself
    "resident": False, "superior": False, "system_admin": False, "security_admin": False, "auditor": False,
}


def test_the_matrix_covers_every_role():
    assert set(RECORDS_FOR_MEMBER_A) == set(Role.values)


@pytest.mark.parametrize("role", sorted(RECORDS_FOR_MEMBER_A))
def test_who_may_record_a_delivery(street, role):
    by = street.accounts[role]
    if RECORDS_FOR_MEMBER_A[role]:
        delivery_record(by=by, person=street.member_a, kind=DeliveryKind.HOME)
        assert Delivery.objects.filter(person=street.member_a, recorded_by=by).count() == 1
    else:
        with pytest.raises(PermissionError):
            delivery_record(by=by, person=street.member_a, kind=DeliveryKind.HOME)
        assert not Delivery.objects.exists()


def test_staff_member_with_a_person_is_recorded_as_the_deliverer(street):
    worker = street.accounts["community_worker"]
    worker.person = person_create(by=None, data=PersonData(name="社工小刘", org=street.building_a1))
    worker.save()

    delivery = delivery_record(by=worker, person=street.member_a, kind=DeliveryKind.HOME)

    assert delivery.delivered_by == worker.person


def test_the_signature_other_pages_call_still_works(street, campaign):
    # The coverage page calls the service with exactly these arguments.
    delivery = delivery_record(by=street.accounts["community_worker"], person=street.member_a,
                               kind=DeliveryKind.ONLINE, campaign=campaign, delivered_by=street.resident_a,
                               note="微信推送第 3 期学习材料")
    assert delivery.delivered_by == street.resident_a and delivery.note == "微信推送第 3 期学习材料"


def test_unknown_way_and_a_person_off_the_roll_are_refused(street):
    by = street.accounts["community_worker"]
    with pytest.raises(ValidationError) as error:
        delivery_record(by=by, person=street.member_a, kind="fax")
    assert error.value.message_dict["kind"] == ["未知的送学方式"]
    street.resident_a.is_active = False
    street.resident_a.save()
    with pytest.raises(ValidationError) as error:
        delivery_record(by=by, person=street.resident_a, kind=DeliveryKind.HOME)
    assert error.value.message_dict["person"] == ["该人员已不在册"]


# --- Stock ------------------------------------------------------------------------------------

def test_pocket_book_delivery_takes_one_from_stock_and_writes_a_distribution(street, campaign):
    material = pocket_books(street, 2)
    by = street.accounts["grid_worker"]

    delivery = delivery_record(by=by, person=street.member_a, kind=DeliveryKind.POCKET_BOOK, material=material,
                               campaign=campaign)

    material.refresh_from_db()
    assert material.stock == 1
    distribution = Distribution.objects.get(material=material)
    assert (distribution.person, distribution.org, distribution.quantity) == (street.member_a, None, 1)
    assert distribution.recorded_by == by and distribution.distributed_at == delivery.delivered_at
    recorded = AuditEntry.objects.get(action="delivery_recorded", object_id=str(delivery.pk))
    assert recorded.changes["material"] == material.pk and recorded.changes["distribution"] == distribution.pk
    handed = AuditEntry.objects.get(action="material_distributed", object_id=str(distribution.pk))
    assert handed.changes["stock"] == [2, 1] and handed.actor == by


def test_mp3_player_delivery_takes_one_from_stock(street):
    players = pocket_books(street, 100, kind=MaterialKind.MP3_PLAYER)
    delivery_record(by=street.accounts["building_head"], person=street.member_a, kind=DeliveryKind.MP3,
                    material=players)
    players.refresh_from_db()
    assert players.stock == 99 and Distribution.objects.filter(material=players, person=street.member_a).exists()


def test_zero_stock_is_refused_and_nothing_is_recorded(street):
    material = pocket_books(street, 0)

    with pytest.raises(ValidationError) as error:
        delivery_record(by=street.accounts["grid_worker"], person=street.member_a, kind=DeliveryKind.POCKET_BOOK,
                        material=material)

    assert "库存不足" in " ".join(error.value.message_dict["material"])
    material.refresh_from_db()
    assert material.stock == 0
    assert not Delivery.objects.exists() and not Distribution.objects.exists()
    assert not AuditEntry.objects.filter(action__in=["delivery_recorded", "material_distributed"]).exists()


def test_home_delivery_names_the_material_studied_without_taking_stock(street):
    material = pocket_books(street, 5)
    delivery_record(by=street.accounts["grid_worker"], person=street.member_a, kind=DeliveryKind.HOME,
                    material=material)
    material.refresh_from_db()
    assert material.stock == 5 and not Distribution.objects.exists()


def test_the_material_must_fit_the_way_of_delivery(street):
    material = pocket_books(street, 5)
    with pytest.raises(ValidationError) as error:
        delivery_record(by=street.accounts["grid_worker"], person=street.member_a, kind=DeliveryKind.MP3,
                        material=material)
    assert "不能用于mp3 播放器" in error.value.message_dict["material"][0]
    material.refresh_from_db()
    assert material.stock == 5


def test_material_of_another_community_is_refused(street):
    material = pocket_books(street, 5, org=street.community_b)
    with pytest.raises(ValidationError) as error:
        delivery_record(by=street.accounts["street_admin"], person=street.member_a,
                        kind=DeliveryKind.POCKET_BOOK, material=material)
    assert error.value.message_dict["material"] == ["该材料不属于该人员所在的街道或社区"]


def test_the_same_form_sent_twice_records_once_and_takes_one_copy(street):
    material = pocket_books(street, 5)
    when = timezone.now().replace(second=0, microsecond=0) - timedelta(minutes=3)
    by = street.accounts["grid_worker"]
    first = delivery_record(by=by, person=street.member_a, kind=DeliveryKind.POCKET_BOOK, material=material,
                            delivered_at=when)
    again = delivery_record(by=by, person=street.member_a, kind=DeliveryKind.POCKET_BOOK, material=material,
                            delivered_at=when)
    assert again.pk == first.pk
    material.refresh_from_db()
    assert material.stock == 4 and Delivery.objects.count() == 1 and Distribution.objects.count() == 1


# --- Campaign period and scope ---------------------------------------------------------------

def test_delivery_outside_the_campaign_period_is_refused(street, campaign):
    before_start = timezone.now() - timedelta(weeks=5)
    with pytest.raises(ValidationError) as error:
        delivery_record(by=street.accounts["grid_worker"], person=street.member_a, kind=DeliveryKind.HOME,
                        campaign=campaign, delivered_at=before_start)
    assert error.value.message_dict["delivered_at"] == ["送学时间不在活动期间内"]


def test_delivery_in_the_future_is_refused(street):
    with pytest.raises(ValidationError) as error:
        delivery_record(by=street.accounts["grid_worker"], person=street.member_a, kind=DeliveryKind.HOME,
                        delivered_at=timezone.now() + timedelta(hours=2))
    assert error.value.message_dict["delivered_at"] == ["时间不能晚于现在"]


def test_person_outside_the_campaign_scope_is_refused(street):
    today = timezone.localdate()
    other = Campaign.objects.create(name="学院社区专题学习", slug="xueyuan", starts_on=today - timedelta(days=7),
                                    ends_on=today + timedelta(days=7), scope=street.community_b,
                                    scope_path=street.community_b.path)
    with pytest.raises(ValidationError) as error:
        delivery_record(by=street.accounts["grid_worker"], person=street.member_a, kind=DeliveryKind.HOME,
                        campaign=other)
    assert error.value.message_dict["person"] == ["该人员不在本次活动范围内"]


# --- Concurrency ------------------------------------------------------------------------------

@pytest.mark.django_db(transaction=True)
def test_simultaneous_pocket_book_deliveries_never_hand_out_more_than_the_stock(street):
    # Ten different people, so that nothing but the material's row orders the ten requests.
    material = pocket_books(street, 3)
    people = [person_create(by=None, data=PersonData(name=f"流动党员{i}", org=street.building_a1)) for i in range(10)]
    by = street.accounts["grid_worker"]
    barrier = threading.Barrier(10)
    outcomes: list[str] = []

    def deliver(person) -> None:
        try:
            barrier.wait()
            delivery_record(by=by, person=person, kind=DeliveryKind.POCKET_BOOK, material=material)
            outcomes.append("ok")
        except ValidationError as error:
            outcomes.append(" ".join(error.messages))
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver, args=(person,)) for person in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert len(outcomes) == 10
    assert outcomes.count("ok") == 3
    assert all(o.startswith("库存不足") for o in outcomes if o != "ok")
    material.refresh_from_db()
    assert material.stock == 0
    assert Delivery.objects.count() == 3 and Distribution.objects.count() == 3
