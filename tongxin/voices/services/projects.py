"""Livelihood projects (民生实事): milestones give the progress, resident supervisors (群众监督员)
comment on the project and confirm what staff marked done — or dispute it with a comment.

The status moves only by this table (anything else raises ``ProjectConflict``):

| move   | from        | to          | when                                                           |
|--------|-------------|-------------|----------------------------------------------------------------|
| start  | planned     | in_progress | staff start it, or its first milestone is marked done           |
| finish | in_progress | done        | its last open milestone is marked done (``done_on``: that day)  |
| resume | done        | in_progress | a milestone marked done by mistake is undone                    |

Who: street admin and community worker over the project's org (``voices.manage_projects``)
create, change and mark milestones; a supervisor of the project comments and confirms, as
themselves (their account's person). Superiors read. Progress (done weight / total weight) is
the selectors' business, in SQL. Every write leaves an audit entry.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Max, Min
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongxin.core.audit import AuditAction, audit_record, changed_fields
from tongxin.orgs.models import Org, OrgKind
from tongxin.people.models import Person

from ..models import Milestone, Project, ProjectStatus, ProjectSupervisor, SupervisorComment, Voice

S = ProjectStatus
MANAGE = "voices.manage_projects"
# Projects belong to a place residents live in: a street, a community or a grid.
PROJECT_ORG_KINDS = (OrgKind.STREET, OrgKind.TOWNSHIP, OrgKind.COMMUNITY, OrgKind.VILLAGE, OrgKind.GRID)
TITLE_MAX = 100
OWNER_MAX = 100
DESCRIPTION_MAX = 5000
MILESTONE_TITLE_MAX = 100
WEIGHT_MAX = 100
NOTE_MAX = 200
COMMENT_MAX = 500


class ProjectMove(models.TextChoices):
    START = "start", gettext_lazy("开始推进")
    FINISH = "finish", gettext_lazy("完成")
    RESUME = "resume", gettext_lazy("恢复推进")


# move → (statuses it starts from, status it leaves)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    ProjectMove.START: ((S.PLANNED,), S.IN_PROGRESS),
    ProjectMove.FINISH: ((S.IN_PROGRESS,), S.DONE),
    ProjectMove.RESUME: ((S.DONE,), S.IN_PROGRESS),
}


class ProjectConflict(ValidationError):
    """The step is not allowed as the project stands now (someone else moved it first, a double
    tap)."""


def may_manage(user, project: Project) -> bool:
    return user is None or user.has_perm(MANAGE, project.org)


def _require_manage(by, org: Org) -> None:
    if by is not None and not by.has_perm(MANAGE, org):
        raise PermissionError(_("无权管理该组织的民生实事项目"))


def area_path(org: Org) -> str:
    """The path of the community (or village) at or above ``org``; the org's own path for a
    street-wide project. Its residents may be the project's supervisors."""
    ids = [int(part) for part in org.path.strip("/").split("/") if part]
    found = (Org.objects.filter(pk__in=ids, kind__in=[OrgKind.COMMUNITY, OrgKind.VILLAGE])
             .order_by("-depth").values_list("path", flat=True).first())
    return found or org.path


def _locked(project: Project) -> Project:
    return Project.objects.select_for_update().select_related("org").get(pk=project.pk)


def _refresh(target: Project, source: Project) -> None:
    for field in source._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))


def _move(project: Project, move: str, *, on: date | None = None) -> tuple[str, str]:
    """Apply a move of the table to the locked project; returns the statuses before and after."""
    sources, target = TRANSITIONS[move]
    if project.status not in sources:
        raise ProjectConflict(_("项目当前为“%(status)s”，不能%(move)s") % {
            "status": project.get_status_display(), "move": ProjectMove(move).label})
    before = project.status
    project.status = target
    if move == ProjectMove.START and project.starts_on is None:
        project.starts_on = on or timezone.localdate()
    elif move == ProjectMove.FINISH:
        project.done_on = on or timezone.localdate()
    elif move == ProjectMove.RESUME:
        project.done_on = None
    project.save(update_fields=["status", "starts_on", "done_on"])
    return before, target


