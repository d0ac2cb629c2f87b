"""The demo data: ``seed_demo`` at a small scale, ``demo_logins``, and the district loader.

Everything goes to the real database; the demo accounts log in through the login page.
"""

from __future__ import annotations

import random
from collections import Counter
from io import StringIO

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client

from tongxin.accounts.models import Role, RoleAssignment, User
from tongxin.core import personal_data
from tongxin.core.demo.bulk import ServiceWriter
from tongxin.core.demo.district import build_district, district_street_specs
from tongxin.core.demo.logins import DEMO_LOGINS
from tongxin.core.demo.names import IdentityFactory
from tongxin.core.demo.population import PopulationFactory
from tongxin.core.demo.street import ensure_city_and_district
from tongxin.core.identity import birth_date_from_id, gender_from_id, mask_phone, normalize_id_number
from tongxin.core.models import AuditEntry
from tongxin.orgs.models import Domain, Household, Org, OrgKind
from tongxin.orgs.services import household_build, household_create, org_create
from tongxin.people.models import (
    MemberStatus, PartyMember, Person, PersonGroupMembership, Responsibility, ResponsibilityKind, StudyPair,
    Supervisor,
)
from tongxin.people.selectors import person_list
from tongxin.people.services import PersonData, person_build, person_create

COUNTED = (Org, Household, Person, PersonGroupMembership, PartyMember, Responsibility, StudyPair, Supervisor, User,
           RoleAssignment, AuditEntry)

# Where each demo account must work: (role, org code).
EXPECTED_SCOPES = {
    "street_admin": (Role.STREET_ADMIN, "BLP"),
    "community_worker": (Role.COMMUNITY_WORKER, "BLP-C01"),
    "grid_worker": (Role.GRID_WORKER, "BLP-C01-G01"),
    "building_head": (Role.BUILDING_HEAD, "BLP-C01-G01-B01"),
    "member": (Role.PARTY_MEMBER, "BLP-C01"),
    "resident": (Role.RESIDENT, "BLP-C01"),
    "superior": (Role.SUPERIOR, "KEQ"),
    "sysadmin": (Role.SYSTEM_ADMIN, "TL"),
    "secadmin": (Role.SECURITY_ADMIN, "TL"),
    "auditor": (Role.AUDITOR, "TL"),
}


def seed(scale: str = "tiny") -> str:
    out = StringIO()
    call_command("seed_demo", scale=scale, stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in COUNTED}


def test_the_demo_tree_is_the_street_of_the_seeds(db):
    seed()
    street = Org.objects.get(code="BLP")
    assert (street.name, street.kind, street.parent.code, street.parent.parent.code) == (
        "八里铺街道", OrgKind.STREET, "KEQ", "TL")
    communities = Org.objects.filter(parent=street, kind=OrgKind.COMMUNITY)
    assert {"八里铺社区", "学院社区"} <= set(communities.values_list("name", flat=True))
    grid = Org.objects.get(code="BLP-C01-G01")
    building = Org.objects.get(code="BLP-C01-G01-B01")
    assert (grid.kind, grid.parent.code, building.kind, building.parent_id) == (
        OrgKind.GRID, "BLP-C01", OrgKind.BUILDING, grid.pk)
    assert building.path == f"{grid.path}{building.pk}/"
    units = Org.objects.filter(parent=street, kind=OrgKind.UNIT)
    assert len({u.domain for u in units}) >= 4 and "" not in {u.domain for u in units}
    assert units.filter(is_co_building_unit=True).exists() and units.filter(is_co_building_unit=False).exists()
    committee = Org.objects.get(code="BLP-PW")
    assert committee.kind == OrgKind.PARTY_COMMITTEE and committee.name == "八里铺街道党工委"
    for community in communities:
        branches = Org.objects.filter(path__startswith=community.path, kind=OrgKind.PARTY_BRANCH)
        assert branches.count() >= 1
    # Every member belongs to a branch or committee; every household has one to five people.
    assert not PartyMember.objects.exclude(branch__kind__in=[OrgKind.PARTY_BRANCH, OrgKind.PARTY_COMMITTEE]).exists()
    sizes = Counter(Person.objects.values_list("household_id", flat=True))
    assert None not in sizes and set(sizes.values()) <= {1, 2, 3, 4, 5}
    assert Household.objects.filter(org__kind=OrgKind.BUILDING).count() == Household.objects.count()
    assert Household.objects.filter(number__regex=r"^\d+-\d+-\d+$").count() == Household.objects.count()


