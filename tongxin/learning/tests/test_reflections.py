"""学习心得: a member or resident submits their own; staff of their community approve, return
with a note, and select approved ones as excellent. Every allowed and forbidden move."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tongxin.accounts.models import Role
from tongxin.campaigns.models import Campaign
from tongxin.core.models import AuditEntry
from tongxin.learning.models import Attendance, Reflection, ReflectionStatus, Session, SessionKind
from tongxin.learning.services.reflections import (
    TRANSITIONS, ReviewDecision, decisions_open, reflection_resubmit, reflection_review, reflection_submit,
)
from tongxin.people.services import PersonData, person_create

TEXT = "通过学习，我深刻认识到感党恩、听党话、跟党走的重要意义，要在社区建设中发挥作用。"


def submit(street, role: str = "resident", **kwargs) -> Reflection:
    return reflection_submit(by=street.accounts[role], title=kwargs.pop("title", "学习体会"),
                             text=kwargs.pop("text", TEXT), **kwargs)


def approved(street) -> Reflection:
    reflection = submit(street)
    return reflection_review(by=street.accounts["community_worker"], reflection=reflection,
                             decision=ReviewDecision.APPROVE)


# --- Submit -----------------------------------------------------------------------------------

def test_resident_submits_a_reflection_of_their_own(street, campaign):
    reflection = submit(street, campaign=campaign)

    reflection.refresh_from_db()
    assert reflection.person == street.resident_a and reflection.org_path == street.resident_a.org_path
    assert reflection.status == ReflectionStatus.SUBMITTED and not reflection.is_excellent
    entry = AuditEntry.objects.get(action="reflection_submitted", object_id=str(reflection.pk))
    assert entry.actor == street.accounts["resident"] and entry.changes["campaign"] == "gandangen"


def test_party_member_submits_too(street):
    assert submit(street, "party_member").person == street.member_a


def test_an_account_without_a_person_cannot_submit(street):
    with pytest.raises(PermissionError, match="账号未关联人员"):
        submit(street, "community_worker")


def test_nobody_submits_in_someone_elses_name(street):
    with pytest.raises(PermissionError, match="只能提交本人的学习心得"):
        submit(street, "resident", person=street.member_a)
    assert not Reflection.objects.exists()


@pytest.mark.parametrize("title, text, field", [
    ("", TEXT, "title"),
    ("标" * 101, TEXT, "title"),
    ("体会", "很好", "text"),
    ("体会", "  ", "text"),
])
def test_bad_input_is_refused_with_a_chinese_message(street, title, text, field):
    with pytest.raises(ValidationError) as error:
        submit(street, title=title, text=text)
    assert field in error.value.message_dict
    assert not Reflection.objects.exists()


def test_campaign_must_include_the_author(street):
    today = timezone.localdate()
    other = Campaign.objects.create(name="学院社区专题学习", slug="xueyuan", starts_on=today - timedelta(days=3),
                                    ends_on=today + timedelta(days=3), scope=street.community_b,
                                    scope_path=street.community_b.path)
    with pytest.raises(ValidationError) as error:
        submit(street, campaign=other)
    assert error.value.message_dict["campaign"] == ["您不在该主题活动范围内"]


def _session(street, campaign=None) -> Session:
    start = timezone.now() - timedelta(days=2)
    return Session.objects.create(org=street.community_a, org_path=street.community_a.path, campaign=campaign,
                                  kind=SessionKind.LECTURE, topic="春风讲堂", starts_at=start,
                                  ends_at=start + timedelta(hours=2))


def test_a_reflection_on_a_session_needs_attendance_and_takes_its_campaign(street, campaign):
    session = _session(street, campaign)
    with pytest.raises(ValidationError) as error:
        submit(street, session=session)
    assert error.value.message_dict["session"] == ["只能为本人参加过的学习活动写心得"]

    Attendance.objects.create(session=session, person=street.resident_a, campaign=campaign, method="qr",
                              checked_in_at=session.starts_at)
    reflection = submit(street, session=session)
    assert reflection.session == session and reflection.campaign == campaign


def test_a_double_tap_submits_once(street):
    first = submit(street)
    again = submit(street)
    assert again.pk == first.pk and Reflection.objects.count() == 1
    assert AuditEntry.objects.filter(action="reflection_submitted").count() == 1


# --- Review: the transition table ---------------------------------------------------------------

def test_approve_then_select_as_excellent(street):
    reviewer = street.accounts["community_worker"]
    reflection = submit(street)

    reflection_review(by=reviewer, reflection=reflection, decision=ReviewDecision.APPROVE, note="写得实在")
    reflection_review(by=reviewer, reflection=reflection, decision=ReviewDecision.EXCELLENT)

    reflection.refresh_from_db()
    assert (reflection.status, reflection.is_excellent) == (ReflectionStatus.APPROVED, True)
    assert reflection.reviewed_by == reviewer and reflection.review_note == "写得实在"
    entries = AuditEntry.objects.filter(action="reflection_reviewed", object_id=str(reflection.pk)).order_by("id")
    assert [e.changes["decision"] for e in entries] == ["approve", "excellent"]
    assert entries[1].changes["is_excellent"] == [False, True]


def test_excellent_only_after_approval(street):
    reflection = submit(street)
    with pytest.raises(ValidationError) as error:
        reflection_review(by=street.accounts["community_worker"], reflection=reflection,
                          decision=ReviewDecision.EXCELLENT)
    assert error.value.message_dict["decision"] == ["只有审阅通过的心得才能评为优质"]
    reflection.refresh_from_db()
    assert not reflection.is_excellent and reflection.status == ReflectionStatus.SUBMITTED


def test_return_needs_a_note_and_the_author_resubmits(street):
    reviewer = street.accounts["community_worker"]
    reflection = submit(street)
    with pytest.raises(ValidationError) as error:
        reflection_review(by=reviewer, reflection=reflection, decision=ReviewDecision.RETURN)
    assert error.value.message_dict["note"] == ["退回时请写明修改意见"]

    reflection_review(by=reviewer, reflection=reflection, decision=ReviewDecision.RETURN, note="请结合本职工作谈体会")
    assert reflection.status == ReflectionStatus.RETURNED
    with pytest.raises(ValidationError):
        reflection_review(by=reviewer, reflection=reflection, decision=ReviewDecision.EXCELLENT)

    with pytest.raises(PermissionError):
        reflection_resubmit(by=street.accounts["party_member"], reflection=reflection, title="改", text=TEXT)
    reflection_resubmit(by=street.accounts["resident"], reflection=reflection, title="学习体会（修改稿）",
                        text=TEXT + "我将带头参与楼道清洁。")
    reflection.refresh_from_db()
    assert reflection.status == ReflectionStatus.SUBMITTED and reflection.title == "学习体会（修改稿）"
    reflection_review(by=reviewer, reflection=reflection, decision=ReviewDecision.APPROVE)
    assert reflection.status == ReflectionStatus.APPROVED


def test_unselect_excellent(street):
    reflection = approved(street)
    reviewer = street.accounts["street_admin"]
    reflection_review(by=reviewer, reflection=reflection, decision=ReviewDecision.EXCELLENT)
    reflection_review(by=reviewer, reflection=reflection, decision=ReviewDecision.NOT_EXCELLENT)
    reflection.refresh_from_db()
    assert reflection.status == ReflectionStatus.APPROVED and not reflection.is_excellent


# Every decision from every state: allowed moves land where the table says, others raise.
STATES = {
    "submitted": (ReflectionStatus.SUBMITTED, False),
    "returned": (ReflectionStatus.RETURNED, False),
    "approved": (ReflectionStatus.APPROVED, False),
    "excellent": (ReflectionStatus.APPROVED, True),
}
ALLOWED = {
    ("submitted", "approve"): ("approved", False), ("submitted", "return"): ("returned", False),
    ("approved", "excellent"): ("approved", True), ("excellent", "not_excellent"): ("approved", False),
}


@pytest.mark.parametrize("state", sorted(STATES))
@pytest.mark.parametrize("decision", ReviewDecision.values)
def test_every_decision_from_every_state(street, state, decision):
    reflection = submit(street)
    status, excellent = STATES[state]
    Reflection.objects.filter(pk=reflection.pk).update(status=status, is_excellent=excellent)
    reflection.refresh_from_db()
    assert (decision in decisions_open(reflection)) == ((state, decision) in ALLOWED)
    if (state, decision) in ALLOWED:
        reflection_review(by=street.accounts["community_worker"], reflection=reflection, decision=decision,
                          note="意见")
        reflection.refresh_from_db()
        assert (reflection.status, reflection.is_excellent) == ALLOWED[(state, decision)]
    else:
        with pytest.raises(ValidationError):
            reflection_review(by=street.accounts["community_worker"], reflection=reflection, decision=decision,
                              note="意见")
        reflection.refresh_from_db()
        assert (reflection.status, reflection.is_excellent) == (status, excellent)


def test_the_table_and_the_decisions_agree():
    assert set(TRANSITIONS) == set(ReviewDecision.values)


def test_unknown_decision(street):
    with pytest.raises(ValidationError):
        reflection_review(by=street.accounts["community_worker"], reflection=submit(street), decision="publish")


# --- Review: who ----------------------------------------------------------------------------------

# Who may review 张三's reflection (community BLP-C1).
REVIEWS_COMMUNITY_A = {
    "street_admin": True, "community_worker": True, "grid_worker": False, "building_head": False,
    "party_member": False, "resident": False, "superior": False, "system_admin": False,
    "security_admin": False, "auditor": False,
}


def test_the_matrix_covers_every_role():
    assert set(REVIEWS_COMMUNITY_A) == set(Role.values)


@pytest.mark.parametrize("role", sorted(REVIEWS_COMMUNITY_A))
def test_who_may_review(street, role):
    reflection = submit(street)
    if REVIEWS_COMMUNITY_A[role]:
        reflection_review(by=street.accounts[role], reflection=reflection, decision=ReviewDecision.APPROVE)
        assert reflection.status == ReflectionStatus.APPROVED
    else:
        with pytest.raises(PermissionError, match="无权审阅该心得"):
            reflection_review(by=street.accounts[role], reflection=reflection, decision=ReviewDecision.APPROVE)
        reflection.refresh_from_db()
        assert reflection.status == ReflectionStatus.SUBMITTED
        assert not AuditEntry.objects.filter(action="reflection_reviewed").exists()


def test_community_worker_may_not_review_the_neighbouring_community(street):
    resident_b = street.resident_b
    reflection = reflection_submit(by=None, person=resident_b, title="体会", text=TEXT)
    with pytest.raises(PermissionError):
        reflection_review(by=street.accounts["community_worker"], reflection=reflection,
                          decision=ReviewDecision.APPROVE)
    reflection_review(by=street.accounts["street_admin"], reflection=reflection, decision=ReviewDecision.APPROVE)


def test_nobody_reviews_their_own_reflection(street):
    worker = street.accounts["community_worker"]
    worker.person = person_create(by=None, data=PersonData(name="社工小刘", org=street.building_a1))
    worker.save()
    own = reflection_submit(by=worker, title="社工学习体会", text=TEXT)
    with pytest.raises(PermissionError):
        reflection_review(by=worker, reflection=own, decision=ReviewDecision.APPROVE)
    reflection_review(by=street.accounts["street_admin"], reflection=own, decision=ReviewDecision.APPROVE)
