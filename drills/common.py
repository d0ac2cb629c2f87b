"""What the drills share: the app server (gunicorn, as ``make bench`` runs it), JSON over HTTP to
127.0.0.1, residents with API tokens, and requests fired at the same moment.

Imported after ``drills/run.py`` has pointed Django at the drill's own cluster.
"""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from bench.checkin import (  # noqa: F401  (Server: the drills start it from here)
    ROOT, Server, ensure_checkin_community, ensure_people, http, issue_keys, server_env,
)
from django.utils import timezone

from tongxin.accounts.models import User
from tongxin.learning.models import Session, SessionKind
from tongxin.learning.services.sessions import session_create
from tongxin.orgs.models import Org
from tongxin.people.models import Person
from tongxin.points.services.catalogue import earning_rule_save
from tongxin.points.services.ledger import points_award

COMMUNITY_CODE = "BLP-DR"
COMMUNITY_NAME = "演练社区"


def collect_static() -> None:
    """The pages' static files as the deployment serves them (hashed names, compressed), which
    the production settings' storage needs before a page can be drawn."""
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=ROOT,
                   env=server_env(), check=True, timeout=300)


@dataclass
class Resident:
    user_id: int
    person: Person
    token: str


@dataclass
class Answer:
    status: int
    body: dict | list | None
    seconds: float


def call(base: str, method: str, path: str, *, token: str | None = None, payload: dict | None = None,
         headers: dict[str, str] | None = None, timeout: float = 15) -> Answer:
    """One JSON request. A refused connection or a timeout is status 0 (the server was down)."""
    sent = {"Content-Type": "application/json", **(headers or {})}
    if token:
        sent["Authorization"] = f"Bearer {token}"
    body = json.dumps(payload).encode() if payload is not None else None
    started = time.monotonic()
    try:
        status, raw = http(method, f"{base}{path}", headers=sent, body=body, timeout=timeout)
    except OSError:
        return Answer(0, None, time.monotonic() - started)
    try:
        data = json.loads(raw) if raw else None
    except ValueError:
        data = None
    return Answer(status, data, time.monotonic() - started)


def at_once(calls: list[Callable[[], Answer]], *, timeout: float = 60) -> list[Answer]:
    """Run ``calls`` on as many threads, released together by a barrier; their answers in order."""
    barrier = threading.Barrier(len(calls))
    answers: list[Answer | None] = [None] * len(calls)

    def run(index: int, fn: Callable[[], Answer]) -> None:
        try:
            barrier.wait(timeout)
            answers[index] = fn()
        except threading.BrokenBarrierError:
            answers[index] = Answer(-1, None, 0.0)

    threads = [threading.Thread(target=run, args=(i, fn), daemon=True) for i, fn in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    return [a if a is not None else Answer(-1, None, 0.0) for a in answers]


def drill_community(street: Org) -> Org:
    return ensure_checkin_community(street=street, code=COMMUNITY_CODE, name=COMMUNITY_NAME)


def new_residents(community: Org, count: int, workdir: Path) -> list[Resident]:
    """``count`` residents of ``community`` not used by an earlier step, with an API token each."""
    have = User.objects.filter(person__org__parent=community).count()
    user_ids = ensure_people(community, have + count)[have:]
    path = workdir / f"tokens-{secrets.token_hex(4)}.txt"
    issue_keys(user_ids, path)
    tokens = path.read_text(encoding="ascii").split()
    person_of = dict(User.objects.filter(pk__in=user_ids).values_list("pk", "person_id"))
    people = Person.objects.in_bulk(list(person_of.values()))
    return [Resident(uid, people[person_of[uid]], token) for uid, token in zip(user_ids, tokens)]


def lecture_now(community: Org, topic: str) -> Session:
    """A lecture of ``community`` that began five minutes ago: check-in is open."""
    now = timezone.now()
    return session_create(by=User.objects.get(username="street_admin"), org=community, kind=SessionKind.LECTURE,
                          topic=topic, starts_at=now - timedelta(minutes=5), ends_at=now + timedelta(hours=2),
                          place="演练室")


def residents_with_points(community: Org, count: int, points: int, workdir: Path) -> list[Resident]:
    """``count`` new residents with a token each and ``points`` points (a grant by a rule of the
    community's own, one per amount)."""
    action = f"drill_grant_{points}"
    earning_rule_save(by=None, org=community, action=action, points=points)
    residents = new_residents(community, count, workdir)
    for r in residents:
        points_award(by=None, person=r.person, action=action, key=f"{action}:{r.person.pk}")
    return residents


def token_of(username: str, workdir: Path) -> str:
    user = User.objects.get(username=username)
    path = workdir / f"token-{username}.txt"
    issue_keys([user.pk], path)
    return path.read_text(encoding="ascii").strip()
