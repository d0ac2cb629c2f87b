"""Reads on voices for the lists and handling pages, always within what the account may see.

What an account sees mirrors ``voices.view_voice`` (see ``permissions``): staff and superiors over
the voice's place, its speaker, its handler, who recorded it. Lists hide merged duplicates (they
are counted once, in the item they were merged into) unless asked for.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from django.db.models import BooleanField, Case, CharField, Count, F, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from tongxin.accounts.selectors import scope_filter
from tongxin.orgs.models import Household, Org, OrgKind
from tongxin.people.models import Person
from tongxin.people.selectors import search_q as person_search_q

from ..models import Voice, VoiceKind, VoiceStatus
from ..permissions import CLAIMABLE, HANDLE_ROLES, RECORD_ROLES, VIEW_ROLES, street_path_of
from ..services.workflow import OPEN
from ..text import near_duplicates

S = VoiceStatus
NOTHING = Q(pk__in=[])
# The results library (成果库): what was resolved, with its outcome.
RESULTS = "results"
DONE = (S.RESOLVED, S.CLOSED)
# A wish on the wall once someone has taken it on: in hand, or done and waiting for the rating.
TAKEN = (S.CLAIMED, S.IN_PROGRESS, S.RESOLVED)
# Near-duplicates are looked for among the open items and those of the last half year, newest
# first and at most this many: the text comparison runs in Python.
DUPLICATE_WINDOW = timedelta(days=180)
DUPLICATE_CANDIDATES = 2000

# Statuses in the order work goes through them (a sort by status reads like the workflow).
STATUS_ORDER = [S.SUBMITTED, S.REOPENED, S.ACCEPTED, S.ASSIGNED, S.CLAIMED, S.IN_PROGRESS, S.RESOLVED, S.CLOSED,
                S.REJECTED]
_status_rank = Case(*[When(status=status, then=Value(rank)) for rank, status in enumerate(STATUS_ORDER)],
                    output_field=IntegerField())
VOICE_SORTS = {
    "-submitted": (F("submitted_at").desc(), F("id").desc()),
    "submitted": (F("submitted_at").asc(), F("id").asc()),
    "due": (F("due_at").asc(nulls_last=True), F("submitted_at").desc(), F("id").desc()),
    "status": (_status_rank.asc(), F("submitted_at").desc(), F("id").desc()),
}


def voice_visible_q(user) -> Q:
    """The rows ``voices.view_voice`` lets the account see, as one filter."""
    condition = scope_filter(user, VIEW_ROLES) or NOTHING
    if getattr(user, "person_id", None):
        condition |= Q(person_id=user.person_id)
    if getattr(user, "pk", None):
        condition |= Q(handler_id=user.pk) | Q(recorded_by_id=user.pk)
    return condition


def _late(now: datetime) -> Case:
    """True for an open item past its deadline (``Voice.is_overdue`` in SQL, to sort by it)."""
    return Case(When(status__in=OPEN, due_at__lt=now, then=Value(True)), default=Value(False),
                output_field=BooleanField())


def search_q(q: str) -> Q:
    """Search in the text and the speaker's name (or its pinyin initials), or by number (#123)."""
    q = q.strip()
    if not q:
        return Q()
    number = re.fullmatch(r"#\s*(\d{1,12})", q)
    if number:
        return Q(pk=int(number.group(1)))
    condition = Q(text__icontains=q) | Q(speaker_name__startswith=q)
    if q.isdigit() and len(q) <= 12:
        condition |= Q(pk=int(q))
    if re.fullmatch(r"[A-Za-z]+", q):
        condition |= Q(person__name_initials__startswith=q.lower())
    return condition


def voice_list(*, user, org: Org | None = None, q: str = "", library: str = "", category: str = "",
               status: str = "", kind: str = "", channel: str = "", urgent: bool | None = None,
               overdue: bool | None = None, sort: str = "", duplicates: bool = False) -> QuerySet[Voice]:
    """The voices the account may see, filtered. ``library`` is one of ``Library`` or ``RESULTS``
    (the results library: resolved and closed items, never merged duplicates); ``category`` is a
    category code; ``duplicates=True`` also lists the merged items."""
    now = timezone.now()
    qs = Voice.objects.filter(voice_visible_q(user))
    if not duplicates or library == RESULTS:
        qs = qs.filter(duplicate_of__isnull=True)
    if org is not None:
        qs = qs.filter(org_path__startswith=org.path)
    if library == RESULTS:
        qs = qs.filter(status__in=DONE)
    elif library:
        qs = qs.filter(library=library)
    for field, value in (("category__code", category), ("status", status), ("kind", kind), ("channel", channel)):
        if value:
            qs = qs.filter(**{field: value})
    if urgent is not None:
        qs = qs.filter(urgent=urgent)
    if overdue is True:
        qs = qs.filter(status__in=OPEN, due_at__lt=now)
    elif overdue is False:
        qs = qs.exclude(status__in=OPEN, due_at__lt=now)
    qs = qs.filter(search_q(q)).annotate(late=_late(now))
    return (qs.select_related("org", "category", "handler__person", "handler_unit", "escalated_to")
            .order_by(*VOICE_SORTS.get(sort, VOICE_SORTS["-submitted"])))


