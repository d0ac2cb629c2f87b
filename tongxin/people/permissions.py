"""Who may do what with people, declared with django-rules.

| action                       | who                                                            |
|------------------------------|----------------------------------------------------------------|
| people.view_person           | the person themself; street admin, community worker, grid worker, building head, superior over the person's place |
| people.change_person         | street admin, community worker over the place                  |
| people.reveal_person         | the person themself; street admin, community worker over the place (full ID and phone, audited) |
| people.import_people (org)   | street admin, community worker over the org                    |
| people.export_people (org)   | street admin, community worker over the org                    |
"""

import rules

from tongxin.accounts.models import Role
from tongxin.accounts.selectors import has_role_over

VIEW_ROLES = (Role.STREET_ADMIN, Role.COMMUNITY_WORKER, Role.GRID_WORKER, Role.BUILDING_HEAD, Role.SUPERIOR)
MANAGE_ROLES = (Role.STREET_ADMIN, Role.COMMUNITY_WORKER)


@rules.predicate
def is_self(user, person) -> bool:
    return person is not None and user.is_authenticated and user.person_id == person.pk


@rules.predicate
def views_place_of(user, person) -> bool:
    return person is not None and has_role_over(user, VIEW_ROLES, person.org_path)


@rules.predicate
def manages_place_of(user, person) -> bool:
    return person is not None and has_role_over(user, MANAGE_ROLES, person.org_path)


@rules.predicate
def manages_org(user, org) -> bool:
    return org is not None and has_role_over(user, MANAGE_ROLES, org.path)


rules.add_perm("people.view_person", is_self | views_place_of)
rules.add_perm("people.change_person", manages_place_of)
rules.add_perm("people.reveal_person", is_self | manages_place_of)
rules.add_perm("people.import_people", manages_org)
rules.add_perm("people.export_people", manages_org)