def test_every_demo_account_logs_in_with_the_demo_password_and_works_in_its_scope(db):
    seed()
    for login in DEMO_LOGINS:
        client = Client()
        response = client.post("/accounts/login/", {"username": login.username,
                                                    "password": settings.TONGXIN_DEMO_PASSWORD})
        assert response.status_code == 302, login.username
        user = User.objects.get(username=login.username)
        assert client.session[SESSION_KEY] == str(user.pk)
        role, code = EXPECTED_SCOPES[login.username]
        assert set(RoleAssignment.objects.filter(user=user).values_list("role", "org__code")) == {(role, code)}
        assert user.is_staff == (login.username == "sysadmin")
    member = User.objects.get(username="member").person
    resident = User.objects.get(username="resident").person
    assert member.org_path.startswith(Org.objects.get(code="BLP-C01").path)
    assert PartyMember.objects.filter(person=member).exists()
    assert resident.org_path.startswith(Org.objects.get(code="BLP-C01").path)
    assert not PartyMember.objects.filter(person=resident).exists()
    grid_worker = User.objects.get(username="grid_worker").person
    assert grid_worker.org_path.startswith(Org.objects.get(code="BLP-C01-G01").path)
    # A community worker per community and a grid worker per grid, beside the demo accounts.
    communities = Org.objects.filter(kind=OrgKind.COMMUNITY).count()
    grids = Org.objects.filter(kind=OrgKind.GRID).count()
    assert RoleAssignment.objects.filter(role=Role.COMMUNITY_WORKER).values("org").distinct().count() == communities
    assert RoleAssignment.objects.filter(role=Role.GRID_WORKER).values("org").distinct().count() == grids


def test_a_wrong_password_does_not_log_a_demo_account_in(db):
    seed()
    client = Client()
    client.post("/accounts/login/", {"username": "street_admin", "password": "Wrong2024pass"})
    assert SESSION_KEY not in client.session


def test_residents_have_valid_ids_that_match_their_gender_and_birth_date(db):
    seed()
    people = list(Person.objects.all())
    assert len(people) >= 700
    local = 0
    for person in people:
        id_number = person.id_number
        assert normalize_id_number(id_number) == id_number  # valid check digit and date
        local += id_number[:4] in ("1505", "1523")  # 通辽, and 哲里木盟 before 1999
        assert person.gender == gender_from_id(id_number)
        assert person.birth_date == birth_date_from_id(id_number)
        if person.phone_encrypted:
            assert person.phone_masked == mask_phone(person.phone)
    assert len({p.id_number_hash for p in people}) == len(people)
    assert local / len(people) > 0.95


def test_members_are_about_six_percent_with_the_groups_the_campaign_needs(db):
    seed()
    residents = Person.objects.count()
    members = PartyMember.objects.all()
    assert 0.05 <= members.count() / residents <= 0.07
    assert members.filter(needs_home_delivery=True).exists()
    assert members.filter(is_mobile=True).exists()
    assert members.filter(status=MemberStatus.PROBATIONARY).exists()
    assert members.filter(in_hardship=True).exists()
    assert Household.objects.filter(in_hardship=True).exists()
    # Members needing study at home are old; every member joined as an adult.
    for member in members.select_related("person"):
        assert (member.joined_on - member.person.birth_date).days > 18 * 365
        if member.needs_home_delivery:
            assert member.person.birth_date.year <= 1960
    kinds = set(Responsibility.objects.values_list("kind", flat=True))
    assert kinds == {ResponsibilityKind.AREA, ResponsibilityKind.BUILDING, ResponsibilityKind.HOUSEHOLD}
    # 包户 covers exactly the households in hardship.
    assert set(Responsibility.objects.filter(kind=ResponsibilityKind.HOUSEHOLD).values_list("household_id", flat=True)) \
        == set(Household.objects.filter(in_hardship=True).values_list("id", flat=True))
    for pair in StudyPair.objects.select_related("helper__person", "member__person"):
        assert pair.member.needs_home_delivery or pair.member.is_mobile
        assert pair.helper.person.birth_date > pair.member.person.birth_date or pair.member.is_mobile
    assert StudyPair.objects.exists() and Supervisor.objects.exists()


