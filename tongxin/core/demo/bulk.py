"""How the demo builders write rows: through the bulk services.

The builders hand over validated, unsaved objects from the services' ``*_build`` functions
(``person_build``, ``household_build``, ``party_member_build``), so encryption, keyed hashes,
masked phones, pinyin initials and org paths are computed by the services, and the rows and
audit entries are the services' own. The bulk services insert by COPY on PostgreSQL and with one
prepared INSERT on SQLite (``tongxin.core.bulk_insert``), which is what makes a district-scale
load fast; the demo needs no writer of its own.
"""

from __future__ import annotations

from tongxin.orgs.models import Household
from tongxin.orgs.services import household_bulk_create
from tongxin.people.models import PartyMember, Person
from tongxin.people.services import party_member_bulk_create, person_bulk_create


class ServiceWriter:
    """Inserts through the bulk services; works on every database."""

    def __init__(self, *, by=None, audit: bool = True):
        self.by = by
        self.audit = audit

    def households(self, items: list[Household]) -> None:
        household_bulk_create(by=self.by, households=items, audit=self.audit)

    def persons(self, rows: list[tuple[Person, list[str]]]) -> None:
        person_bulk_create(by=self.by, rows=rows)

    def party_members(self, items: list[PartyMember]) -> None:
        party_member_bulk_create(by=self.by, members=items, audit=self.audit)