def results_library(user, *, org: Org | None = None, q: str = "", library: str = "", category: str = "",
                    kind: str = "", sort: str = "") -> QuerySet[Voice]:
    """The results library (成果库): resolved and closed items with their outcome (the
    resolution and the rating). ``library`` narrows to the items that came from one library."""
    qs = voice_list(user=user, org=org, q=q, library=RESULTS, category=category, kind=kind,
                    sort=sort or "-submitted")
    return qs.filter(library=library) if library else qs


def library_counts(*, user, org: Org | None = None) -> dict[str, int]:
    """How many items each tab of the libraries page holds, in one query: awaiting acceptance,
    each library, the results library, and the open items past due."""
    qs = Voice.objects.filter(voice_visible_q(user), duplicate_of__isnull=True)
    if org is not None:
        qs = qs.filter(org_path__startswith=org.path)
    return qs.aggregate(
        submitted=Count("id", filter=Q(status=S.SUBMITTED)),
        difficulty=Count("id", filter=Q(library="difficulty")),
        problem=Count("id", filter=Q(library="problem")),
        suggestion=Count("id", filter=Q(library="suggestion")),
        results=Count("id", filter=Q(status__in=DONE)),
        overdue=Count("id", filter=Q(status__in=OPEN, due_at__lt=timezone.now())),
        all=Count("id"),
    )


def voice_queue(user) -> QuerySet[Voice]:
    """A worker's queue: the open items they handle (claimed by them or assigned to them) and,
    for community staff and street admins, the items awaiting acceptance in their scope. Overdue
    first, then urgent, then by deadline."""
    now = timezone.now()
    condition = Q(handler_id=user.pk, status__in=OPEN) if getattr(user, "pk", None) else NOTHING
    handles = scope_filter(user, HANDLE_ROLES)
    if handles is not None:
        condition |= handles & Q(status=S.SUBMITTED)
    return (Voice.objects.filter(condition, duplicate_of__isnull=True).annotate(late=_late(now))
            .select_related("org", "category", "handler_unit")
            .order_by(F("late").desc(), F("urgent").desc(), F("due_at").asc(nulls_last=True), "submitted_at", "id"))


def wish_area_q(user) -> Q:
    """Where the account may claim wishes (``voices.claim_wish`` as a filter): staff over the
    place; a party member anywhere in their street, their own wishes aside."""
    condition = scope_filter(user, RECORD_ROLES) or NOTHING
    person = user.person if getattr(user, "person_id", None) else None
    if person is not None and getattr(person, "party_member", None) is not None:
        condition |= Q(org_path__startswith=street_path_of(person.org_path)) & ~Q(person_id=person.pk)
    return condition


def wishes_open(user) -> QuerySet[Voice]:
    """The wish wall: the wishes the account may claim (accepted or reopened), then those taken on
    already, with who took them (``handler``, ``handler_unit``). ``claimable`` marks the first."""
    return (Voice.objects.filter(wish_area_q(user), kind=VoiceKind.WISH, duplicate_of__isnull=True)
            .filter(Q(status__in=CLAIMABLE) | Q(status__in=TAKEN, handler__isnull=False))
            .annotate(claimable=Case(When(status__in=CLAIMABLE, then=Value(True)), default=Value(False),
                                     output_field=BooleanField()))
            .select_related("org", "category", "handler__person", "handler_unit")
            .order_by(F("claimable").desc(), F("urgent").desc(), F("due_at").asc(nulls_last=True),
                      "-submitted_at", "-id"))