def test_no_full_id_or_phone_number_is_stored_in_plain(db):
    seed()
    secrets = set()
    for person in Person.objects.all():
        secrets.add(person.id_number)
        if person.phone_encrypted:
            secrets.add(person.phone)
    with connection.cursor() as cursor:
        for table in (Person._meta.db_table, AuditEntry._meta.db_table, Household._meta.db_table):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            for row in cursor.fetchall():
                text = " ".join(str(value) for value in row)
                assert not any(secret in text for secret in secrets if len(secret) >= 11), table


def test_running_it_again_adds_nothing(db):
    seed()
    before = counts()
    output = seed()
    assert "已存在" in output
    assert counts() == before


def test_demo_logins_prints_every_account_its_role_scope_and_the_password(db):
    seed()
    out = StringIO()
    call_command("demo_logins", stdout=out)
    text = out.getvalue()
    assert settings.TONGXIN_DEMO_PASSWORD in text
    for login in DEMO_LOGINS:
        assert login.username in text
        assert str(Role(login.role).label) in text
    for scope in ("八里铺街道", "八里铺社区", "八里铺社区第一网格", "科尔沁区", "通辽市"):
        assert scope in text
    assert "未创建" not in text


def test_demo_logins_says_when_the_demo_is_not_loaded(db):
    out = StringIO()
    call_command("demo_logins", stdout=out)
    assert "seed_demo" in out.getvalue()


def test_the_same_seed_gives_the_same_residents():
    def households(seed_value):
        rng = random.Random(seed_value)
        factory = PopulationFactory(rng, identities=IdentityFactory(rng, street_index=0))
        return [[(r.name, r.id_number, r.phone, r.groups) for r in factory.household()] for _ in range(200)]

    assert households(2024) == households(2024)
    assert households(2024) != households(2025)


def test_streets_of_one_district_never_share_an_id_or_phone():
    ids, phones = {}, {}
    for index in range(10):
        rng = random.Random(2024)  # the same seed on purpose: only the street index differs
        factory = PopulationFactory(rng, identities=IdentityFactory(rng, street_index=index))
        for _ in range(300):
            for r in factory.household():
                assert ids.setdefault(r.id_number, index) == index
                if r.phone:
                    assert phones.setdefault(r.phone, index) == index


def test_the_district_loader_builds_streets_and_townships_and_skips_existing_ones(db):
    seed()
    _city, district = ensure_city_and_district()
    specs = district_street_specs(scale=0.003)
    lines = []
    assert build_district(district=district, specs=specs, log=lines.append) == len(specs)
    assert len(lines) == len(specs)
    for spec in specs:
        street = Org.objects.get(code=spec.code)
        assert street.parent_id == district.pk and street.kind == spec.kind
        assert Person.objects.filter(org_path__startswith=street.path).count() >= spec.residents
    township = Org.objects.get(code="DL")
    assert township.kind == OrgKind.TOWNSHIP
    assert Org.objects.filter(parent=township, kind=OrgKind.VILLAGE, domain=Domain.RURAL_PASTORAL).exists()
    # Each person has the audit entry ``person_bulk_create`` writes; the ID decrypts and is valid.
    assert AuditEntry.objects.filter(action="person_created").count() == Person.objects.count()
    for person in Person.objects.filter(org_path__startswith=Org.objects.get(code="YQ").path)[:50]:
        assert normalize_id_number(person.id_number) == person.id_number
    before = counts()
    assert build_district(district=district, specs=specs, log=lines.append) == 0
    assert counts() == before


