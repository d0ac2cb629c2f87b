"""The permission matrix: every role × where the object sits × action.

First through ``user.has_perm`` (the rules as declared), then through the pages and the API,
which must answer the same way.

The people the matrix asks about (columns of the person permissions, in this order):

    resident_a  张三, building BLP-C1-G1-B1 (household 1-101)
    member_a    王五, party member, same building and household
    resident_b  李四, building BLP-C2-G1-B1 in the sibling community BLP-C2
    own         the account's own person: the resident's is 张三, the party member's 王五; every
                staff account gets a person registered in BLP-C2-G1-B1, outside the scope of the
                roles held in BLP-C1, so that "it is me" is tested apart from "it is in my area".

Orgs: import/export on (BLP-C1, BLP-C2); view/change org on (BLP-C1, BLP-C2, KEQ).
"Y" = allowed, "-" = refused.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import pytest
from django.test import Client

from tongxin.accounts.models import Role
from tongxin.core.models import AuditEntry
from tongxin.orgs.models import Org
from tongxin.people.services import PersonData, person_create
from tongxin.testing import PASSWORD, make_id_number

PERSONS = ("resident_a", "member_a", "resident_b", "own")
IMPORT_ORGS = ("BLP-C1", "BLP-C2")
ORGS = ("BLP-C1", "BLP-C2", "KEQ")


@dataclass(frozen=True)
class Row:
    view_person: str  # over PERSONS
    change_person: str  # over PERSONS
    reveal_person: str  # over PERSONS
    import_people: str  # over IMPORT_ORGS
    export_people: str  # over IMPORT_ORGS
    view_org: str  # over ORGS
    change_org: str  # over ORGS
    view_audit: str  # no object
    manage_accounts: str  # no object
    unlock_accounts: str  # no object


PERMS = {
    "view_person": "people.view_person", "change_person": "people.change_person",
    "reveal_person": "people.reveal_person", "import_people": "people.import_people",
    "export_people": "people.export_people", "view_org": "orgs.view_org", "change_org": "orgs.change_org",
    "view_audit": "core.view_audit", "manage_accounts": "accounts.manage_accounts",
    "unlock_accounts": "accounts.unlock_accounts",
}

EXPECTED: dict[str, Row] = {
    #                        view    change  reveal  import export view_org change_org audit manage unlock
    "street_admin":     Row("YYYY", "YYYY", "YYYY", "YY",  "YY",  "YY-",   "YY-",     "-",  "-",   "-"),
    "community_worker": Row("YY-Y", "YY--", "YY-Y", "Y-",  "Y-",  "Y--",   "---",     "-",  "-",   "-"),
    "grid_worker":      Row("YY-Y", "----", "---Y", "--",  "--",  "---",   "---",     "-",  "-",   "-"),
    "building_head":    Row("YY-Y", "----", "---Y", "--",  "--",  "---",   "---",     "-",  "-",   "-"),
    "party_member":     Row("-Y-Y", "----", "-Y-Y", "--",  "--",  "---",   "---",     "-",  "-",   "-"),
    "resident":         Row("Y--Y", "----", "Y--Y", "--",  "--",  "---",   "---",     "-",  "-",   "-"),
    "superior":         Row("YYYY", "----", "---Y", "--",  "--",  "YYY",   "---",     "-",  "-",   "-"),
    "system_admin":     Row("---Y", "----", "---Y", "--",  "--",  "YYY",   "---",     "-",  "Y",   "-"),
    "security_admin":   Row("---Y", "----", "---Y", "--",  "--",  "---",   "---",     "-",  "-",   "Y"),
    "auditor":          Row("---Y", "----", "---Y", "--",  "--",  "---",   "---",     "Y",  "-",   "-"),
}


def test_the_table_covers_every_role():
    assert set(EXPECTED) == set(Role.values)
    for role, row in EXPECTED.items():
        for f in fields(Row):
            value = getattr(row, f.name)
            width = {"view_person": 4, "change_person": 4, "reveal_person": 4, "import_people": 2,
                     "export_people": 2, "view_org": 3, "change_org": 3}.get(f.name, 1)
            assert len(value) == width and set(value) <= {"Y", "-"}, (role, f.name, value)


@pytest.fixture
def matrix(street):
    """The small street, with a person of their own for every staff account (see the docstring)."""
    for number, role in enumerate(sorted(set(Role.values) - {Role.RESIDENT, Role.PARTY_MEMBER}), start=1):
        user = street.accounts[role]
        own = person_create(by=None, data=PersonData(
            name=f"职员{number}", org=street.building_b1, id_number=make_id_number(100 + number),
            phone=f"135000000{number:02d}"))
        # No service links an existing account to a person yet; this is set-up, not a write under test.
        user.person = own
        user.save(update_fields=["person"])
    return street


def _persons(street, role) -> dict:
    return {
        "resident_a": street.resident_a, "member_a": street.member_a, "resident_b": street.resident_b,
        "own": street.accounts[role].person,
    }


def _orgs() -> dict[str, Org]:
    return {org.code: org for org in Org.objects.filter(code__in=ORGS)}


def _allowed(row: Row, name: str, index: int = 0) -> bool:
    return getattr(row, name)[index] == "Y"


@pytest.mark.parametrize("role", list(EXPECTED))
def test_rules_matrix(matrix, role):
    user = matrix.accounts[role]
    row = EXPECTED[role]
    persons = _persons(matrix, role)
    orgs = _orgs()
    objects = {
        "view_person": PERSONS, "change_person": PERSONS, "reveal_person": PERSONS,
        "import_people": IMPORT_ORGS, "export_people": IMPORT_ORGS, "view_org": ORGS, "change_org": ORGS,
    }
    wrong = []
    for name, perm in PERMS.items():
        if name in objects:
            for index, label in enumerate(objects[name]):
                obj = persons[label] if label in persons else orgs[label]
                expected = _allowed(row, name, index)
                if user.has_perm(perm, obj) != expected:
                    wrong.append(f"{perm} on {label}: expected {'Y' if expected else '-'}")
            # An object permission is never granted without its object.
            if user.has_perm(perm):
                wrong.append(f"{perm} without an object: granted")
        else:
            expected = _allowed(row, name)
            if user.has_perm(perm) != expected:
                wrong.append(f"{perm}: expected {'Y' if expected else '-'}")
    assert wrong == [], f"{role}: " + "; ".join(wrong)


def _api_token(username: str) -> str:
    response = Client().post("/api/v1/auth/token", {"username": username, "password": PASSWORD},
                             content_type="application/json")
    assert response.status_code == 200, response.content
    return response.json()["token"]


@pytest.mark.parametrize("role", list(EXPECTED))
def test_pages_and_api_follow_the_matrix(matrix, role):
    user = matrix.accounts[role]
    row = EXPECTED[role]
    page = Client()
    page.force_login(user)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {_api_token(user.username)}")
    reveals_before = AuditEntry.objects.filter(action="person_revealed", actor=user).count()
    expected_reveals = 0
    wrong = []

    def check(what: str, response, expected: int) -> None:
        if response.status_code != expected:
            wrong.append(f"{what}: {response.status_code}, expected {expected}")

    for index, (label, person) in enumerate(_persons(matrix, role).items()):
        may_view = _allowed(row, "view_person", index)
        may_reveal = _allowed(row, "reveal_person", index)

        detail = page.get(f"/people/{person.pk}/")
        check(f"page /people/ {label}", detail, 200 if may_view else 404)
        if detail.status_code == 200:
            assert person.phone not in detail.content.decode(), "the page shows the full phone unasked"

        reveal = page.post(f"/people/{person.pk}/reveal/", {"field": "phone"})
        check(f"page reveal {label}", reveal, 200 if may_reveal else 403 if may_view else 404)
        if reveal.status_code == 200:
            assert reveal.json() == {"value": person.phone}
            expected_reveals += 1

        via_api = api.get(f"/api/v1/people/{person.pk}")
        check(f"API /people/ {label}", via_api, 200 if may_view else 404)
        if via_api.status_code == 200:
            assert via_api.json()["phone"] == person.phone_masked != person.phone

    for index, code in enumerate(ORGS):
        may_view = _allowed(row, "view_org", index)
        check(f"page /orgs/{code}/", page.get(f"/orgs/{code}/"), 200 if may_view else 403)
        org_api = api.get(f"/api/v1/orgs/{code}")
        check(f"API /orgs/{code}", org_api, 200 if may_view else 404)
        if org_api.status_code == 200:
            assert org_api.json()["code"] == code

    check("page /audit/", page.get("/audit/"), 200 if _allowed(row, "view_audit") else 403)

    assert wrong == [], f"{role}: " + "; ".join(wrong)
    # Each reveal that was answered is in the audit log, and only those.
    assert AuditEntry.objects.filter(action="person_revealed", actor=user).count() == reveals_before + expected_reveals
