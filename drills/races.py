"""DRILL races: the same thing asked for several times at the same moment, through gunicorn, each
request on its own connection. Every one must have exactly one effect:

- double check-in: each of 20 residents scans the same code 5 times at once;
- double claim: 5 accounts claim the same wish at once, for 5 wishes;
- double redemption: each of 10 residents, with points for one redemption, taps "redeem" 5 times
  at once (each tap its own Idempotency-Key);
- one Idempotency-Key 20 times at once: one redemption, 20 answers with the same pickup code.

No answer may be a 5xx.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from django.db.models import Count, Sum
from django.utils import timezone

from tongxin.accounts.models import User
from tongxin.core.demo.street import DEMO_STREET_CODE
from tongxin.learning.checkin_codes import make_code
from tongxin.learning.models import Attendance, Session
from tongxin.orgs.models import Org
from tongxin.points.models import PointsAccount, PointsEntry, Redemption, RewardKind
from tongxin.points.services.catalogue import reward_create
from tongxin.voices.models import Library, VoiceAction, VoiceCategory, VoiceEvent, VoiceKind
from tongxin.voices.services.intake import voice_submit
from tongxin.voices.services.workflow import voice_accept

from .common import (
    Answer, Server, at_once, call, drill_community, lecture_now, new_residents, residents_with_points, token_of,
)

CLAIMERS = ("street_admin", "community_worker", "grid_worker", "building_head", "member")


def _statuses(answers: list[Answer]) -> Counter:
    return Counter(a.status for a in answers)


def run(workdir: Path, cluster) -> tuple[bool, str]:
    street = Org.objects.get(code=DEMO_STREET_CODE)
    community = drill_community(street)
    session = lecture_now(community, "演练：同时签到")
    scanners = new_residents(community, 20, workdir)
    buyers = residents_with_points(community, 11, 100, workdir)
    reward = reward_create(by=None, org=community, stock=100, data={
        "name": f"演练抢购品{timezone.localtime():%H%M%S}", "kind": RewardKind.GOODS, "cost": 60})
    wishes = []
    resident = User.objects.get(username="resident")
    worker = User.objects.get(username="community_worker")
    category = VoiceCategory.objects.get(code="assistance")
    for i in range(5):
        wish = voice_submit(by=resident, kind=VoiceKind.WISH, text=f"演练心愿{i}：希望有人帮忙修一下楼道的灯")
        voice_accept(by=worker, voice=wish, library=Library.DIFFICULTY, category=category)
        wishes.append(wish)
    claim_tokens = [token_of(name, workdir) for name in CLAIMERS]

    problems: list[str] = []
    every: list[Answer] = []
    with Server(workers=5, log_path=workdir / "races-gunicorn.log") as server:
        base = server.base
        code = make_code(session)
        # Double check-in.
        created = 0
        for r in scanners:
            answers = at_once([lambda r=r: call(base, "POST", f"/api/v1/sessions/{session.pk}/checkin",
                                                token=r.token, payload={"token": code})] * 5)
            every += answers
            created += sum(1 for a in answers if a.status == 200 and a.body and a.body.get("created"))
        rows = Attendance.objects.filter(session=session).values("person").annotate(n=Count("id"))
        if created != len(scanners) or len(rows) != len(scanners) or any(row["n"] != 1 for row in rows):
            problems.append(f"check-in: {created} created, {len(rows)} people with rows")
        if Session.objects.get(pk=session.pk).attendance_count != len(scanners):
            problems.append("check-in: the session's count is not its rows")

        # Double claim.
        claim_wins = 0
        for wish in wishes:
            answers = at_once([lambda t=t, w=wish: call(base, "POST", f"/api/v1/voices/{w.pk}/claim", token=t,
                                                        payload={}) for t in claim_tokens])
            every += answers
            wins = sum(1 for a in answers if a.status == 200)
            claim_wins += wins
            claims = VoiceEvent.objects.filter(voice=wish, action=VoiceAction.CLAIM).count()
            if wins != 1 or claims != 1:
                problems.append(f"claim of wish {wish.pk}: {wins} won, {claims} claims recorded, "
                                f"answers {dict(_statuses(answers))}")

        # Double redemption, a key per tap.
        taps = 0
        for n, r in enumerate(buyers[:10]):
            answers = at_once([lambda r=r, i=i: call(base, "POST", "/api/v1/redemptions", token=r.token,
                                                     payload={"reward": reward.pk, "quantity": 1},
                                                     headers={"Idempotency-Key": f"tap-{n}-{i}"})
                               for i in range(5)])
            every += answers
            taps += sum(1 for a in answers if a.status == 201)
        # One key, twenty times.
        last = buyers[10]
        same = at_once([lambda: call(base, "POST", "/api/v1/redemptions", token=last.token,
                                     payload={"reward": reward.pk, "quantity": 1},
                                     headers={"Idempotency-Key": "the-same-key"})] * 20)
        every += same
    codes = {a.body.get("code") for a in same if a.status in (200, 201) and isinstance(a.body, dict)}
    if len(codes) != 1 or sum(1 for a in same if a.status in (200, 201)) != 20:
        problems.append(f"one key 20 times: codes {codes}, answers {dict(_statuses(same))}")
    if taps != 10:
        problems.append(f"redemption: {taps} of 10 residents' taps succeeded")
    for r in buyers:
        redeemed = Redemption.objects.filter(person=r.person).count()
        account = PointsAccount.objects.get(person=r.person)
        total = PointsEntry.objects.filter(account=account).aggregate(s=Sum("amount"))["s"]
        if redeemed != 1 or account.balance != 40 or total != account.balance:
            problems.append(f"resident {r.person.pk}: {redeemed} redemptions, balance {account.balance}, "
                            f"ledger {total}")
    server_errors = sum(1 for a in every if a.status >= 500 or a.status <= 0)
    if server_errors:
        problems.append(f"{server_errors} answers were 5xx or no answer")
    figures = (f"{len(every)} requests; check-in 20×5 → {created} created; claims 5×5 → {claim_wins} won; "
               f"redemptions 10×5 → {taps}; one key ×20 → {len(codes)} code; 5xx {server_errors}")
    for problem in problems[:5]:
        print(f"  races: {problem}")
    return not problems, figures