def test_the_bulk_writer_writes_the_same_rows_as_the_services_one_by_one(db):
    """The demo loaders' writer (bulk services: COPY on PostgreSQL, one prepared INSERT on SQLite)
    against ``household_create`` and ``person_create`` one object at a time, row for row and
    audit entry for audit entry."""
    _city, district = ensure_city_and_district()
    street = org_create(by=None, code="CPY", name="对照街道", kind=OrgKind.STREET, parent=district)
    community = org_create(by=None, code="CPY-C", name="对照社区", kind=OrgKind.COMMUNITY, parent=street)
    grid = org_create(by=None, code="CPY-G", name="对照网格", kind=OrgKind.GRID, parent=community)
    building = org_create(by=None, code="CPY-B", name="1号楼", kind=OrgKind.BUILDING, parent=grid)
    rng = random.Random(5)
    families = [PopulationFactory(rng, identities=IdentityFactory(rng, street_index=9)).household() for _ in range(12)]

    class Rollback(Exception):
        pass

    def write_with(bulk: bool) -> dict:
        numbers = [f"1-1-{i + 101}" for i in range(len(families))]
        if bulk:
            households = [household_build(org=building, number=n, in_hardship=i % 5 == 0, note="对照")
                          for i, n in enumerate(numbers)]
            ServiceWriter().households(households)
        else:
            households = [household_create(by=None, org=building, number=n, in_hardship=i % 5 == 0, note="对照")
                          for i, n in enumerate(numbers)]
        data = [PersonData(name=r.name, org=building, id_number=r.id_number, phone=r.phone, household=household,
                           groups=r.groups)
                for household, family in zip(households, families) for r in family]
        if bulk:
            ServiceWriter().persons([(person_build(d), d.groups) for d in data])
        else:
            for d in data:
                person_create(by=None, data=d)
        people = Person.objects.filter(org=building).select_related("household").order_by("id_number_hash")
        result = {
            "people": [
                (p.name, p.name_initials, p.gender, p.birth_date, p.id_number, p.id_number_hash, p.phone,
                 p.phone_hash, p.phone_masked, p.org_id, p.org_path, p.is_active, p.note, p.household.number,
                 p.household.in_hardship, p.household.org_path, sorted(p.group_codes), p.created_at is not None)
                for p in people
            ],
            "audit": sorted(
                (e.action, e.object_type, e.object_repr, str(e.changes), e.actor_name, e.ip)
                for e in AuditEntry.objects.filter(action__in=["person_created", "household_created"],
                                                   object_repr__in=[p.name for p in people] + [
                                                       str(h) for h in households])
            ),
        }
        raise Rollback(result)

    outcomes = []
    for bulk in (True, False):
        try:
            with transaction.atomic():
                write_with(bulk)
        except Rollback as done:
            outcomes.append(done.args[0])
    assert outcomes[0]["people"] and outcomes[0] == outcomes[1]
    assert not Person.objects.filter(org=building).exists()  # both rolled back
    assert personal_data.lookup_hash(outcomes[1]["people"][0][4]) == outcomes[1]["people"][0][5]


def test_people_search_on_the_demo_street_by_name_initials_and_phone(db):
    """The searches the benchmark times, on both databases (the last four digits go through
    the expression that ``person_phone_last4_idx`` indexes)."""
    seed()
    admin = User.objects.get(username="street_admin")
    person = Person.objects.exclude(phone_masked="").order_by("id")[7]
    last4 = person.phone_masked[-4:]
    by_last4 = list(person_list(user=admin, q=last4))
    assert person in by_last4 and all(p.phone_masked.endswith(last4) for p in by_last4)
    assert person in person_list(user=admin, q=person.phone_masked)
    assert person in person_list(user=admin, q=person.name[:2])
    assert all(p.name.startswith(person.name[:1]) for p in person_list(user=admin, q=person.name[:1]))
    assert person in person_list(user=admin, q=person.name_initials.upper())
    missing = next(f"{n:04d}" for n in range(10000)
                   if not Person.objects.filter(phone_masked__endswith=f"{n:04d}").exists())
    assert not person_list(user=admin, q=missing).exists()
    # Scope still applies: the grid worker finds only people of the grid.
    grid_worker = User.objects.get(username="grid_worker")
    grid_path = Org.objects.get(code="BLP-C01-G01").path
    assert all(p.org_path.startswith(grid_path) for p in person_list(user=grid_worker, q=last4))
