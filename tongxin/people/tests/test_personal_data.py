"""ID numbers are stored encrypted and found by a keyed hash; nobody reads them in the database."""

from pathlib import Path

import pytest
from django.db import connection

from tongxin.core.models import AuditEntry
from tongxin.people.models import Person
from tongxin.people.selectors import person_list
from tongxin.people.services import person_reveal


def _all_text_in_database() -> str:
    """Every value of every text column of every table, as the database returns it."""
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f'SELECT * FROM "{table}"')
            for row in cursor.fetchall():
                chunks.extend(str(v) for v in row if v is not None)
    return "\n".join(chunks)


@pytest.mark.django_db(transaction=True)
def test_no_plain_id_or_phone_number_anywhere_in_the_database(street):
    text = _all_text_in_database()
    for person in (street.resident_a, street.resident_b, street.member_a):
        assert person.id_number not in text
        assert person.id_number[:17] not in text  # nor without its check digit
        assert person.phone not in text
    assert street.resident_a.phone_masked in text  # masked values are fine


@pytest.mark.django_db(transaction=True)
def test_database_file_holds_no_plain_id_or_phone_number(street):
    """The bytes on disk: SQLite's file and its write-ahead log; on PostgreSQL the rows as the
    server returns them (above) are what the app's role can read."""
    people = list(Person.objects.all())
    if connection.vendor == "sqlite":
        name = Path(connection.settings_dict["NAME"])
        connection.close()
        raw = name.read_bytes() + (Path(f"{name}-wal").read_bytes() if Path(f"{name}-wal").exists() else b"")
        assert raw.startswith(b"SQLite format 3")
        assert "八里铺社区".encode() in raw  # the file really holds the registry
    else:
        raw = _all_text_in_database().encode()
    for person in people:
        assert person.id_number.encode() not in raw
        assert person.phone.encode() not in raw


def test_look_up_by_id_number_uses_the_keyed_hash(street):
    found = person_list(user=street.accounts["street_admin"], q=street.resident_a.id_number)
    assert list(found) == [street.resident_a]


def test_reveal_is_allowed_to_community_worker_and_audited(street):
    worker = street.accounts["community_worker"]
    before = AuditEntry.objects.filter(action="person_revealed").count()
    assert person_reveal(by=worker, person=street.resident_a, field_name="id_number") == street.resident_a.id_number
    assert AuditEntry.objects.filter(action="person_revealed").count() == before + 1
    entry = AuditEntry.objects.filter(action="person_revealed").first()
    assert entry.actor == worker and entry.changes == {"field": "id_number"}


def test_reveal_is_refused_to_grid_worker(street):
    with pytest.raises(PermissionError):
        person_reveal(by=street.accounts["grid_worker"], person=street.resident_a, field_name="id_number")
