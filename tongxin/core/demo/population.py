"""Households of one to five people: couples, children, grandparents, people living alone.

Only plain data here (``HouseholdPlan``, ``Resident``); the builders turn them into rows through
the services. Families are composed rather than drawn person by person, so that a child carries
the father's surname, spouses are of an age and old people living alone exist — which is what
the coverage and hardship figures of the later modules feed on.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

from tongxin.people.models import PersonGroup

from .names import IdentityFactory, Weighted, age_on_reference, birth_date_for, person_name, sample_age


@dataclass(eq=False)
class Resident:
    name: str
    surname: str
    gender: str
    birth: date
    id_number: str
    phone: str
    groups: list[str]
    note: str = ""
    household: HouseholdPlan | None = None
    # What the street builder decides about the person: a staff post, party membership.
    post: str = ""
    member: dict | None = None
    person: object = None  # the saved Person
    party_member: object = None  # the saved PartyMember

    @property
    def age(self) -> int:
        return age_on_reference(self.birth)


@dataclass(eq=False)
class HouseholdPlan:
    number: str
    residents: list[Resident]
    in_hardship: bool = False
    note: str = ""
    household: object = None  # the saved Household


_SIZES_URBAN = Weighted([(1, 22), (2, 33), (3, 25), (4, 12), (5, 8)])
_SIZES_RURAL = Weighted([(1, 15), (2, 35), (3, 22), (4, 16), (5, 12)])
_WORK_URBAN = Weighted([
    (PersonGroup.ENTERPRISE_STAFF, 40), (PersonGroup.CIVIL_SERVANT, 9), (PersonGroup.SHOP_OWNER, 9),
    (PersonGroup.NEW_EMPLOYMENT, 6), (PersonGroup.MIGRANT_WORKER, 7), (PersonGroup.UNEMPLOYED, 4), (None, 25),
])
_WORK_RURAL = Weighted([
    (PersonGroup.FARMER_HERDER, 62), (PersonGroup.MIGRANT_WORKER, 18), (PersonGroup.SHOP_OWNER, 4),
    (PersonGroup.ENTERPRISE_STAFF, 4), (PersonGroup.CIVIL_SERVANT, 2), (PersonGroup.UNEMPLOYED, 3), (None, 7),
])


class PopulationFactory:
    def __init__(self, rng: random.Random, *, rural: bool = False, identities: IdentityFactory | None = None):
        self.rng = rng
        self.rural = rural
        self.identities = identities or IdentityFactory(rng)

    # -- one person -------------------------------------------------------------------------
    def resident(self, age: int, gender: str, surname: str | None = None) -> Resident:
        rng = self.rng
        birth = birth_date_for(rng, age)
        name, family = person_name(rng, gender, birth.year, surname)
        phone_share = 0.0 if age < 14 else 0.55 if age >= 80 else 0.8 if age >= 70 else 0.97
        return Resident(
            name=name, surname=family, gender=gender, birth=birth,
            id_number=self.identities.id_number(birth, gender),
            phone=self.identities.phone() if rng.random() < phone_share else "",
            groups=self.groups(age, gender),
        )

    def groups(self, age: int, gender: str) -> list[str]:
        rng = self.rng
        groups: list[str] = []
        if 6 <= age <= 17 or (18 <= age <= 22 and rng.random() < 0.6):
            groups.append(PersonGroup.STUDENT)
        elif 18 <= age < (60 if gender == "M" else 55):
            work = (_WORK_RURAL if self.rural else _WORK_URBAN).pick(rng)
            if work:
                groups.append(work)
        elif age >= (60 if gender == "M" else 55):
            if self.rural:
                if age < 70 and rng.random() < 0.5:
                    groups.append(PersonGroup.FARMER_HERDER)
            elif rng.random() < 0.85:
                groups.append(PersonGroup.RETIRED)
        if age >= 60:
            groups.append(PersonGroup.ELDERLY)
        if age >= 10 and rng.random() < (0.05 if age >= 70 else 0.012):
            groups.append(PersonGroup.DISABLED)
        if gender == "M" and age >= 24 and rng.random() < 0.04:
            groups.append(PersonGroup.VETERAN)
        return [str(g) for g in groups]

    # -- one household ----------------------------------------------------------------------
    def household(self) -> list[Resident]:
        rng = self.rng
        size = (_SIZES_RURAL if self.rural else _SIZES_URBAN).pick(rng)
        if size == 1:
            age = sample_age(rng, 60, 95) if rng.random() < 0.45 else sample_age(rng, 20, 59)
            return [self.resident(age, rng.choice("MF"))]
        if size == 2:
            if rng.random() < 0.78:
                old = rng.random() < 0.5
                return self._couple(wife_age=sample_age(rng, 58, 92) if old else sample_age(rng, 22, 57))
            parent_age = rng.randint(38, 80)
            parent = self.resident(parent_age, rng.choice("MF"))
            return [parent, self._child(parent_age, parent.surname)]
        mother_age = sample_age(rng, 25, 58)
        family = self._couple(wife_age=mother_age)
        father = family[0]
        family.append(self._child(mother_age, self._child_surname(father, family[1])))
        if size == 4:
            if rng.random() < 0.6:
                family.append(self._child(mother_age, family[2].surname, younger_than=family[2]))
            else:
                family.append(self.resident(min(mother_age + rng.randint(24, 34), 96), rng.choice("MF")))
        elif size == 5:
            grand_age = min(max(father.age, mother_age) + rng.randint(24, 32), 94)
            family.extend(self._couple(wife_age=grand_age, surname=father.surname))
        return family

    def _couple(self, *, wife_age: int, surname: str | None = None) -> list[Resident]:
        """Husband and wife; the husband a couple of years older, as is usual."""
        husband_age = max(22, wife_age + round(self.rng.gauss(2, 2)))
        return [self.resident(husband_age, "M", surname), self.resident(wife_age, "F")]

    def _child_surname(self, father: Resident, mother: Resident) -> str:
        return mother.surname if self.rng.random() < 0.08 else father.surname

    def _child(self, mother_age: int, surname: str, younger_than: Resident | None = None) -> Resident:
        rng = self.rng
        oldest = mother_age - 21
        if younger_than is not None:
            age = max(0, younger_than.age - rng.randint(1, 9))
        else:
            age = max(0, oldest - rng.randint(0, 14))
        return self.resident(age, rng.choice("MF"), surname)