def _text(value: str | None) -> str:
    return (value or "").strip()


def _clean_project(*, org: Org, title: str, owner: str, description: str, campaign, source_voice: Voice | None,
                   starts_on: date | None, due_on: date | None) -> dict:
    errors: dict[str, str] = {}
    title, owner, description = _text(title), _text(owner), _text(description)
    if org.kind not in PROJECT_ORG_KINDS:
        errors["org"] = _("民生实事项目须属于街道、社区或网格")
    if not title:
        errors["title"] = _("请填写项目名称")
    elif len(title) > TITLE_MAX:
        errors["title"] = _("项目名称不能超过 %(n)d 字") % {"n": TITLE_MAX}
    if not owner:
        errors["owner"] = _("请填写责任人或责任单位")
    elif len(owner) > OWNER_MAX:
        errors["owner"] = _("责任人/责任单位不能超过 %(n)d 字") % {"n": OWNER_MAX}
    if len(description) > DESCRIPTION_MAX:
        errors["description"] = _("项目内容不能超过 %(n)d 字") % {"n": DESCRIPTION_MAX}
    if starts_on and due_on and due_on < starts_on:
        errors["due_on"] = _("计划完成日期不能早于开始日期")
    if campaign is not None and not org.path.startswith(campaign.scope_path):
        errors["campaign"] = _("该组织不在所选主题活动范围内")
    if source_voice is not None and not source_voice.org_path.startswith(org.path):
        errors["source_voice"] = _("来源心声不在该项目所属组织范围内")
    if errors:
        raise ValidationError(errors)
    return {"title": title, "owner": owner, "description": description}


def _clean_milestone(*, title: str, weight, due_on: date | None, starts_on: date | None,
                     project_due_on: date | None) -> tuple[dict, dict]:
    """A milestone's fields checked: ``(clean values, errors by field)``."""
    errors: dict[str, str] = {}
    title = _text(title)
    if not title:
        errors["title"] = _("请填写节点名称")
    elif len(title) > MILESTONE_TITLE_MAX:
        errors["title"] = _("节点名称不能超过 %(n)d 字") % {"n": MILESTONE_TITLE_MAX}
    try:
        weight = int(1 if weight in (None, "") else weight)
    except (TypeError, ValueError):
        weight = 0
    if not 1 <= weight <= WEIGHT_MAX:
        errors["weight"] = _("权重须为 1 到 %(n)d 之间的整数") % {"n": WEIGHT_MAX}
    if due_on is not None:
        if starts_on and due_on < starts_on:
            errors["due_on"] = _("节点计划日期不能早于项目开始日期")
        elif project_due_on and due_on > project_due_on:
            errors["due_on"] = _("节点计划日期不能晚于项目计划完成日期")
    return {"title": title, "weight": weight, "due_on": due_on}, errors


def _clean_milestones(rows, *, starts_on: date | None, due_on: date | None) -> list[dict]:
    cleaned, messages = [], []
    for number, row in enumerate(rows, start=1):
        values, errors = _clean_milestone(title=row.get("title", ""), weight=row.get("weight", 1),
                                          due_on=row.get("due_on"), starts_on=starts_on, project_due_on=due_on)
        messages += [_("第 %(n)d 个节点：%(error)s") % {"n": number, "error": error} for error in errors.values()]
        cleaned.append(values)
    if messages:
        raise ValidationError({"milestones": messages})
    return cleaned


