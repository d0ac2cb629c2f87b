"""学习材料: registering, restocking, handing copies to a person or a unit; the stock is locked
and never goes below zero, even when many cadres hand out the last copies at once."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from tongxin.accounts.models import Role
from tongxin.core.models import AuditEntry
from tongxin.learning.models import Distribution, Material, MaterialKind
from tongxin.core.identity import mask_personal_numbers
from tongxin.learning.services.materials import distribution_record, material_create, material_restock
from tongxin.orgs.models import OrgKind
from tongxin.orgs.services import org_create


def books(street, stock: int = 10, org=None) -> Material:
    return material_create(by=street.accounts["street_admin"], org=org or street.street,
                           title="《习近平著作选读》第一卷", kind=MaterialKind.BOOK, stock=stock)


def school(street):
    return org_create(by=None, code="BLP-S1", name="八里铺小学", kind=OrgKind.UNIT, parent=street.street,
                      domain="school")


# --- Register ---------------------------------------------------------------------------------

def test_community_worker_registers_a_material_of_their_community(street, campaign):
    by = street.accounts["community_worker"]

    material = material_create(by=by, org=street.community_a, title="  口袋书（第二辑） ",
                               kind=MaterialKind.POCKET_BOOK, stock=200, campaign=campaign)

    assert (material.title, material.stock, material.org_path) == ("口袋书（第二辑）", 200, street.community_a.path)
    entry = AuditEntry.objects.get(action="material_created", object_id=str(material.pk))
    assert entry.actor == by and entry.changes["stock"] == 200 and entry.changes["campaign"] == "gandangen"


# Who may register (and restock, and hand out) a material held by community BLP-C1.
MANAGES_COMMUNITY_A = {
    "street_admin": True, "community_worker": True, "grid_worker": False, "building_head": False,
    "party_member": False, "resident": False, "superior": False, "system_admin": False,
    "security_admin": False, "auditor": False,
}


def test_the_matrix_covers_every_role():
    assert set(MANAGES_COMMUNITY_A) == set(Role.values)


@pytest.mark.parametrize("role", sorted(MANAGES_COMMUNITY_A))
def test_who_may_register_restock_and_hand_out(street, role):
    by = street.accounts[role]
    held = material_create(by=None, org=street.community_a, title="有声书", kind=MaterialKind.AUDIO, stock=5)
    if MANAGES_COMMUNITY_A[role]:
        material_create(by=by, org=street.community_a, title="口袋书", kind=MaterialKind.POCKET_BOOK)
        material_restock(by=by, material=held, quantity=1)
        distribution_record(by=by, material=held, person=street.resident_a)
        held.refresh_from_db()
        assert held.stock == 5
    else:
        with pytest.raises(PermissionError, match="无权管理该组织的学习材料"):
            material_create(by=by, org=street.community_a, title="口袋书", kind=MaterialKind.POCKET_BOOK)
        with pytest.raises(PermissionError):
            material_restock(by=by, material=held, quantity=1)
        with pytest.raises(PermissionError):
            distribution_record(by=by, material=held, person=street.resident_a)
        held.refresh_from_db()
        assert held.stock == 5 and not Distribution.objects.exists()


def test_community_worker_may_not_manage_the_neighbouring_community(street):
    with pytest.raises(PermissionError):
        material_create(by=street.accounts["community_worker"], org=street.community_b, title="口袋书",
                        kind=MaterialKind.POCKET_BOOK)


@pytest.mark.parametrize("fields, field, message", [
    ({"title": "  "}, "title", "名称不能为空"),
    ({"kind": "poster"}, "kind", "未知的材料类型"),
    ({"stock": -1}, "stock", "库存不能为负数"),
])
def test_bad_material_input_is_refused(street, fields, field, message):
    data = {"title": "口袋书", "kind": MaterialKind.POCKET_BOOK, "stock": 0, **fields}
    with pytest.raises(ValidationError) as error:
        material_create(by=street.accounts["street_admin"], org=street.street, **data)
    assert error.value.message_dict[field] == [message]
    assert not Material.objects.exists()


# --- Restock ----------------------------------------------------------------------------------

def test_restock_adds_to_the_stock_and_is_audited(street):
    material = books(street, 10)

    material_restock(by=street.accounts["street_admin"], material=material, quantity=1000, note="采购千余册",
                     expected_stock=10)

    material.refresh_from_db()
    assert material.stock == 1010
    entry = AuditEntry.objects.get(action="material_restocked", object_id=str(material.pk))
    assert entry.changes == {"quantity": 1000, "stock": [10, 1010], "note": "采购千余册"}


def test_restock_seen_on_a_stale_page_is_refused(street):
    # The form carries the stock the cadre saw; a second send of the same form finds it changed.
    material = books(street, 10)
    material_restock(by=street.accounts["street_admin"], material=material, quantity=5, expected_stock=10)
    with pytest.raises(ValidationError, match="库存已变化"):
        material_restock(by=street.accounts["street_admin"], material=material, quantity=5, expected_stock=10)
    material.refresh_from_db()
    assert material.stock == 15


@pytest.mark.parametrize("quantity", [0, -3, 2.5])
def test_restock_needs_a_positive_whole_number(street, quantity):
    material = books(street, 10)
    with pytest.raises(ValidationError):
        material_restock(by=street.accounts["street_admin"], material=material, quantity=quantity)


# --- Distribute -------------------------------------------------------------------------------

def test_distribute_to_a_person(street):
    material = books(street, 10)
    by = street.accounts["street_admin"]  # the material is the street's

    distribution = distribution_record(by=by, material=material, person=street.resident_a, quantity=2,
                                       note="另赠一册给家属")

    material.refresh_from_db()
    assert material.stock == 8
    assert (distribution.person, distribution.org, distribution.quantity) == (street.resident_a, None, 2)
    entry = AuditEntry.objects.get(action="material_distributed", object_id=str(distribution.pk))
    assert entry.actor == by and entry.changes["stock"] == [10, 8] and entry.changes["person"] == street.resident_a.pk


def test_distribute_to_a_unit(street):
    material = books(street, 500)
    unit = school(street)

    distribution = distribution_record(by=street.accounts["street_admin"], material=material, org=unit,
                                       quantity=120)

    material.refresh_from_db()
    assert material.stock == 380 and distribution.org == unit and distribution.person is None
    assert AuditEntry.objects.get(action="material_distributed").changes["org"] == "BLP-S1"


def test_distribute_to_a_community_in_bulk(street):
    material = books(street, 500)
    distribution_record(by=street.accounts["street_admin"], material=material, org=street.community_a,
                        quantity=200)
    material.refresh_from_db()
    assert material.stock == 300


def test_more_than_the_stock_is_refused(street):
    material = books(street, 3)
    with pytest.raises(ValidationError, match="库存不足，现有 3 份"):
        distribution_record(by=street.accounts["street_admin"], material=material, org=street.community_a,
                            quantity=4)
    material.refresh_from_db()
    assert material.stock == 3 and not Distribution.objects.exists()
    assert not AuditEntry.objects.filter(action="material_distributed").exists()


@pytest.mark.parametrize("recipient", ["both", "neither"])
def test_exactly_one_recipient(street, recipient):
    material = books(street)
    kwargs = {"person": street.resident_a, "org": street.community_a} if recipient == "both" else {}
    with pytest.raises(ValidationError, match="二者选一"):
        distribution_record(by=street.accounts["street_admin"], material=material, **kwargs)


def test_recipients_outside_the_materials_org_are_refused(street):
    material = books(street, 10, org=street.community_a)
    by = street.accounts["community_worker"]
    with pytest.raises(ValidationError) as error:
        distribution_record(by=by, material=material, person=street.resident_b)
    assert error.value.message_dict["person"] == ["该人员不在本材料所属组织范围内"]
    with pytest.raises(ValidationError) as error:
        distribution_record(by=by, material=material, org=street.community_b)
    assert error.value.message_dict["org"] == ["接收单位不在本材料所属组织范围内"]
    with pytest.raises(ValidationError):
        distribution_record(by=by, material=material, org=street.community_a)  # to itself


def test_the_same_distribution_sent_twice_is_recorded_once(street):
    material = books(street, 10)
    when = timezone.now().replace(second=0, microsecond=0) - timedelta(minutes=1)
    first = distribution_record(by=street.accounts["street_admin"], material=material, org=street.community_a,
                                quantity=4, distributed_at=when)
    again = distribution_record(by=street.accounts["street_admin"], material=material, org=street.community_a,
                                quantity=4, distributed_at=when)
    assert again.pk == first.pk
    material.refresh_from_db()
    assert material.stock == 6


def test_the_database_refuses_a_negative_stock_whatever_the_code(street):
    material = books(street, 1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Material.objects.filter(pk=material.pk).update(stock=-1)


def test_personal_numbers_in_free_text_are_masked():
    assert mask_personal_numbers("家属电话13812345678，身份证150502198001010119") == \
        "家属电话138****5678，身份证1505**********0119"
    assert mask_personal_numbers("采购 2000 册，单号 20240901") == "采购 2000 册，单号 20240901"


# --- Concurrency ------------------------------------------------------------------------------

@pytest.mark.django_db(transaction=True)
def test_ten_cadres_taking_one_copy_from_a_stock_of_three(street):
    """Ten simultaneous distributions of one copy each, every thread on its own database
    connection: exactly three succeed, the other seven are told "库存不足", the stock ends at 0."""
    material = books(street, 3)
    by = street.accounts["street_admin"]
    barrier = threading.Barrier(10)
    outcomes: list[str] = []

    def take_one(i: int) -> None:
        try:
            barrier.wait()
            distribution_record(by=by, material=material, person=street.resident_a, note=f"第 {i} 位")
            outcomes.append("ok")
        except ValidationError as error:
            outcomes.append(" ".join(error.messages))
        finally:
            connection.close()

    threads = [threading.Thread(target=take_one, args=(i,)) for i in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert len(outcomes) == 10
    assert outcomes.count("ok") == 3
    assert all(o.startswith("库存不足") for o in outcomes if o != "ok")
    material.refresh_from_db()
    assert material.stock == 0
    assert sum(Distribution.objects.filter(material=material).values_list("quantity", flat=True)) == 3
    assert AuditEntry.objects.filter(action="material_distributed").count() == 3


@pytest.mark.django_db(transaction=True)
def test_restocks_and_distributions_at_once_add_up(street):
    """Five restocks of one copy and ten takes of one copy from a stock of five, all at once:
    whatever the order, stock = 5 + 5 − (copies handed out) and never below zero."""
    material = books(street, 5)
    by = street.accounts["street_admin"]
    barrier = threading.Barrier(15)
    taken: list[bool] = []

    def take() -> None:
        try:
            barrier.wait()
            distribution_record(by=by, material=material, org=street.community_a)
            taken.append(True)
        except ValidationError:
            taken.append(False)
        finally:
            connection.close()

    def restock() -> None:
        try:
            barrier.wait()
            material_restock(by=by, material=material, quantity=1)
        finally:
            connection.close()

    threads = [threading.Thread(target=take) for _ in range(10)] + [threading.Thread(target=restock) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    material.refresh_from_db()
    handed = taken.count(True)
    assert len(taken) == 10 and 5 <= handed <= 10
    assert material.stock == 10 - handed >= 0
    assert Distribution.objects.count() == handed