def voices_overdue(user, *, org: Org | None = None, q: str = "", escalated: bool = False,
                   sort: str = "due") -> QuerySet[Voice]:
    """Open items past their deadline in the account's scope, and open items escalated (督办) to
    an org in its scope. ``to_me`` marks those escalated to the account's own level or below;
    ``escalated=True`` lists only those."""
    scope = scope_filter(user, VIEW_ROLES)
    if scope is None:
        return Voice.objects.none()
    up = scope_filter(user, VIEW_ROLES, field="escalated_to__path")
    condition = up if escalated else (scope & Q(due_at__lt=timezone.now())) | up
    qs = Voice.objects.filter(condition, status__in=OPEN, duplicate_of__isnull=True)
    if org is not None:
        qs = qs.filter(org_path__startswith=org.path)
    return (qs.filter(search_q(q))
            .annotate(late=_late(timezone.now()),
                      to_me=Case(When(up, then=Value(True)), default=Value(False), output_field=BooleanField()))
            .select_related("org", "category", "handler__person", "handler_unit", "escalated_to")
            .order_by(*VOICE_SORTS.get(sort, VOICE_SORTS["due"])))


def voices_of_person(person: Person) -> QuerySet[Voice]:
    """A resident's own voices, newest first, merged ones too (they said it; it shows where it went)."""
    return (Voice.objects.filter(person=person).select_related("category", "duplicate_of")
            .order_by("-submitted_at", "-id"))


def board_items(community: Org) -> QuerySet:
    """The public board of a community: the published summaries and their state, as plain values,
    so that nothing personal (speaker, household, text, photos) can reach the page."""
    labels = Case(*[When(status=value, then=Value(str(label))) for value, label in S.choices],
                  output_field=CharField())
    return (Voice.objects.filter(org_path__startswith=community.path, published_at__isnull=False,
                                 duplicate_of__isnull=True)
            .annotate(status_label=labels)
            .order_by("-published_at", "-id")
            .values("public_summary", "status", "status_label", "category__name", "submitted_at", "published_at",
                    "resolved_at"))


def board_counts(community: Org) -> dict[str, int]:
    """How the published items of a community stand: in all, resolved (办结 or closed), in hand."""
    qs = Voice.objects.filter(org_path__startswith=community.path, published_at__isnull=False,
                              duplicate_of__isnull=True)
    return qs.aggregate(total=Count("id"), done=Count("id", filter=Q(status__in=DONE)),
                        open=Count("id", filter=Q(status__in=OPEN)))


def community_path_of(path: str) -> str:
    """The path of the community (or village) a place path lies in; the path itself if none."""
    ids = [int(part) for part in path.strip("/").split("/") if part]
    found = (Org.objects.filter(pk__in=ids, kind__in=[OrgKind.COMMUNITY, OrgKind.VILLAGE])
             .order_by("-depth").values_list("path", flat=True).first())
    return found or path


def possible_duplicates(voice: Voice, *, limit: int = 5) -> list[tuple[Voice, float]]:
    """Voices of the same community that say much the same, most similar first, with the score:
    among the open ones and those of the last 180 days (at most the 2,000 most recent), never a
    merged one or a rejected one (nothing to count it in)."""
    since = timezone.now() - DUPLICATE_WINDOW
    candidates = list(
        Voice.objects.filter(org_path__startswith=community_path_of(voice.org_path), duplicate_of__isnull=True)
        .filter(Q(status__in=OPEN) | Q(submitted_at__gte=since)).exclude(status=S.REJECTED).exclude(pk=voice.pk)
        .order_by("-submitted_at", "-id").values_list("pk", "text")[:DUPLICATE_CANDIDATES])
    found = near_duplicates(voice.text, candidates, limit=limit)
    voices = Voice.objects.select_related("org", "category").in_bulk([pk for pk, _score in found])
    return [(voices[pk], score) for pk, score in found if pk in voices]


def record_candidates(*, place: Org, q: str, limit: int = 20) -> dict:
    """Whom staff may pick when recording a voice in ``place``: the people the search finds
    there (by name, pinyin initials, the last four digits of the phone, or a full phone or ID
    number matched by its keyed hash) and the households whose number starts with it. Only
    masked values go to the page."""
    q = q.strip()
    if not q:
        return {"people": [], "households": []}
    people = (Person.objects.filter(person_search_q(q), org_path__startswith=place.path, is_active=True)
              .select_related("org", "household").order_by("name_initials", "id")[:limit])
    households = (Household.objects.filter(org_path__startswith=place.path, number__startswith=q)
                  .select_related("org").order_by("org_path", "number")[:limit])
    return {"people": list(people), "households": list(households)}