@transaction.atomic
def project_create(*, by, org: Org, title: str, owner: str, description: str = "", campaign=None,
                   source_voice: Voice | None = None, starts_on: date | None = None, due_on: date | None = None,
                   milestones: list[dict] = ()) -> Project:
    """A livelihood project with its milestones (``{"title", "weight", "due_on"}``, in order)."""
    _require_manage(by, org)
    values = _clean_project(org=org, title=title, owner=owner, description=description, campaign=campaign,
                            source_voice=source_voice, starts_on=starts_on, due_on=due_on)
    rows = _clean_milestones(list(milestones), starts_on=starts_on, due_on=due_on)
    project = Project(org=org, org_path=org.path, campaign=campaign, source_voice=source_voice,
                      starts_on=starts_on, due_on=due_on, created_by=by if getattr(by, "pk", None) else None,
                      **values)
    project.full_clean()
    project.save()
    Milestone.objects.bulk_create([Milestone(project=project, order=number, **row)
                                   for number, row in enumerate(rows, start=1)])
    audit_record(by=by, action=AuditAction.PROJECT_SAVED, obj=project, changes={
        "created": True, "org": org.code, "title": project.title, "owner": project.owner,
        "campaign": campaign.slug if campaign else None, "source_voice": source_voice.pk if source_voice else None,
        "milestones": [row["title"] for row in rows]})
    return project


@transaction.atomic
def project_update(*, by, project: Project, title: str, owner: str, description: str = "", campaign=None,
                   source_voice: Voice | None = None, starts_on: date | None = None,
                   due_on: date | None = None) -> Project:
    """Change a project's name, owner, content, campaign, source and period. Its milestones'
    planned dates must stay within the period."""
    locked = _locked(project)
    _require_manage(by, locked.org)
    values = _clean_project(org=locked.org, title=title, owner=owner, description=description, campaign=campaign,
                            source_voice=source_voice, starts_on=starts_on, due_on=due_on)
    span = locked.milestones.aggregate(first=Min("due_on"), last=Max("due_on"))
    if starts_on and span["first"] and span["first"] < starts_on:
        raise ValidationError({"starts_on": _("已有节点的计划日期早于该开始日期")})
    if due_on and span["last"] and span["last"] > due_on:
        raise ValidationError({"due_on": _("已有节点的计划日期晚于该计划完成日期")})
    fields = ["title", "owner", "description", "campaign", "source_voice", "starts_on", "due_on"]
    before = {name: getattr(locked, name) for name in fields}
    for name, value in {**values, "campaign": campaign, "source_voice": source_voice, "starts_on": starts_on,
                        "due_on": due_on}.items():
        setattr(locked, name, value)
    locked.full_clean()
    locked.save(update_fields=fields)
    audit_record(by=by, action=AuditAction.PROJECT_SAVED, obj=locked,
                 changes=changed_fields(locked, before, fields))
    _refresh(project, locked)
    return project


@transaction.atomic
def project_start(*, by, project: Project, starts_on: date | None = None) -> Project:
    """Start a planned project before any milestone is done (开工)."""
    locked = _locked(project)
    _require_manage(by, locked.org)
    starts_on = starts_on or timezone.localdate()
    if starts_on > timezone.localdate():
        raise ValidationError({"starts_on": _("开始日期不能晚于今天")})
    statuses = _move(locked, ProjectMove.START, on=starts_on)
    audit_record(by=by, action=AuditAction.PROJECT_SAVED, obj=locked,
                 changes={"move": ProjectMove.START, "status": list(statuses)})
    _refresh(project, locked)
    return project


@transaction.atomic
def milestone_add(*, by, project: Project, title: str, weight: int = 1, due_on: date | None = None) -> Milestone:
    """A milestone after the last one. A finished project takes no more."""
    locked = _locked(project)
    _require_manage(by, locked.org)
    if locked.status == S.DONE:
        raise ProjectConflict(_("项目已完成，不能再增加节点"))
    values, errors = _clean_milestone(title=title, weight=weight, due_on=due_on, starts_on=locked.starts_on,
                                      project_due_on=locked.due_on)
    if errors:
        raise ValidationError(errors)
    last = locked.milestones.aggregate(n=Max("order"))["n"] or 0
    milestone = Milestone.objects.create(project=locked, order=last + 1, **values)
    audit_record(by=by, action=AuditAction.PROJECT_SAVED, obj=locked, changes={
        "milestone_added": milestone.pk, "title": milestone.title, "weight": milestone.weight})
    _refresh(project, locked)
    return milestone


