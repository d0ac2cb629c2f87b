"""The audit log: what services record, that it never holds full personal data, that nothing
in the app (nor, on PostgreSQL, the database role) can change or delete it, and who reads it."""

import json
import io

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import Client

from tongxin.accounts.models import User
from tongxin.core.models import AuditEntry
from tongxin.people.services import (
    PersonData, person_build, person_bulk_create, person_create, person_reveal, person_update,
)
from tongxin.testing import PASSWORD, make_id_number


def _client(user, **extra) -> Client:
    client = Client(**extra)
    client.force_login(user)
    return client


# --- What a write records -------------------------------------------------------------------

def test_a_reveal_through_the_page_records_actor_ip_action_object_and_changes(street):
    worker = street.accounts["community_worker"]
    person = street.resident_a
    response = _client(worker, REMOTE_ADDR="10.20.30.40").post(f"/people/{person.pk}/reveal/", {"field": "id_number"})
    assert response.status_code == 200

    entry = AuditEntry.objects.filter(action="person_revealed").latest("id")
    assert entry.actor == worker and entry.actor_name == "community_worker"
    assert entry.ip == "10.20.30.40"
    assert (entry.object_type, entry.object_id, entry.object_repr) == ("people.person", str(person.pk), "张三")
    assert entry.changes == {"field": "id_number"}
    assert entry.at is not None


def test_a_service_records_what_changed(street):
    admin = street.accounts["street_admin"]
    person_update(by=admin, person=street.resident_a, name="张叁", note="搬来三年")
    entry = AuditEntry.objects.filter(action="person_updated").latest("id")
    assert entry.actor == admin and entry.object_id == str(street.resident_a.pk)
    assert entry.changes == {"name": ["张三", "张叁"], "note": ["", "搬来三年"]}
    assert entry.ip is None  # called outside a request


def test_a_refused_reveal_records_nothing_and_reveals_nothing(street):
    grid_worker = street.accounts["grid_worker"]
    before = AuditEntry.objects.count()
    with pytest.raises(PermissionError):
        person_reveal(by=grid_worker, person=street.resident_a, field_name="phone")
    assert AuditEntry.objects.count() == before


def _audit_text() -> str:
    return "\n".join(
        json.dumps(changes, ensure_ascii=False) + repr + name
        for changes, repr, name in AuditEntry.objects.values_list("changes", "object_repr", "actor_name")
    )


def test_personal_data_never_appears_in_full_in_the_audit_log(street):
    admin = street.accounts["street_admin"]
    new = person_create(by=admin, data=PersonData(
        name="赵六", org=street.building_a1, id_number=make_id_number(44), phone="13655556666"))
    old_phone = street.resident_a.phone
    person_update(by=admin, person=street.resident_a, phone="13511112222")
    person_reveal(by=admin, person=new, field_name="id_number")
    person_reveal(by=admin, person=new, field_name="phone")
    person_bulk_create(by=admin, rows=[(person_build(PersonData(
        name="钱七", org=street.building_a1, id_number=make_id_number(55), phone="13477778888")), [])])
    # Logins typed with a phone number, failed and successful, by page and by API.
    Client().post("/accounts/login/", {"username": "13700001111", "password": "Wrong2024pass"})
    Client().post("/accounts/login/", {"username": "13987654321", "password": "Wrong2024pass"})
    Client().post("/accounts/login/", {"username": "13700001111", "password": PASSWORD})
    Client().post("/api/v1/auth/token", {"username": "13700001111", "password": "Wrong2024pass"},
                  content_type="application/json")

    updated = AuditEntry.objects.filter(action="person_updated").latest("id")
    assert updated.changes == {"phone_masked": ["138****5678", "135****2222"]}

    text = _audit_text()
    assert "135****2222" in text and "login_failed" in AuditEntry.objects.values_list("action", flat=True)
    secrets = [old_phone, "13511112222", "13655556666", "13477778888", "13700001111", "13987654321",
               make_id_number(44), make_id_number(55)]
    secrets += [p.id_number for p in (street.resident_a, street.resident_b, street.member_a)]
    for secret in secrets:
        assert secret not in text
        assert secret[:-1] not in text  # nor all but the last character


