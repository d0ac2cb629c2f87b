"""The bulk services' insert path (COPY on PostgreSQL, one prepared INSERT on SQLite) against
Django's ``bulk_create``, row for row, on whichever database the tests run on."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection, transaction

from tongxin.core import personal_data
from tongxin.core.audit import AuditAction, audit_record_many
from tongxin.core.bulk_insert import insert_instances, insert_rows
from tongxin.core.models import AuditEntry
from tongxin.core.request_context import current_ip
from tongxin.orgs.models import Household
from tongxin.orgs.services import household_build
from tongxin.people.models import PartyMember, Person, PersonGroupMembership
from tongxin.people.services import PersonData, party_member_build, person_build
from tongxin.testing import make_id_number


class Rollback(Exception):
    pass


def _columns(model, pks, written: dict) -> list[tuple]:
    """Every column of the rows, without the id and the insert time (which differ by nature);
    encrypted values decrypted (each encryption has its own nonce); a reference to a row
    written here as its place in the order written (PostgreSQL's sequences go on after a rollback)."""
    fields = [f for f in model._meta.concrete_fields
              if not f.primary_key and not getattr(f, "auto_now", False) and not getattr(f, "auto_now_add", False)]

    def shown(field, value):
        if field.attname.endswith("_encrypted"):
            return personal_data.decrypt(value)
        if field.is_relation and field.related_model in written:
            return ("written", written[field.related_model].get(value, value))
        return value

    rows = model.objects.filter(pk__in=pks).order_by("pk").values_list(*[f.attname for f in fields])
    return [tuple(shown(f, v) for f, v in zip(fields, row)) for row in rows]


def _write(street, insert) -> dict:
    """Households, persons with groups, members and audit entries for them, written by ``insert``
    (``insert(model, objects)``), read back and rolled back."""
    building = street.building_a1
    households = [household_build(org=building, number=f"9-{i}01", in_hardship=i == 1, note="对照" if i else "")
                  for i in range(3)]
    insert(Household, households)
    persons = []
    for i in range(6):
        person = person_build(PersonData(
            name=f"对照{i}", org=building, id_number=make_id_number(900 + i, "19600101") if i != 5 else "",
            phone=f"1390000{i:04d}" if i % 2 else "", household=households[i % 3] if i != 4 else None,
            note="备注" if i == 2 else "",
        ))
        persons.append(person)
    insert(Person, persons)
    insert(PersonGroupMembership, [PersonGroupMembership(person=p, group=g)
                                   for p in persons[:3] for g in ("retired", "elderly")])
    members = [party_member_build(person=p, branch=street.branch_a, joined_on=date(1990, 7, 1), is_mobile=i == 0)
               for i, p in enumerate(persons[:2])]
    insert(PartyMember, members)
    token = current_ip.set("10.1.2.3")
    try:
        audit_record_many(by=street.accounts["community_worker"], action=AuditAction.PERSON_CREATED,
                          objects=persons, changes_for=lambda p: {"name": p.name, "无": None, "n": [1, 2.5]})
    finally:
        current_ip.reset(token)
    audit_record_many(by=None, action=AuditAction.HOUSEHOLD_CREATED, objects=households)
    entries = list(AuditEntry.objects.order_by("-pk")[:len(persons) + len(households)].values_list("pk", flat=True))
    objects = {"households": households, "persons": persons, "members": members}
    # Primary keys and the insert time are set on the objects, as bulk_create sets them.
    assert all(o.pk is not None and not o._state.adding for items in objects.values() for o in items)
    assert all(o.created_at is not None for o in [*households, *persons])
    # A second look at the same rows: what the database holds, and its insert times.
    stamped = Person.objects.filter(pk__in=[p.pk for p in persons]).values_list("created_at", "updated_at")
    assert all(created is not None and updated is not None for created, updated in stamped)
    written = {type(items[0]): {o.pk: i for i, o in enumerate(items)} for items in objects.values()}
    result = {name: _columns(type(items[0]), [o.pk for o in items], written) for name, items in objects.items()}
    result["groups"] = sorted(PersonGroupMembership.objects.filter(person__in=persons)
                              .values_list("person__name", "group"))
    result["audit"] = [(e.actor_name, e.actor_id is not None, e.ip, e.action, e.object_type, e.object_repr, e.changes,
                        e.at is not None, e.object_id == str(o.pk))
                       for e, o in zip(AuditEntry.objects.filter(pk__in=entries).order_by("pk"), [*persons, *households])]
    # Foreign keys point to the rows just written: the ids given by the insert are the stored ones.
    assert {p.household_id for p in Person.objects.filter(pk__in=[p.pk for p in persons])} == {
        h.pk for h in households} | {None}
    raise Rollback(result)


def test_the_insert_path_writes_what_bulk_create_writes(street):
    outcomes = []
    for insert in (lambda model, objs: model.objects.bulk_create(objs), insert_instances):
        try:
            with transaction.atomic():
                _write(street, insert)
        except Rollback as done:
            outcomes.append(done.args[0])
    assert outcomes[0]["persons"] and outcomes[0] == outcomes[1]
    audit = outcomes[1]["audit"]
    assert audit[0][:4] == ("community_worker", True, "10.1.2.3", "person_created")
    assert audit[0][6] == {"name": "对照0", "无": None, "n": [1, 2.5]} and audit[-1][2] is None
    assert all(row[-2:] == (True, True) for row in audit)


def test_ids_follow_on_and_are_never_reused(street):
    """New ids come after every id ever given (SQLite's AUTOINCREMENT, PostgreSQL's sequence),
    also after the newest rows were deleted."""
    last = Person.objects.create(name="临时", org=street.building_a1, org_path=street.building_a1.path)
    Person.objects.filter(pk=last.pk).delete()
    persons = [person_build(PersonData(name=f"续{i}", org=street.building_a1)) for i in range(3)]
    insert_instances(Person, persons)
    assert [p.pk for p in persons] == list(range(persons[0].pk, persons[0].pk + 3))
    assert persons[0].pk > last.pk
    later = Person.objects.create(name="之后", org=street.building_a1, org_path=street.building_a1.path)
    assert later.pk > persons[-1].pk


def test_an_unsaved_related_object_is_refused_as_by_bulk_create(street):
    household = household_build(org=street.building_a1, number="8-801")
    person = person_build(PersonData(name="甲", org=street.building_a1, household=household))
    with pytest.raises(ValueError, match="unsaved related object 'household'"):
        insert_instances(Person, [person])
    assert not Person.objects.filter(name="甲").exists()


def test_insert_rows_takes_plain_rows_and_stamps_the_time(street):
    before = AuditEntry.objects.count()
    fields = ["actor_name", "action", "object_type", "object_id", "object_repr", "changes", "ip"]
    assert insert_rows(AuditEntry, fields, [("system", "people_imported", "", "", "", {"rows": i}, "")
                                            for i in range(3)]) == 3
    entries = list(AuditEntry.objects.order_by("-pk")[:3])
    assert AuditEntry.objects.count() == before + 3
    assert sorted(e.changes["rows"] for e in entries) == [0, 1, 2]
    assert all(e.ip is None and e.at is not None and e.object_type == "" for e in entries)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY exists only on PostgreSQL; on SQLite insert_rows takes the INSERT path, tested above")
def test_copy_is_used_on_postgresql(street, django_assert_max_num_queries):
    persons = [person_build(PersonData(name=f"乙{i}", org=street.building_a1)) for i in range(50)]
    with django_assert_max_num_queries(2):  # the ids; COPY goes past the query log
        insert_instances(Person, persons)
    assert Person.objects.filter(name__startswith="乙").count() == 50


def test_nothing_to_insert_sends_no_statement(street, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert insert_rows(PersonGroupMembership, ["person", "group"], iter([])) == 0
        insert_instances(Person, [])
        audit_record_many(by=None, action=AuditAction.PERSON_CREATED, objects=[])