def _locked_milestone(milestone: Milestone) -> tuple[Project, Milestone]:
    # The project first, always: two steps on milestones of one project wait for each other.
    project = _locked(milestone.project)
    return project, Milestone.objects.select_for_update().get(pk=milestone.pk)


@transaction.atomic
def milestone_done(*, by, milestone: Milestone, done_on: date, note: str = "") -> Milestone:
    """Mark a milestone done. The first starts a planned project; the last finishes it."""
    project, locked = _locked_milestone(milestone)
    _require_manage(by, project.org)
    if locked.done_on is not None:
        raise ProjectConflict(_("该节点已于 %(day)s 标记完成") % {"day": locked.done_on.isoformat()})
    note = _text(note)
    if done_on is None:
        raise ValidationError({"done_on": _("请填写完成日期")})
    if done_on > timezone.localdate():
        raise ValidationError({"done_on": _("完成日期不能晚于今天")})
    if project.starts_on and done_on < project.starts_on:
        raise ValidationError({"done_on": _("完成日期不能早于项目开始日期")})
    if len(note) > NOTE_MAX:
        raise ValidationError({"note": _("说明不能超过 %(n)d 字") % {"n": NOTE_MAX}})
    locked.done_on, locked.note = done_on, note
    locked.save(update_fields=["done_on", "note"])
    moves = []
    if project.status == S.PLANNED:
        moves.append(_move(project, ProjectMove.START, on=done_on))
    if not project.milestones.filter(done_on__isnull=True).exists():
        last = project.milestones.aggregate(last=Max("done_on"))["last"]
        moves.append(_move(project, ProjectMove.FINISH, on=last))
    audit_record(by=by, action=AuditAction.PROJECT_SAVED, obj=project, changes={
        "milestone_done": locked.pk, "title": locked.title, "done_on": done_on.isoformat(), "note": note,
        **({"status": [moves[0][0], moves[-1][1]]} if moves else {})})
    _refresh(milestone, locked)
    return milestone


@transaction.atomic
def milestone_undo(*, by, milestone: Milestone, reason: str) -> Milestone:
    """Undo a milestone marked done by mistake, with the reason. One a supervisor has confirmed
    stays done: residents have vouched for it. A finished project goes back to in progress."""
    project, locked = _locked_milestone(milestone)
    _require_manage(by, project.org)
    if locked.done_on is None:
        raise ProjectConflict(_("该节点尚未完成"))
    if locked.comments.filter(confirms=True).exists():
        raise ValidationError(_("群众监督员已确认该节点完成，不能撤销"))
    reason = _text(reason)
    if not reason:
        raise ValidationError({"reason": _("请写明撤销的原因")})
    if len(reason) > NOTE_MAX:
        raise ValidationError({"reason": _("原因不能超过 %(n)d 字") % {"n": NOTE_MAX}})
    was = locked.done_on
    locked.done_on, locked.note = None, _("撤销完成：%(reason)s") % {"reason": reason}
    locked.save(update_fields=["done_on", "note"])
    statuses = _move(project, ProjectMove.RESUME) if project.status == S.DONE else None
    audit_record(by=by, action=AuditAction.PROJECT_SAVED, obj=project, changes={
        "milestone_undone": locked.pk, "title": locked.title, "was_done_on": was.isoformat(), "reason": reason,
        **({"status": list(statuses)} if statuses else {})})
    _refresh(milestone, locked)
    return milestone


