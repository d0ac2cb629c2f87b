"""The workflow of a voice: every move of the table in ``services/workflow.py`` from every status
(allowed or refused), who may make each move (the roles of the small street), the history row
and audit entry of each move, rating, reject, publish and merge.

The helpers here (``bring_to``, ``submit``, …) are shared by the other voices tests."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tongxin.accounts.models import Role
from tongxin.accounts.services import account_create, role_grant
from tongxin.core.audit import AuditAction
from tongxin.core.models import AuditEntry
from tongxin.testing import PASSWORD
from tongxin.voices.models import Rating, Voice, VoiceAction, VoiceCategory, VoiceEvent, VoiceKind, VoiceStatus
from tongxin.voices.selectors.lists import board_items, library_counts, possible_duplicates, results_library, voice_list
from tongxin.voices.services.escalation import voice_escalate
from tongxin.voices.services.intake import voice_submit
from tongxin.voices.services.publishing import voice_publish
from tongxin.voices.services.workflow import (
    TRANSITIONS,
    VoiceConflict,
    moves_open,
    voice_accept,
    voice_assign,
    voice_claim,
    voice_classify,
    voice_close,
    voice_follow_up,
    voice_merge,
    voice_note,
    voice_rate,
    voice_reject,
    voice_reopen,
    voice_resolve,
    voice_start,
)

S = VoiceStatus
A = VoiceAction
WISH = "家里老人腿脚不便，希望每周有人帮忙买一次菜送上楼。"
PROBLEM = "1号楼楼道灯坏了一个多月，晚上老人上下楼很不方便，希望尽快修好。"
ROLES = ["street_admin", "community_worker", "grid_worker", "building_head", "party_member", "resident", "superior"]


def category(code: str = "property") -> VoiceCategory:
    return VoiceCategory.objects.get(code=code)


def submit(street, *, kind: str = VoiceKind.WISH, text: str = WISH) -> Voice:
    """A voice of 张三 (the resident account), from his building in 八里铺社区."""
    return voice_submit(by=street.accounts["resident"], kind=kind, text=text)


def recorded(street, text: str, *, kind: str = VoiceKind.DIFFICULTY, org=None) -> Voice:
    """A voice recorded by the community worker for someone who gave only a name."""
    return voice_submit(by=street.accounts["community_worker"], kind=kind, text=text, speaker_name="王阿姨",
                        org=org or street.building_a1, channel="visit", on_behalf=True)


def bring_to(street, status: str, *, kind: str = VoiceKind.WISH, text: str = WISH) -> Voice:
    """A voice of 张三 taken to ``status`` the way the work goes: accepted by the street admin,
    claimed by the member (王五) or assigned to the grid worker, who starts and resolves it."""
    admin, grid = street.accounts["street_admin"], street.accounts["grid_worker"]
    voice = submit(street, kind=kind, text=text)
    if status == S.SUBMITTED:
        return voice
    if status == S.REJECTED:
        return voice_reject(by=admin, voice=voice, reason="属于物业合同约定事项，请联系物业公司")
    voice_accept(by=admin, voice=voice, library="problem", category=category())
    if status == S.ACCEPTED:
        return voice
    if status == S.CLAIMED:
        return voice_claim(by=street.accounts["party_member"], voice=voice)
    voice_assign(by=admin, voice=voice, handler=grid)
    if status == S.ASSIGNED:
        return voice
    voice_start(by=grid, voice=voice)
    if status == S.IN_PROGRESS:
        return voice
    voice_resolve(by=grid, voice=voice, resolution="已联系志愿者每周六上门送菜")
    if status == S.RESOLVED:
        return voice
    if status == S.CLOSED:
        return voice_rate(by=street.accounts["resident"], voice=voice, rating=Rating.SATISFIED)
    assert status == S.REOPENED
    return voice_reopen(by=admin, voice=voice, note="回访时反映送菜时间不固定")


def make_overdue(voice: Voice, days: int = 3) -> Voice:
    """Pretend the deadline passed ``days`` ago (tests move time; the services never do)."""
    Voice.objects.filter(pk=voice.pk).update(due_at=timezone.now() - timedelta(days=days))
    voice.refresh_from_db()
    return voice


def last_audit(voice: Voice, action: str = AuditAction.VOICE_MOVED) -> AuditEntry:
    return AuditEntry.objects.filter(action=action, object_type="voices.voice", object_id=str(voice.pk)).first()


# --- The table: every move from every status --------------------------------------------------

def _make_move(move: str, street, voice: Voice, other: Voice):
    admin = street.accounts["street_admin"]
    calls = {
        A.ACCEPT: lambda: voice_accept(by=admin, voice=voice, library="problem", category=category()),
        A.REJECT: lambda: voice_reject(by=admin, voice=voice, reason="不属于社区办理范围"),
        A.CLAIM: lambda: voice_claim(by=street.accounts["party_member"], voice=voice),
        A.ASSIGN: lambda: voice_assign(by=admin, voice=voice, handler=street.accounts["grid_worker"]),
        A.START: lambda: voice_start(by=admin, voice=voice),
        A.RESOLVE: lambda: voice_resolve(by=admin, voice=voice, resolution="已办好"),
        A.CLOSE: lambda: voice_close(by=admin, voice=voice, note="三次回访均未接通"),
        A.REOPEN: lambda: voice_reopen(by=admin, voice=voice, note="群众再次反映"),
        A.MERGE: lambda: voice_merge(by=admin, voice=voice, into=other),
    }
    return calls[move]()


def test_the_table_covers_every_move_of_the_history():
    # A move added to the table without a call above would make the parametrised test below fail.
    assert set(TRANSITIONS) == {A.ACCEPT, A.REJECT, A.CLAIM, A.ASSIGN, A.START, A.RESOLVE, A.CLOSE, A.REOPEN, A.MERGE}


@pytest.mark.parametrize("status", S.values)
@pytest.mark.parametrize("move", list(TRANSITIONS))
def test_every_move_from_every_status(street, move, status):
    voice = bring_to(street, status)
    other = recorded(street, "小区东门路灯不亮，晚上出行不安全")
    events_before = VoiceEvent.objects.filter(voice=voice).count()
    sources, target = TRANSITIONS[move]
    if status not in sources:
        with pytest.raises(VoiceConflict):
            _make_move(move, street, voice, other)
        voice.refresh_from_db()
        assert voice.status == status
        assert VoiceEvent.objects.filter(voice=voice).count() == events_before
        assert move not in moves_open(voice)
        return
    assert move in moves_open(voice)
    _make_move(move, street, voice, other)
    voice.refresh_from_db()
    assert voice.status == target
    event = VoiceEvent.objects.filter(voice=voice).order_by("-at", "-id").first()
    actor = street.accounts["party_member" if move == A.CLAIM else "street_admin"]
    assert (event.action, event.from_status, event.to_status, event.by) == (move, status, target, actor)
    assert event.by_name
    entry = last_audit(voice)
    assert entry.actor == actor
    assert entry.changes["move"] == move and entry.changes["status"] == [status, target]


def test_only_a_wish_is_claimed(street):
    voice = bring_to(street, S.ACCEPTED, kind=VoiceKind.COMPLAINT, text=PROBLEM)
    assert A.CLAIM not in moves_open(voice)
    with pytest.raises(ValidationError, match="只有心愿可以接单"):
        voice_claim(by=street.accounts["party_member"], voice=voice)
    assert Voice.objects.get(pk=voice.pk).status == S.ACCEPTED


def test_the_history_of_a_wish_from_submission_to_rating(street):
    voice = bring_to(street, S.ACCEPTED)
    member, resident = street.accounts["party_member"], street.accounts["resident"]
    voice_claim(by=member, voice=voice, note="我每周六去超市，顺路带")
    voice_start(by=member, voice=voice)
    voice_resolve(by=member, voice=voice, resolution="每周六上午送菜上门，已送三次")
    voice_rate(by=resident, voice=voice, rating=Rating.SATISFIED, note="谢谢王师傅")
    rows = list(VoiceEvent.objects.filter(voice=voice).values_list("action", "from_status", "to_status"))
    assert rows == [
        (A.SUBMIT, "", S.SUBMITTED), (A.ACCEPT, S.SUBMITTED, S.ACCEPTED), (A.CLAIM, S.ACCEPTED, S.CLAIMED),
        (A.START, S.CLAIMED, S.IN_PROGRESS), (A.RESOLVE, S.IN_PROGRESS, S.RESOLVED), (A.RATE, S.RESOLVED, S.CLOSED),
    ]
    voice.refresh_from_db()
    assert voice.handler == member and voice.rating == Rating.SATISFIED and voice.resolved_at is not None
    assert VoiceEvent.objects.get(voice=voice, action=A.RATE).note == "满意：谢谢王师傅"
    assert AuditEntry.objects.filter(action=AuditAction.VOICE_MOVED, object_id=str(voice.pk)).count() == 5


# --- Who may make each move -----------------------------------------------------------------------

def _setup_and_call(move: str, street, user):
    """Put a voice in the status ``move`` starts from, then make the move as ``user``."""
    if move in (A.ACCEPT, A.REJECT, A.MERGE):
        voice = bring_to(street, S.SUBMITTED)
    elif move in (A.START,):
        voice = bring_to(street, S.ASSIGNED)
    elif move in (A.RESOLVE, A.NOTE):
        voice = bring_to(street, S.IN_PROGRESS)
    elif move in (A.CLOSE, A.REOPEN, A.FOLLOW_UP, A.RATE):
        voice = bring_to(street, S.RESOLVED)
    else:
        voice = bring_to(street, S.ACCEPTED)
    if move == A.ESCALATE:
        make_overdue(voice)
    calls = {
        A.ACCEPT: lambda: voice_accept(by=user, voice=voice),
        A.REJECT: lambda: voice_reject(by=user, voice=voice, reason="重复反映"),
        A.CLAIM: lambda: voice_claim(by=user, voice=voice),
        A.ASSIGN: lambda: voice_assign(by=user, voice=voice, handler=street.accounts["grid_worker"]),
        A.START: lambda: voice_start(by=user, voice=voice),
        A.RESOLVE: lambda: voice_resolve(by=user, voice=voice, resolution="已办好"),
        A.RATE: lambda: voice_rate(by=user, voice=voice, rating=Rating.BASICALLY),
        A.FOLLOW_UP: lambda: voice_follow_up(by=user, voice=voice, rating=Rating.SATISFIED, note="电话回访"),
        A.CLOSE: lambda: voice_close(by=user, voice=voice, note="联系不上"),
        A.REOPEN: lambda: voice_reopen(by=user, voice=voice, note="问题反复"),
        A.MERGE: lambda: voice_merge(by=user, voice=voice, into=recorded(street, "楼道灯坏了，老人走路怕摔")),
        A.CLASSIFY: lambda: voice_classify(by=user, voice=voice, library="difficulty",
                                           category=category("elderly_care")),
        A.ESCALATE: lambda: voice_escalate(by=user, voice=voice),
        A.PUBLISH: lambda: voice_publish(by=user, voice=voice, summary="为行动不便老人每周送菜上门"),
        A.NOTE: lambda: voice_note(by=user, voice=voice, note="已和志愿者约好时间"),
    }
    return voice, calls[move]


HANDLERS = {"street_admin", "community_worker"}
# Who may make each move on a voice of 张三 in 八里铺社区 (assigned to the grid worker where it is
# assigned): the permission matrix of ``permissions.py`` and the services.
MATRIX = {
    A.ACCEPT: HANDLERS, A.REJECT: HANDLERS, A.ASSIGN: HANDLERS, A.CLOSE: HANDLERS, A.REOPEN: HANDLERS,
    A.MERGE: HANDLERS, A.FOLLOW_UP: HANDLERS, A.CLASSIFY: HANDLERS, A.ESCALATE: HANDLERS, A.PUBLISH: HANDLERS,
    # Staff over the place and members of the street claim wishes; 张三 is no member, and it is his.
    A.CLAIM: HANDLERS | {"grid_worker", "building_head", "party_member"},
    # Those who handle it, and its handler (the grid worker it was assigned to).
    A.START: HANDLERS | {"grid_worker"}, A.RESOLVE: HANDLERS | {"grid_worker"}, A.NOTE: HANDLERS | {"grid_worker"},
    A.RATE: {"resident"},
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("move", list(MATRIX))
def test_permission_matrix(street, move, role):
    voice, call = _setup_and_call(move, street, street.accounts[role])
    before = VoiceEvent.objects.filter(voice=voice).count()
    if role in MATRIX[move]:
        call()
        assert VoiceEvent.objects.filter(voice=voice).count() == before + 1
    else:
        with pytest.raises(PermissionError):
            call()
        assert VoiceEvent.objects.filter(voice=voice).count() == before


def test_a_worker_of_another_community_neither_sees_nor_handles(street):
    other = account_create(by=None, username="worker_b", password=PASSWORD)
    role_grant(by=None, user=other, role=Role.COMMUNITY_WORKER, org=street.community_b)
    voice = submit(street, kind=VoiceKind.COMPLAINT, text=PROBLEM)
    assert not other.has_perm("voices.view_voice", voice)
    assert list(voice_list(user=other)) == []
    with pytest.raises(PermissionError):
        voice_accept(by=other, voice=voice)
    own = voice_submit(by=None, person=street.resident_b, kind=VoiceKind.OPINION, text="学院社区活动室晚上能否延长开放")
    assert [v.pk for v in voice_list(user=other)] == [own.pk]
    assert street.accounts["community_worker"].has_perm("voices.view_voice", voice)
    assert not street.accounts["community_worker"].has_perm("voices.view_voice", own)


def test_residents_see_only_their_own(street):
    mine = submit(street)
    other = voice_submit(by=None, person=street.resident_b, kind=VoiceKind.OPINION, text="学院社区活动室晚上能否延长开放")
    resident = street.accounts["resident"]
    assert [v.pk for v in voice_list(user=resident)] == [mine.pk]
    assert not resident.has_perm("voices.view_voice", other)
    assert not street.accounts["party_member"].has_perm("voices.view_voice", mine)


# --- Rating and follow-up ------------------------------------------------------------------------

@pytest.mark.parametrize("rating, status", [(Rating.SATISFIED, S.CLOSED), (Rating.BASICALLY, S.CLOSED)])
def test_a_good_rating_closes(street, rating, status):
    voice = voice_rate(by=street.accounts["resident"], voice=bring_to(street, S.RESOLVED), rating=rating)
    assert voice.status == status and voice.rating == rating and voice.rated_at is not None
    assert last_audit(voice).changes == {"move": A.RATE, "status": [S.RESOLVED, status], "rating": rating}


def test_unsatisfied_needs_a_reason_and_reopens(street):
    voice = bring_to(street, S.RESOLVED)
    resident = street.accounts["resident"]
    with pytest.raises(ValidationError) as error:
        voice_rate(by=resident, voice=voice, rating=Rating.UNSATISFIED, note="  ")
    assert error.value.message_dict == {"note": ["请说说哪里不满意，便于重新办理"]}
    assert Voice.objects.get(pk=voice.pk).status == S.RESOLVED
    voice_rate(by=resident, voice=voice, rating=Rating.UNSATISFIED, note="送了一次就没人来了")
    assert voice.status == S.REOPENED and voice.rating == Rating.UNSATISFIED
    # Reopened, it is worked on again: started, resolved, and rated anew.
    voice_start(by=street.accounts["grid_worker"], voice=voice)
    voice_resolve(by=street.accounts["grid_worker"], voice=voice, resolution="改为两名志愿者轮流送")
    voice_rate(by=resident, voice=voice, rating=Rating.SATISFIED)
    assert voice.status == S.CLOSED


@pytest.mark.parametrize("status", [s for s in S.values if s != S.RESOLVED])
def test_rating_only_a_resolved_item(street, status):
    voice = bring_to(street, status)
    with pytest.raises(VoiceConflict):
        voice_rate(by=street.accounts["resident"], voice=voice, rating=Rating.SATISFIED)


def test_a_bad_rating_value_is_refused(street):
    with pytest.raises(ValidationError, match="请选择满意、基本满意或不满意"):
        voice_rate(by=street.accounts["resident"], voice=bring_to(street, S.RESOLVED), rating="great")


def test_follow_up_call_records_the_rating_for_the_speaker(street):
    voice = voice_follow_up(by=street.accounts["community_worker"], voice=bring_to(street, S.RESOLVED),
                            rating=Rating.BASICALLY, note="电话回访，老人说基本满意")
    assert voice.status == S.CLOSED and voice.rating == Rating.BASICALLY
    event = VoiceEvent.objects.filter(voice=voice).last()
    assert event.action == A.FOLLOW_UP and event.by == street.accounts["community_worker"]


# --- Reject, publish, merge --------------------------------------------------------------------

def test_reject_needs_a_reason(street):
    voice = submit(street)
    with pytest.raises(ValidationError) as error:
        voice_reject(by=street.accounts["community_worker"], voice=voice, reason="")
    assert error.value.message_dict == {"note": ["请写明不予受理的理由"]}
    voice_reject(by=street.accounts["community_worker"], voice=voice, reason="属于物业合同约定事项")
    voice.refresh_from_db()
    assert voice.status == S.REJECTED and voice.reject_reason == "属于物业合同约定事项"


@pytest.mark.parametrize("summary, what", [
    ("住户反映楼道灯坏了，电话13812345678", "手机号"),
    ("身份证150502198001010118的住户反映楼道灯坏了", "身份证号"),
    ("张三反映1号楼楼道灯坏了", "反映人姓名"),
    ("1-101住户反映楼道灯坏了", "门牌号"),
])
def test_publish_refuses_personal_details(street, summary, what):
    voice = bring_to(street, S.ACCEPTED, kind=VoiceKind.COMPLAINT, text=PROBLEM)
    with pytest.raises(ValidationError) as error:
        voice_publish(by=street.accounts["community_worker"], voice=voice, summary=summary)
    assert what in error.value.message_dict["summary"][0]
    assert Voice.objects.get(pk=voice.pk).published_at is None
    assert list(board_items(street.community_a)) == []


def test_a_published_summary_reaches_the_board_without_the_speaker(street):
    voice = bring_to(street, S.ACCEPTED, kind=VoiceKind.COMPLAINT, text=PROBLEM)
    voice_publish(by=street.accounts["community_worker"], voice=voice, summary="1号楼楼道灯损坏，已安排维修")
    [item] = board_items(street.community_a)
    assert item["public_summary"] == "1号楼楼道灯损坏，已安排维修" and item["status_label"] == "已受理"
    assert "张三" not in str(item) and PROBLEM not in str(item)
    assert list(board_items(street.community_b)) == []


def test_merge_counts_once(street):
    first = recorded(street, "1号楼楼道灯坏了，晚上上下楼看不见")
    second = submit(street, kind=VoiceKind.COMPLAINT, text=PROBLEM)
    worker = street.accounts["community_worker"]
    assert [v.pk for v, _score in possible_duplicates(second)] == [first.pk]
    counts = library_counts(user=worker)
    assert counts["all"] == 2 and counts["submitted"] == 2
    voice_merge(by=worker, voice=second, into=first)
    second.refresh_from_db()
    assert second.status == S.CLOSED and second.duplicate_of == first
    assert [v.pk for v in voice_list(user=worker)] == [first.pk]
    assert {v.pk for v in voice_list(user=worker, duplicates=True)} == {first.pk, second.pk}
    assert library_counts(user=worker)["all"] == 1
    assert VoiceEvent.objects.filter(voice=first, action=A.MERGE).get().note == f"合并了重复事项 #{second.pk}"
    # The resident still sees his own item, and where it went.
    assert [v.pk for v in voice_list(user=street.accounts["resident"], duplicates=True)] == [second.pk]
    with pytest.raises(VoiceConflict):
        voice_merge(by=worker, voice=second, into=first)
    with pytest.raises(ValidationError):
        voice_merge(by=worker, voice=first, into=second)  # into an item that is itself merged


def test_near_duplicates_are_looked_for_in_the_same_community_only(street):
    voice = submit(street, kind=VoiceKind.COMPLAINT, text=PROBLEM)
    voice_submit(by=None, person=street.resident_b, kind=VoiceKind.COMPLAINT, text=PROBLEM)
    assert possible_duplicates(voice) == []


def test_accept_takes_the_suggestion_and_sets_the_deadline(street):
    voice = submit(street, kind=VoiceKind.COMPLAINT, text=PROBLEM)
    assert voice.suggested_library and voice.suggested_category
    voice_accept(by=street.accounts["community_worker"], voice=voice)
    assert voice.library == voice.suggested_library and voice.category.code == voice.suggested_category
    assert voice.due_at - voice.responded_at == timedelta(days=voice.category.deadline_days)


def test_the_results_library_holds_what_was_resolved_with_its_outcome(street):
    done = bring_to(street, S.CLOSED)
    waiting = bring_to(street, S.RESOLVED, kind=VoiceKind.COMPLAINT, text=PROBLEM)
    bring_to(street, S.IN_PROGRESS, kind=VoiceKind.SUGGESTION, text="建议小区多装几盏路灯")
    merged = recorded(street, "楼道灯坏了一个多月，老人上下楼不方便")
    voice_merge(by=street.accounts["community_worker"], voice=merged, into=waiting)
    worker = street.accounts["community_worker"]
    results = list(results_library(worker))
    assert [v.pk for v in results] == [waiting.pk, done.pk]  # closed by merging is no result
    assert results[1].resolution == "已联系志愿者每周六上门送菜" and results[1].rating == Rating.SATISFIED
    voice_classify(by=worker, voice=waiting, library="suggestion", category=category("utilities"))
    assert [v.pk for v in results_library(worker, library="problem")] == [done.pk]
    assert [v.pk for v in results_library(worker, category="utilities")] == [waiting.pk]
    assert [v.pk for v in results_library(street.accounts["resident"])] == [waiting.pk, done.pk]
    assert list(results_library(street.accounts["party_member"])) == []
