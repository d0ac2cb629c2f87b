"""Audit events: the names of actions, and the one function that records them.

Every service that writes calls ``audit_record`` inside its transaction, so the entry and the
change land or fail together.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .bulk_insert import insert_rows
from .models import AuditEntry
from .request_context import current_ip


class AuditAction(models.TextChoices):
    """Named audit events. Each value is stored in ``AuditEntry.action``; the label is what the
    auditor's page shows."""

    LOGIN = "login", _("登录")
    """A successful login (page or API token)."""
    LOGIN_FAILED = "login_failed", _("登录失败")
    """A failed login attempt; ``changes`` holds the username tried."""
    LOGIN_LOCKED = "login_locked", _("登录被锁定")
    """A login refused because the account is locked after repeated failures."""
    LOGOUT = "logout", _("退出登录")
    """The user logged out."""
    ORG_CREATED = "org_created", _("新建组织")
    """An org (city … building, unit, party organisation) was created."""
    ORG_UPDATED = "org_updated", _("修改组织")
    """An org's name, kind or domain was changed."""
    HOUSEHOLD_CREATED = "household_created", _("登记住户")
    """A household was registered."""
    PERSON_CREATED = "person_created", _("登记人员")
    """A person was added to the registry (by hand, by import or by the demo)."""
    PERSON_UPDATED = "person_updated", _("修改人员")
    """A person's data changed; personal data appears only as masked values."""
    PERSON_REVEALED = "person_revealed", _("查看完整信息")
    """Someone displayed a full ID or phone number."""
    PEOPLE_IMPORTED = "people_imported", _("导入花名册")
    """A roster workbook was imported; ``changes`` holds the file name and counts."""
    PEOPLE_EXPORTED = "people_exported", _("导出人员名单")
    """A list of people was exported to Excel."""
    PARTY_MEMBER_SAVED = "party_member_saved", _("保存党员信息")
    """A party member profile was created or changed."""
    ACCOUNT_CREATED = "account_created", _("新建账号")
    """A login account was created."""
    ACCOUNT_UPDATED = "account_updated", _("修改账号")
    """An account was changed (password, activity)."""
    ACCOUNT_UNLOCKED = "account_unlocked", _("解除锁定")
    """The security admin lifted a lockout after repeated failed logins."""
    ROLE_GRANTED = "role_granted", _("授予角色")
    """A role scoped to an org was given to an account."""
    ROLE_REVOKED = "role_revoked", _("收回角色")
    """A role was taken from an account."""
    PARTY_MEMBER_REMOVED = "party_member_removed", _("移出党员名册")
    """A person's party member profile was removed."""
    RESPONSIBILITY_ASSIGNED = "responsibility_assigned", _("分配包联责任")
    """Someone was made to answer for an area, building or household (包片/包楼/包户)."""
    STUDY_PAIR_CREATED = "study_pair_created", _("结对助学")
    """A young member was paired with an elderly or mobile one (结对助学)."""
    SUPERVISOR_APPOINTED = "supervisor_appointed", _("聘任监督员")
    """A resident was appointed supervisor (群众监督员)."""
    DELIVERY_RECORDED = "delivery_recorded", _("记录送学")
    """Study was brought to a person (home, online, pocket book, mp3, audio book)."""
    API_TOKEN_ISSUED = "api_token_issued", _("签发接口令牌")
    """An API token was issued."""
    TOTP_CONFIRMED = "totp_confirmed", _("启用动态验证码")
    """A staff member set up the TOTP second factor."""
    # learning: study materials
    MATERIAL_CREATED = "material_created", _("新建学习材料")
    """A study material (book, pocket book, audio, video, article, mp3 player) was registered."""
    MATERIAL_RESTOCKED = "material_restocked", _("学习材料入库")
    """Copies of a material were added to its stock; ``changes`` holds the stock before and after."""
    MATERIAL_DISTRIBUTED = "material_distributed", _("发放学习材料")
    """Copies of a material were handed to a person or a unit and left the stock."""
    REFLECTION_SUBMITTED = "reflection_submitted", _("提交学习心得")
    """A member or resident submitted a reflection (学习心得), or resubmitted a returned one."""
    REFLECTION_REVIEWED = "reflection_reviewed", _("审阅学习心得")
    """A reflection was approved, returned with a note, or selected (or unselected) as excellent."""
    BULLETIN_CREATED = "bulletin_created", _("编发简报")
    """A bulletin (简报) was issued with the next issue number of its org and campaign."""
    DELIVERIES_EXPORTED = "deliveries_exported", _("导出送学记录")
    """The list of deliveries was exported to Excel."""
    DISTRIBUTIONS_EXPORTED = "distributions_exported", _("导出发放记录")
    """The distributions of a material were exported to Excel."""
    # learning: sessions
    SESSION_CREATED = "session_created", _("新建学习活动")
    """A study session (group study, party lecture, lecture, micro-class, …) was planned."""
    SESSION_UPDATED = "session_updated", _("修改学习活动")
    """A session's topic, speaker, place, time, capacity or campaign changed; ``changes`` holds old and new."""
    SESSION_OPENED = "session_opened", _("开放签到")
    """Staff opened a session for check-in (or reopened a closed one); ``changes`` holds the old status."""
    SESSION_CLOSED = "session_closed", _("关闭签到")
    """Staff closed a session; no more check-ins by QR code."""
    SCHEDULE_ITEM_CREATED = "schedule_item_created", _("新增学习课表")
    """A weekly slot was added to an org's timetable (学习课表)."""
    SCHEDULE_ITEM_UPDATED = "schedule_item_updated", _("修改学习课表")
    """A timetable slot changed or was switched off."""
    ATTENDANCE_CHECKED_IN = "attendance_checked_in", _("扫码签到")
    """A person checked in to a session with the rotating QR code. A retry writes no second entry."""
    ATTENDANCE_RECORDED = "attendance_recorded", _("补录签到")
    """Staff ticked a person on the roster or entered a paper sign-in sheet; one entry per new attendance."""
    ATTENDANCE_EXPORTED = "attendance_exported", _("导出签到名单")
    """A session's attendance list was exported to Excel."""
    COVERAGE_GAPS_EXPORTED = "coverage_gaps_exported", _("导出未覆盖名单")
    """The list of people a campaign has not reached yet, in an org, was exported to Excel."""
    # campaigns
    CAMPAIGN_CREATED = "campaign_created", _("新建主题活动")
    """A campaign (主题教育 / 教育实践活动) was created with its period, scope and target."""
    CAMPAIGN_UPDATED = "campaign_updated", _("修改主题活动")
    """A campaign's name, theme, period, scope, status or target changed; ``changes`` holds old and new."""
    PLAN_CREATED = "plan_created", _("制定活动方案")
    """A plan of the "1+7+N" was issued: the overall plan, a domain procedure or a unit sub-plan."""
    CAMPAIGN_TASK_CREATED = "campaign_task_created", _("布置规定/自选动作")
    """A required (规定动作) or optional (自选动作) action was set for a domain or a unit, with its due date."""
    MEASURE_CREATED = "measure_created", _("新增推进举措")
    """A measure (推进举措) was added under a campaign's plan."""
    TASK_COMPLETED = "task_completed", _("记录动作完成情况")
    """A unit was recorded as having done an action, with the session, delivery or report that proves it."""
    # voices
    VOICE_SUBMITTED = "voice_submitted", _("登记群众心声")
    """A voice came in: submitted by the resident online, or recorded on their behalf by staff."""
    VOICE_MOVED = "voice_moved", _("办理群众心声")
    """A voice moved in its workflow or took a step (accept, claim, assign, resolve, rate, escalate,
    merge, publish…); ``changes`` holds the action and the statuses before and after."""
    VOICE_PHOTO_ADDED = "voice_photo_added", _("上传心声照片")
    """A photo was added to a voice, or as evidence of its resolution."""
    VISIT_RECORDED = "visit_recorded", _("记录入户走访")
    """A home visit (民情日记) was recorded with its 四访四问 reasons and the voices heard."""
    VOICE_CATEGORY_SAVED = "voice_category_saved", _("修改诉求类别")
    """A category of voices or its deadline (days) changed."""
    PROJECT_SAVED = "project_saved", _("保存民生实事项目")
    """A livelihood project was created or changed (its milestones and supervisors included)."""
    SUPERVISOR_COMMENTED = "supervisor_commented", _("监督员提出意见")
    """A resident supervisor commented on a project or confirmed a milestone as done."""
    RECTIFICATION_SAVED = "rectification_saved", _("保存问题清单")
    """An item of the problem list was created, or its phases or status changed."""
    GOOD_DEED_RECORDED = "good_deed_recorded", _("记录好事实事")
    """A good deed was recorded: "党员办好一件实事" or "居民办好一件小事"."""
    VOICES_EXPORTED = "voices_exported", _("导出群众心声")
    """A list of voices (or of visits, projects, the problem list) was exported to Excel."""
    # points
    POINTS_AWARDED = "points_awarded", _("获得积分")
    """Points were awarded for an action by its earning rule (within its caps)."""
    POINTS_SPENT = "points_spent", _("使用积分")
    """Points were spent, for a redemption."""
    POINTS_REVERSED = "points_reversed", _("积分冲正")
    """An entry of the ledger was undone by a reversing row: a refund or a correction."""
    REDEMPTION_CREATED = "redemption_created", _("积分兑换")
    """A resident redeemed points for a reward: the spend entry, the stock taken, a pickup code."""
    REDEMPTION_VERIFIED = "redemption_verified", _("核销兑换码")
    """Staff at the counter verified a pickup code and handed the reward over."""
    REDEMPTION_CANCELLED = "redemption_cancelled", _("取消兑换")
    """A pending redemption was cancelled: points refunded, stock back."""
    REDEMPTION_EXPIRED = "redemption_expired", _("兑换过期")
    """A pending redemption passed its validity: points refunded, stock back (the daily job)."""
    REWARD_CREATED = "reward_created", _("新增兑换商品")
    """Staff put a reward (goods or a service discount) in their community's catalogue."""
    REWARD_UPDATED = "reward_updated", _("修改兑换商品")
    """A reward's name, cost, limits or description changed, or it was taken off or put back on sale;
    ``changes`` holds old and new."""
    REWARD_RESTOCKED = "reward_restocked", _("兑换商品入库")
    """Items of a reward were added to its stock; ``changes`` holds the stock before and after."""
    EARNING_RULE_SAVED = "earning_rule_saved", _("保存积分规则")
    """An earning rule (points per action, daily and period caps, active) was created or changed."""
    POINTS_STATEMENT_EXPORTED = "points_statement_exported", _("导出积分台账")
    """A community's points statement (entries and redemptions of a period) was exported to Excel."""
    POINTS_FIGURES_EXPORTED = "points_figures_exported", _("导出积分统计")
    """The points figures of an org and a period (by action, by child org, top earners, redemptions by
    reward) were exported to Excel; ``changes`` holds the org and the period."""
    REPORT_FIGURES_EXPORTED = "report_figures_exported", _("导出统计数据")
    """The figures of an org (and its children side by side) for a campaign and period were exported
    to Excel; ``changes`` holds the org, the campaign and the period."""
    REPORT_PROGRESS_GENERATED = "report_progress_generated", _("生成工作开展情况报告")
    """A progress report (Word) was generated; ``changes`` holds the org, the campaign and the period."""
    REPORT_BULLETIN_GENERATED = "report_bulletin_generated", _("生成每周通报")
    """A weekly bulletin (Word) was generated; ``changes`` holds the org, the week and the campaign."""
    REPORT_TEXT_SAVED = "report_text_saved", _("保存报告文字")
    """An editable part of a progress report was saved; ``changes`` holds the part and the text."""
    BULLETIN_WEIGHTS_SAVED = "bulletin_weights_saved", _("保存通报权重")
    """The weights by which an org's weekly bulletin ranks its units were changed."""