@transaction.atomic
def supervisor_appoint(*, by, project: Project, person: Person) -> ProjectSupervisor:
    """Appoint a resident of the project's community (in the registry and active) as its
    supervisor (群众监督员); once per project."""
    locked = _locked(project)
    _require_manage(by, locked.org)
    if not person.is_active:
        raise ValidationError({"person": _("该人员已不在册")})
    if not person.org_path.startswith(area_path(locked.org)):
        raise ValidationError({"person": _("监督员须是本社区的居民")})
    if ProjectSupervisor.objects.filter(project=locked, person=person).exists():
        raise ValidationError({"person": _("%(name)s 已是本项目的监督员") % {"name": person.name}})
    link = ProjectSupervisor.objects.create(project=locked, person=person)
    audit_record(by=by, action=AuditAction.PROJECT_SAVED, obj=locked,
                 changes={"supervisor_appointed": person.pk})
    return link


@transaction.atomic
def supervisor_remove(*, by, project: Project, person: Person) -> None:
    """End a supervisor's appointment. What they said stays on the project."""
    locked = _locked(project)
    _require_manage(by, locked.org)
    removed, _detail = ProjectSupervisor.objects.filter(project=locked, person=person).delete()
    if not removed:
        raise ValidationError({"person": _("%(name)s 不是本项目的监督员") % {"name": person.name}})
    audit_record(by=by, action=AuditAction.PROJECT_SAVED, obj=locked,
                 changes={"supervisor_removed": person.pk})


@transaction.atomic
def supervisor_comment(*, by, project: Project, text: str, milestone: Milestone | None = None,
                       confirms: bool = False, person: Person | None = None) -> SupervisorComment:
    """A supervisor's comment on the project; with ``confirms``, the confirmation that a
    milestone staff marked done is really done. A supervisor who finds it not done says so in a
    comment on that milestone instead.

    The supervisor acts as themselves: the account's person. Only the system (``by=None``, the
    demo data) names the ``person``. The same comment sent twice (a double tap) is kept once.
    """
    if by is not None:
        own = by.person if getattr(by, "person_id", None) else None
        if own is None or (person is not None and person.pk != own.pk):
            raise PermissionError(_("只能以本人身份提出监督意见"))
        person = own
    if person is None:
        raise ValidationError({"person": _("请指定监督员")})
    # The appointment's row orders two sends by the same supervisor.
    link = ProjectSupervisor.objects.select_for_update().filter(project=project, person=person).first()
    if link is None:
        raise PermissionError(_("只有本项目的群众监督员可以提出监督意见"))
    if milestone is not None:
        # Locked, so that it is not undone between the check below and the confirmation.
        milestone = Milestone.objects.select_for_update().filter(pk=milestone.pk, project=project).first()
        if milestone is None:
            raise ValidationError({"milestone": _("该节点不属于本项目")})
    text = _text(text)
    if confirms:
        if milestone is None:
            raise ValidationError({"milestone": _("请选择要确认的节点")})
        if milestone.done_on is None:
            raise ValidationError({"milestone": _("该节点尚未标记完成，不能确认；如有意见请直接留言")})
        if milestone.comments.filter(person=person, confirms=True).exists():
            raise ProjectConflict(_("您已确认过该节点"))
        text = text or _("确认该节点已完成")
    if not text:
        raise ValidationError({"text": _("请填写监督意见")})
    if len(text) > COMMENT_MAX:
        raise ValidationError({"text": _("监督意见不能超过 %(n)d 字") % {"n": COMMENT_MAX}})
    last = SupervisorComment.objects.filter(project=project, person=person).order_by("-at", "-id").first()
    if last is not None and (last.text, last.milestone_id, last.confirms) == (
            text, milestone.pk if milestone else None, confirms):
        return last
    comment = SupervisorComment.objects.create(project=project, person=person, milestone=milestone,
                                               confirms=confirms, text=text)
    audit_record(by=by, action=AuditAction.SUPERVISOR_COMMENTED, obj=project, changes={
        "person": person.pk, "milestone": milestone.pk if milestone else None, "confirms": confirms,
        "chars": len(text)})
    return comment
