"""Who may do what in study and coverage, declared with django-rules.

| action                          | object   | who                                                        |
|---------------------------------|----------|------------------------------------------------------------|
| learning.manage_sessions        | Org      | street admin, community worker, grid worker over the org (sessions, schedule, roster ticks, sign-in sheets, the QR screen) |
| learning.view_session           | Session  | staff and superiors over the session's org; members and residents of the area (to scan in and see "this week") |
| learning.record_delivery        | Person   | street admin, community worker, grid worker, building head over the person's place |
| learning.manage_materials       | Org      | street admin, community worker over the org                |
| learning.review_reflections     | Org      | street admin, community worker over the org                |
| learning.manage_bulletins       | Org      | street admin, community worker over the org (issue its bulletins) |
| learning.view_coverage          | Org      | street admin, community worker, grid worker, building head, superior over the org |

A study partner (结对助学) may also record a delivery to their partner; that rule is the
service's, since it depends on the pair, not on a role.
"""

import rules

from tongxin.accounts.models import Role
from tongxin.accounts.selectors import has_role_over

SESSION_ROLES = (Role.STREET_ADMIN, Role.COMMUNITY_WORKER, Role.GRID_WORKER)
DELIVERY_ROLES = (Role.STREET_ADMIN, Role.COMMUNITY_WORKER, Role.GRID_WORKER, Role.BUILDING_HEAD)
MANAGE_ROLES = (Role.STREET_ADMIN, Role.COMMUNITY_WORKER)
COVERAGE_ROLES = (Role.STREET_ADMIN, Role.COMMUNITY_WORKER, Role.GRID_WORKER, Role.BUILDING_HEAD, Role.SUPERIOR)
SESSION_VIEW_ROLES = COVERAGE_ROLES
# Those who keep an org's materials also write its bulletins; superiors read them, never issue.
BULLETIN_ROLES = MANAGE_ROLES


def _over_org(roles):
    @rules.predicate
    def predicate(user, org) -> bool:
        return org is not None and has_role_over(user, roles, org.path)

    return predicate


@rules.predicate
def sees_session(user, session) -> bool:
    if session is None:
        return False
    if has_role_over(user, SESSION_VIEW_ROLES, session.org_path):
        return True
    person = getattr(user, "person", None) if getattr(user, "person_id", None) else None
    if person is None:
        return False
    # Residents and members see sessions of the places above them (their community's lecture,
    # their grid's micro-class) and of their own party branch.
    if person.org_path.startswith(session.org_path):
        return True
    member = getattr(person, "party_member", None)
    return member is not None and member.branch.path.startswith(session.org_path)


@rules.predicate
def delivers_to(user, person) -> bool:
    return person is not None and has_role_over(user, DELIVERY_ROLES, person.org_path)


rules.add_perm("learning.manage_sessions", _over_org(SESSION_ROLES))
rules.add_perm("learning.view_session", sees_session)
rules.add_perm("learning.record_delivery", delivers_to)
rules.add_perm("learning.manage_materials", _over_org(MANAGE_ROLES))
rules.add_perm("learning.review_reflections", _over_org(MANAGE_ROLES))
rules.add_perm("learning.manage_bulletins", _over_org(BULLETIN_ROLES))
rules.add_perm("learning.view_coverage", _over_org(COVERAGE_ROLES))