# --- Append-only ----------------------------------------------------------------------------

def test_the_model_refuses_to_change_or_delete_entries(street):
    entry = AuditEntry.objects.filter(action="person_created").first()
    count = AuditEntry.objects.count()

    entry.action = "person_deleted"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        AuditEntry.objects.filter(pk=entry.pk).update(action="person_deleted")
    with pytest.raises(PermissionError):
        AuditEntry.objects.filter(pk=entry.pk).delete()
    with pytest.raises(PermissionError):
        AuditEntry.objects.all().delete()
    with pytest.raises(PermissionError), transaction.atomic():  # bulk_update opens a transaction of its own
        AuditEntry.objects.bulk_update([entry], ["action"])

    assert AuditEntry.objects.count() == count
    assert AuditEntry.objects.get(pk=entry.pk).action == "person_created"


def test_the_database_refuses_to_change_or_delete_entries(street):
    """PostgreSQL: a trigger refuses UPDATE and DELETE to any SQL, the app's role included.
    SQLite (demos and tests) has no such trigger; there the model is the guard."""
    entry = AuditEntry.objects.filter(action="person_created").first()
    count = AuditEntry.objects.count()
    table = AuditEntry._meta.db_table
    if connection.vendor == "postgresql":
        refused = (f"UPDATE {table} SET action = 'person_deleted' WHERE id = %s", f"DELETE FROM {table} WHERE id = %s")
        for sql in refused:
            with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute(sql, [entry.pk])
    else:
        with pytest.raises(PermissionError):
            AuditEntry.objects.filter(pk=entry.pk).update(action="person_deleted")
        with pytest.raises(PermissionError):
            AuditEntry.objects.filter(pk=entry.pk).delete()
    # Appending is what the log is for, and raw SQL may do it.
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (at, actor_name, action, object_type, object_id, object_repr, changes) "
            "VALUES (%s, 'dba', 'note', '', '', '', %s)", [entry.at, "{}"])
    assert AuditEntry.objects.count() == count + 1
    assert AuditEntry.objects.get(pk=entry.pk).action == "person_created"


# --- Who reads it ---------------------------------------------------------------------------

def test_the_auditor_reads_and_filters_the_log(street):
    worker = street.accounts["community_worker"]
    _client(worker, REMOTE_ADDR="10.20.30.41").post(f"/people/{street.resident_a.pk}/reveal/", {"field": "phone"})
    auditor = _client(street.accounts["auditor"])

    everything = auditor.get("/audit/")
    assert everything.status_code == 200
    assert "审计日志" in everything.content.decode()

    revealed = auditor.get("/audit/", {"action": "person_revealed"})
    rows = list(revealed.context["page"].object_list)
    assert [(e.action, e.actor_name, e.ip) for e in rows] == [("person_revealed", "community_worker", "10.20.30.41")]
    assert "10.20.30.41" in revealed.content.decode()

    by_who = auditor.get("/audit/", {"who": "community"}).context["page"].object_list
    assert by_who and {e.actor_name for e in by_who} == {"community_worker"}


@pytest.mark.parametrize("role", ["system_admin", "security_admin", "street_admin", "superior", "resident"])
def test_nobody_but_the_auditor_reads_the_log(street, role):
    assert _client(street.accounts[role]).get("/audit/").status_code == 403


@pytest.fixture
def admin_users(street):
    """The system admin and the auditor with access to the Django admin (``is_staff``), so the
    admin's own permission checks are what refuses them."""
    User.objects.filter(username__in=["system_admin", "auditor"]).update(is_staff=True)
    return street