def _describe(obj: models.Model | None) -> tuple[str, str, str]:
    if obj is None:
        return "", "", ""
    return obj._meta.label_lower, str(obj.pk), str(obj)[:200]


def audit_record(
    *,
    by,
    action: str,
    obj: models.Model | None = None,
    changes: dict[str, Any] | None = None,
    ip: str | None = None,
    actor_name: str | None = None,
) -> AuditEntry:
    object_type, object_id, object_repr = _describe(obj)
    actor = by if getattr(by, "pk", None) else None
    return AuditEntry.objects.create(
        actor=actor,
        actor_name=actor_name if actor_name is not None else (by.get_username() if actor else "system"),
        ip=ip or current_ip.get(),
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr,
        changes=changes or {},
    )


def audit_insert_sql(source: str) -> str:
    """(PostgreSQL) An INSERT, for a data-modifying ``WITH``, of one entry for each row of the CTE
    ``source``, whose ``id`` is the object's: a write and its audit entry in one statement (the
    QR check-in). Its parameters come from ``audit_sql_params``; the entry is the one
    ``audit_record`` would write for a model whose ``str()`` is ``repr_prefix`` and the id."""
    return (
        f"INSERT INTO {AuditEntry._meta.db_table} "
        f"(at, actor_id, actor_name, ip, action, object_type, object_id, object_repr, changes) "
        f"SELECT %(audit_at)s, %(audit_actor)s, %(audit_actor_name)s, %(audit_ip)s, %(audit_action)s, "
        f"%(audit_object_type)s, CAST({source}.id AS varchar), %(audit_repr_prefix)s || {source}.id, "
        f"%(audit_changes)s FROM {source}"
    )


