"""Who may do what with voices, visits, projects and the problem list, declared with django-rules.

| permission                    | object  | who                                                                 |
|-------------------------------|---------|---------------------------------------------------------------------|
| voices.record_voice           | Org     | street admin, community worker, grid worker, building head over the place (intake on a resident's behalf, visits) |
| voices.handle_voice           | Voice   | street admin, community worker over the voice's place (accept, reject, assign, classify, merge, publish, close, reopen, escalate, follow-up calls) |
| voices.work_voice             | Voice   | its handler (who claimed it or was assigned it), and those who handle it (start, resolve) |
| voices.view_voice             | Voice   | staff and superiors over its place, its speaker, its handler, who recorded it |
| voices.claim_wish             | Voice   | a wish, accepted or reopened: a party member of the same street, staff over its place |
| voices.manage_projects        | Org     | street admin, community worker over the org (projects, problem list, good deeds) |
| voices.view_figures           | Org     | street admin, community worker, grid worker, building head, superior over the org |

A speaker rates their own resolved voice, and a project's supervisors comment on it: those rules
are the services', since they depend on the person, not on a role.
"""

import rules

from tongxin.accounts.models import Role
from tongxin.accounts.selectors import has_role_over
from tongxin.orgs.models import Org, OrgKind

from .models import VoiceKind, VoiceStatus

RECORD_ROLES = (Role.STREET_ADMIN, Role.COMMUNITY_WORKER, Role.GRID_WORKER, Role.BUILDING_HEAD)
HANDLE_ROLES = (Role.STREET_ADMIN, Role.COMMUNITY_WORKER)
VIEW_ROLES = (*RECORD_ROLES, Role.SUPERIOR)
CLAIMABLE = (VoiceStatus.ACCEPTED, VoiceStatus.REOPENED)


def _over_org(roles):
    @rules.predicate
    def predicate(user, org) -> bool:
        return org is not None and has_role_over(user, roles, org.path)

    return predicate


def own_person_id(user) -> int | None:
    return getattr(user, "person_id", None) if getattr(user, "is_authenticated", False) else None


@rules.predicate
def handles_voice(user, voice) -> bool:
    return voice is not None and has_role_over(user, HANDLE_ROLES, voice.org_path)


@rules.predicate
def is_handler(user, voice) -> bool:
    return voice is not None and voice.handler_id is not None and voice.handler_id == getattr(user, "pk", None)


@rules.predicate
def sees_voice(user, voice) -> bool:
    if voice is None:
        return False
    if has_role_over(user, VIEW_ROLES, voice.org_path):
        return True
    user_id = getattr(user, "pk", None)
    person_id = own_person_id(user)
    return (person_id is not None and voice.person_id == person_id) or (
        user_id is not None and user_id in (voice.handler_id, voice.recorded_by_id))


def street_path_of(path: str) -> str:
    """The path of the street (or township) above a place path; the path itself if none is."""
    ids = [int(part) for part in path.strip("/").split("/") if part]
    street = (Org.objects.filter(pk__in=ids, kind__in=[OrgKind.STREET, OrgKind.TOWNSHIP])
              .order_by("-depth").values_list("path", flat=True).first())
    return street or path


@rules.predicate
def may_claim(user, voice) -> bool:
    if voice is None or voice.kind != VoiceKind.WISH or voice.status not in CLAIMABLE:
        return False
    if has_role_over(user, RECORD_ROLES, voice.org_path):
        return True
    person = getattr(user, "person", None) if own_person_id(user) else None
    member = getattr(person, "party_member", None) if person is not None else None
    if member is None or person.pk == voice.person_id:
        return False
    return voice.org_path.startswith(_street_path_of_person(person))


def _street_path_of_person(person) -> str:
    """``street_path_of`` the person's place, kept on the instance: a page of wishes asks for
    each card, and the request's user carries the same person throughout."""
    if getattr(person, "_street_path", None) is None:
        person._street_path = street_path_of(person.org_path)
    return person._street_path


rules.add_perm("voices.record_voice", _over_org(RECORD_ROLES))
rules.add_perm("voices.handle_voice", handles_voice)
rules.add_perm("voices.work_voice", handles_voice | is_handler)
rules.add_perm("voices.view_voice", sees_voice)
rules.add_perm("voices.claim_wish", may_claim)
rules.add_perm("voices.manage_projects", _over_org(HANDLE_ROLES))
rules.add_perm("voices.view_figures", _over_org(VIEW_ROLES))