def test_the_system_admin_cannot_read_change_or_delete_entries_in_the_admin(admin_users):
    entry = AuditEntry.objects.first()
    client = _client(admin_users.accounts["system_admin"])
    assert client.get("/admin/").status_code == 200  # the admin is open to the system admin
    base = "/admin/core/auditentry/"
    assert client.get(base).status_code == 403
    assert client.get(f"{base}add/").status_code == 403
    assert client.get(f"{base}{entry.pk}/change/").status_code == 403
    assert client.post(f"{base}{entry.pk}/change/", {"action": "x"}).status_code == 403
    assert client.get(f"{base}{entry.pk}/delete/").status_code == 403
    assert client.post(f"{base}{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.post(base, {"action": "delete_selected", "_selected_action": [entry.pk]}).status_code == 403
    assert AuditEntry.objects.filter(pk=entry.pk, action=entry.action).exists()


def test_the_auditor_reads_but_cannot_add_change_or_delete_in_the_admin(admin_users):
    entry = AuditEntry.objects.first()
    client = _client(admin_users.accounts["auditor"])
    base = "/admin/core/auditentry/"
    assert client.get(base).status_code == 200
    assert client.get(f"{base}{entry.pk}/change/").status_code == 200  # a read-only view
    assert client.get(f"{base}add/").status_code == 403
    assert client.post(f"{base}{entry.pk}/change/", {"action": "x"}).status_code == 403
    assert client.get(f"{base}{entry.pk}/delete/").status_code == 403
    assert client.post(f"{base}{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    client.post(base, {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"})
    assert AuditEntry.objects.filter(pk=entry.pk, action=entry.action).exists()


@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="SQLite has no database roles or grants; make test runs this in its PostgreSQL pass")
@pytest.mark.django_db(transaction=True)
def test_the_apps_role_may_add_to_the_append_only_tables_and_nothing_more(street):
    """``grant_app_role``: the role the app connects as writes rows, but on the audit log and the
    points ledger it can only add; it owns no table, so it can neither truncate nor disable the
    triggers."""
    from django.core.management import call_command

    from tongxin.points.models import PointsEntry
    from tongxin.points.services.ledger import points_award
    from tongxin.points.services.catalogue import earning_rule_save

    earning_rule_save(by=None, org=street.street, action="bonus", points=5)
    points_award(by=None, person=street.resident_a, action="bonus", key="bonus:role")
    role = "tongxin_app_test"
    with connection.cursor() as cursor:
        cursor.execute(f"DROP ROLE IF EXISTS {role}")
        cursor.execute(f"CREATE ROLE {role}")
    try:
        call_command("grant_app_role", role, stdout=io.StringIO())
        audit, ledger = AuditEntry._meta.db_table, PointsEntry._meta.db_table
        refused = [f"UPDATE {audit} SET action = 'x'", f"DELETE FROM {audit}", f"TRUNCATE {audit}",
                   f"ALTER TABLE {audit} DISABLE TRIGGER ALL", f"UPDATE {ledger} SET amount = 1000",
                   f"DELETE FROM {ledger}", f"TRUNCATE {ledger}", f"ALTER TABLE {ledger} DISABLE TRIGGER ALL",
                   f"DROP TRIGGER core_auditentry_no_update_delete ON {audit}"]
        for sql in refused:
            with pytest.raises(DatabaseError, match="permission denied|must be owner"), transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute(f"SET LOCAL ROLE {role}")
                    cursor.execute(sql)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL ROLE {role}")
            cursor.execute(f"INSERT INTO {audit} (at, actor_name, action, object_type, object_id, object_repr, changes) "
                           "VALUES (now(), 'app', 'note', '', '', '', '{}')")
            cursor.execute("UPDATE people_person SET note = note WHERE id = %s", [street.resident_a.pk])
        # The trigger refuses even the owner.
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(f"UPDATE {ledger} SET amount = 1000")
        assert list(PointsEntry.objects.values_list("amount", flat=True)) == [5]
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP OWNED BY {role}")
            cursor.execute(f"DROP ROLE {role}")