def audit_sql_params(*, by, action: str, model: type[models.Model], repr_prefix: str,
                     changes: dict[str, Any]) -> dict[str, Any]:
    actor = by if getattr(by, "pk", None) else None
    return {
        "audit_at": timezone.now(),
        "audit_actor": actor.pk if actor else None,
        "audit_actor_name": by.get_username() if actor else "system",
        "audit_ip": current_ip.get(),
        "audit_action": action,
        "audit_object_type": model._meta.label_lower,
        "audit_repr_prefix": repr_prefix,
        "audit_changes": json.dumps(changes),
    }


_MANY_FIELDS = ["actor", "actor_name", "ip", "action", "object_type", "object_id", "object_repr", "changes"]


def audit_record_many(*, by, action: str, objects: Iterable[models.Model], changes_for=None) -> int:
    """One entry per object, as ``audit_record`` writes it, inserted in bulk (imports, demo data).

    The entries go in as plain rows (``bulk_insert.insert_rows``), not model instances: an
    import of 100,000 persons writes about 140,000 of them.
    """
    actor = by if getattr(by, "pk", None) else None
    actor_id = actor.pk if actor else None
    name = by.get_username() if actor else "system"
    ip = current_ip.get()
    rows = (
        (actor_id, name, ip, action, *_describe(obj), changes_for(obj) if changes_for else {})
        for obj in objects
    )
    return insert_rows(AuditEntry, _MANY_FIELDS, rows)


def changed_fields(instance: models.Model, before: dict[str, Any], fields: Iterable[str]) -> dict[str, list]:
    """``{field: [old, new]}`` for the fields whose value differs from ``before``."""
    diff = {}
    for name in fields:
        new = getattr(instance, name)
        if before.get(name) != new:
            diff[name] = [_jsonable(before.get(name)), _jsonable(new)]
    return diff


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, models.Model):
        return str(value.pk)
    return str(value)
