"""How the demo builders write rows: through the bulk services, or by COPY on PostgreSQL.

Both writers take the same validated, unsaved objects from the services' ``*_build`` functions
(``person_build``, ``household_build``, ``party_member_build``), so encryption, keyed hashes,
masked phones, pinyin initials and org paths are computed by the services either way. The COPY
writer only replaces the INSERT statements: it writes the same columns, the same group rows and
the same audit entries (with the services' ``*_audit_changes``) as the bulk services, about five
times faster. ``tests/test_seed_demo.py`` compares the two on PostgreSQL.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence

from django.core.exceptions import ValidationError
from django.db import connection, models
from django.utils import timezone

from tongxin.core.audit import AuditAction, _describe
from tongxin.core.models import AuditEntry
from tongxin.core.request_context import current_ip
from tongxin.orgs.models import Household
from tongxin.orgs.services import household_audit_changes, household_bulk_create
from tongxin.people.models import PartyMember, Person, PersonGroupMembership
from tongxin.people.services import (
    party_member_audit_changes, party_member_bulk_create, person_bulk_audit_changes, person_bulk_create,
)


class ServiceWriter:
    """Inserts through the bulk services (``bulk_create``); works on every database."""

    def __init__(self, *, by=None, audit: bool = True):
        self.by = by
        self.audit = audit

    def households(self, items: list[Household]) -> None:
        household_bulk_create(by=self.by, households=items, audit=self.audit)

    def persons(self, rows: list[tuple[Person, list[str]]]) -> None:
        person_bulk_create(by=self.by, rows=rows)

    def party_members(self, items: list[PartyMember]) -> None:
        party_member_bulk_create(by=self.by, members=items, audit=self.audit)


class CopyWriter(ServiceWriter):
    """PostgreSQL only: the same rows as ``ServiceWriter``, sent with COPY."""

    def households(self, items: list[Household]) -> None:
        if len({(h.org_id, h.number) for h in items}) != len(items):
            raise ValidationError("门牌号重复")
        copy_instances(Household, items)
        if self.audit:
            self._audit(AuditAction.HOUSEHOLD_CREATED, items, household_audit_changes)

    def persons(self, rows: list[tuple[Person, list[str]]]) -> None:
        persons = [person for person, _groups in rows]
        copy_instances(Person, persons)
        copy_rows(
            PersonGroupMembership._meta.db_table, ["person_id", "group"],
            ((person.pk, group) for person, groups in rows for group in sorted(set(groups))),
        )
        # person_bulk_create always audits.
        self._audit(AuditAction.PERSON_CREATED, rows, lambda row: person_bulk_audit_changes(*row),
                    obj_of=lambda row: row[0])

    def party_members(self, items: list[PartyMember]) -> None:
        if len({m.person_id for m in items}) != len(items):
            raise ValidationError("同一人员不能重复登记为党员")
        copy_instances(PartyMember, items)
        if self.audit:
            self._audit(AuditAction.PARTY_MEMBER_SAVED, items, party_member_audit_changes)

    def _audit(self, action: str, items: Sequence, changes_for: Callable, obj_of: Callable = lambda x: x) -> None:
        """One entry per object, as ``audit_record_many`` writes them."""
        actor = self.by if getattr(self.by, "pk", None) else None
        actor_id = actor.pk if actor else None
        name = actor.get_username() if actor else "system"
        ip = current_ip.get() or None
        at = timezone.now()
        action = str(action)  # the stored value of the AuditAction choice
        rows = []
        for item in items:
            object_type, object_id, object_repr = _describe(obj_of(item))
            rows.append((at, actor_id, name, ip, action, object_type, object_id, object_repr,
                         json.dumps(changes_for(item))))
        copy_rows(AuditEntry._meta.db_table,
                  ["at", "actor_id", "actor_name", "ip", "action", "object_type", "object_id", "object_repr",
                   "changes"], rows)


def copy_rows(table: str, columns: list[str], rows: Iterable[tuple]) -> None:
    """COPY plain tuples into ``table``; columns left out take their defaults (e.g. the id)."""
    cols = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {connection.ops.quote_name(table)} ({cols}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


def copy_instances(model: type[models.Model], objs: list[models.Model]) -> None:
    """COPY unsaved model instances, as ``bulk_create`` would insert them.

    Primary keys are drawn from the table's identity sequence first and set on the objects,
    so that rows inserted next can refer to them. ``auto_now``/``auto_now_add`` fields get the
    current time, as Django's ``pre_save`` gives them.
    """
    if not objs:
        return
    opts = model._meta
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [opts.db_table, opts.pk.column, len(objs)],
        )
        ids = [row[0] for row in cursor.fetchall()]
    for obj, pk in zip(objs, ids):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = connection.alias
    now = timezone.now()
    getters = []
    for field in opts.concrete_fields:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            value = now if isinstance(field, models.DateTimeField) else timezone.localdate(now)
            getters.append(lambda obj, value=value: value)
        elif isinstance(field, models.JSONField):
            getters.append(lambda obj, attname=field.attname, encoder=field.encoder:
                           json.dumps(getattr(obj, attname), cls=encoder))
        elif isinstance(field, models.GenericIPAddressField):
            getters.append(lambda obj, attname=field.attname: getattr(obj, attname) or None)
        else:
            getters.append(None)
    attnames = [field.attname for field in opts.concrete_fields]
    plain = [(i, a) for i, (a, g) in enumerate(zip(attnames, getters)) if g is None]
    special = [(i, g) for i, g in enumerate(getters) if g is not None]
    width = len(attnames)

    def row_of(obj):
        row = [None] * width
        values = obj.__dict__
        for i, attname in plain:
            row[i] = values[attname]
        for i, getter in special:
            row[i] = getter(obj)
        return row

    copy_rows(opts.db_table, [field.column for field in opts.concrete_fields], (row_of(obj) for obj in objs))
