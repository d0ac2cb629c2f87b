"""Registering and editing a person by hand, as a community worker does at the counter."""

from tongxin.core.models import AuditEntry
from tongxin.people.models import PartyMember, Person
from tongxin.testing import make_id_number


def _form(street, **overrides):
    data = {
        "name": "赵六", "id_number": make_id_number(77, "19900315"), "phone": "13611112222", "gender": "",
        "org": street.building_a1.pk, "household_number": "3-2-501", "groups": ["shop_owner"], "note": "",
    }
    data.update(overrides)
    return data


def test_community_worker_registers_a_person_with_a_new_household(client, street):
    client.force_login(street.accounts["community_worker"])
    response = client.post("/people/new/", _form(street))
    person = Person.objects.get(name="赵六")
    assert response.status_code == 302 and response.url == f"/people/{person.pk}/"
    assert person.household.number == "3-2-501" and person.household.org == street.building_a1
    assert person.gender == "M" and person.birth_date.isoformat() == "1990-03-15"
    assert person.group_codes == ["shop_owner"]
    assert AuditEntry.objects.filter(action="person_created", object_id=str(person.pk)).exists()
    assert AuditEntry.objects.filter(action="household_created").exists()


def test_bad_id_number_is_shown_on_its_field_and_nothing_is_saved(client, street):
    client.force_login(street.accounts["community_worker"])
    before = Person.objects.count()
    bad = make_id_number(77, "19900315")[:-1] + ("0" if make_id_number(77, "19900315")[-1] != "0" else "1")
    response = client.post("/people/new/", _form(street, id_number=bad))
    assert response.status_code == 200
    assert "身份证号校验位不正确" in response.content.decode()
    assert Person.objects.count() == before
    assert not street.building_a1.households.filter(number="3-2-501").exists()  # the household rolled back


def test_duplicate_id_number_is_refused(client, street):
    client.force_login(street.accounts["community_worker"])
    response = client.post("/people/new/", _form(street, id_number=street.resident_a.id_number))
    assert "该身份证号已登记" in response.content.decode()


def test_place_outside_scope_cannot_be_chosen(client, street):
    client.force_login(street.accounts["community_worker"])
    response = client.post("/people/new/", _form(street, org=street.building_b1.pk))
    assert response.status_code == 200 and not Person.objects.filter(name="赵六").exists()


def test_grid_worker_cannot_register_or_edit(client, street):
    client.force_login(street.accounts["grid_worker"])
    assert client.get("/people/new/").status_code == 403
    assert client.get(f"/people/{street.resident_a.pk}/edit/").status_code == 403


def test_edit_moves_a_person_and_makes_them_a_member(client, street):
    client.force_login(street.accounts["community_worker"])
    person = street.resident_a
    response = client.post(f"/people/{person.pk}/edit/", {
        "name": "张三", "phone": "", "org": street.building_a1.pk, "household_number": "5-1-102",
        "groups": ["retired", "elderly"], "note": "新搬入", "is_member": "on", "branch": street.branch_a.pk,
        "joined_on": "1980-07-01", "status": "full", "needs_home_delivery": "on",
    })
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.household.number == "5-1-102" and person.note == "新搬入"
    assert sorted(person.group_codes) == ["elderly", "retired"]
    assert person.phone_masked == "138****5678"  # left blank: unchanged
    member = PartyMember.objects.get(person=person)
    assert member.needs_home_delivery and member.org_path == person.org_path
    changes = AuditEntry.objects.filter(action="person_updated", object_id=str(person.pk)).first().changes
    assert changes["note"] == ["", "新搬入"] and "groups" in changes


def test_edit_page_never_shows_the_full_numbers(client, street):
    client.force_login(street.accounts["community_worker"])
    html = client.get(f"/people/{street.resident_a.pk}/edit/").content.decode()
    assert street.resident_a.id_number not in html and street.resident_a.phone not in html


def test_household_page_names_who_answers_for_it(client, street):
    from tongxin.people.services import responsibility_assign

    cadre = street.member_a
    responsibility_assign(by=None, person=cadre, kind="household", household=street.household_a)
    responsibility_assign(by=None, person=street.resident_b, kind="building", org=street.building_b1)  # elsewhere
    grid_worker = street.accounts["grid_worker"]
    grid_worker.person = street.resident_b
    grid_worker.save(update_fields=["person"])
    client.force_login(street.accounts["community_worker"])
    page = client.get(f"/people/households/{street.household_a.pk}/").content.decode()
    assert "包户" in page and cadre.name in page
    assert "网格员" in page and street.resident_b.name in page  # the grid worker of BLP-C1-G1
    assert "包楼" not in page  # the other building's responsibility is not this household's


def test_person_page_shows_study_pairs(client, street):
    from tongxin.people.services import party_member_save, study_pair_create

    young = party_member_save(by=None, person=street.resident_a, branch=street.branch_a)
    study_pair_create(by=None, helper=young, member=street.member_a.party_member)
    client.force_login(street.accounts["community_worker"])
    page = client.get(f"/people/{street.member_a.pk}/").content.decode()
    assert "结对助学" in page and "助学党员" in page and street.resident_a.name in page
