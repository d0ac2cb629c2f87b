"""Several people claim the same wish at the same moment, each on their own database connection:
exactly one wins, the others are told it is taken, and the history has one claim.

PostgreSQL only: the row lock (``SELECT … FOR UPDATE``) is what orders the claims, and SQLite
has no row locks (it serialises whole write transactions, which proves nothing about ours)."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from django.db import connection

from tongxin.accounts.models import Role
from tongxin.accounts.services import account_create, role_grant
from tongxin.people.services import PersonData, party_member_save, person_create
from tongxin.testing import PASSWORD
from tongxin.voices.models import Voice, VoiceAction, VoiceCategory, VoiceEvent, VoiceKind, VoiceStatus
from tongxin.voices.services.intake import voice_submit
from tongxin.voices.services.workflow import VoiceConflict, voice_accept, voice_claim

from .test_workflow import WISH

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="row locks order simultaneous claims; SQLite has none (run with scripts/with_postgres.sh)"),
]


def _claimers(street, extra: int) -> list:
    """Every account that may claim a wish of 张三: the staff over his place, the member 王五, and
    ``extra`` more members of the street."""
    accounts = [street.accounts[r] for r in ("street_admin", "community_worker", "grid_worker", "building_head",
                                             "party_member")]
    for i in range(extra):
        person = person_create(by=None, data=PersonData(name=f"党员{i}", org=street.building_b1))
        party_member_save(by=None, person=person, branch=street.branch_a, joined_on=date(2001, 7, 1))
        user = account_create(by=None, username=f"member{i}", password=PASSWORD, person=person)
        role_grant(by=None, user=user, role=Role.PARTY_MEMBER, org=street.community_b)
        accounts.append(user)
    return accounts


@pytest.mark.django_db(transaction=True)
def test_simultaneous_claims_one_wins(street):
    category = VoiceCategory.objects.get(code="elderly_care")  # put back by the root conftest
    wish = voice_submit(by=street.accounts["resident"], kind=VoiceKind.WISH, text=WISH)
    voice_accept(by=street.accounts["community_worker"], voice=wish, library="difficulty", category=category)
    claimers = _claimers(street, extra=3)
    barrier = threading.Barrier(len(claimers))
    outcomes: dict[str, str] = {}

    def claim(user) -> None:
        try:
            barrier.wait(timeout=20)
            voice_claim(by=user, voice=Voice.objects.get(pk=wish.pk))
            outcomes[user.username] = "won"
        except VoiceConflict as error:
            outcomes[user.username] = " ".join(error.messages)
        except Exception as error:  # noqa: BLE001  (anything else is a failure to show, not to hide)
            outcomes[user.username] = f"error: {error!r}"
        finally:
            connection.close()

    threads = [threading.Thread(target=claim, args=(user,)) for user in claimers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert len(outcomes) == len(claimers) == 8
    winners = [name for name, outcome in outcomes.items() if outcome == "won"]
    assert len(winners) == 1
    assert {o for o in outcomes.values() if o != "won"} == {"该心愿已被认领或不在可接单状态（当前：已接单）"}
    wish.refresh_from_db()
    assert wish.status == VoiceStatus.CLAIMED and wish.handler.username == winners[0]
    claims = VoiceEvent.objects.filter(voice=wish, action=VoiceAction.CLAIM)
    assert claims.count() == 1 and claims.get().by.username == winners[0]
