"""Reads on livelihood projects (民生实事), always within what the account may see: the list with
its progress, the counts for a subtree, one project with its milestones, supervisors and their
comments, the residents who may be appointed, and a supervisor's own projects.

Progress = done weight / total weight of the milestones, as a whole percentage (rounded down,
so a project shows 100% only when every milestone is done), computed in SQL.
"""

from __future__ import annotations

from datetime import date

from django.db.models import (
    Case, Count, Exists, F, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum, Value, When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from tongxin.accounts.selectors import scope_filter, scope_paths
from tongxin.orgs.models import Org
from tongxin.people.models import Person
from tongxin.people.selectors import ancestor_paths, search_q

from ..models import Milestone, Project, ProjectStatus, ProjectSupervisor, SupervisorComment
from ..permissions import VIEW_ROLES
from ..services.projects import area_path

NOTHING = Q(pk__in=[])
OPEN_STATUSES = (ProjectStatus.PLANNED, ProjectStatus.IN_PROGRESS)

PROJECT_SORTS = {
    "-created": ("-created_at", "-id"),
    "due": (F("due_on").asc(nulls_last=True), "id"),
    "progress": ("progress", "id"),
    "-progress": ("-progress", "id"),
    "title": ("title", "id"),
}


def within_or_above_q(user, field: str = "org_path") -> Q:
    """Rows in the subtrees where the account holds a viewing role (staff, superiors), and rows
    of the places above them: a grid worker reads the projects of their community and street,
    and can tell residents how they stand."""
    condition = scope_filter(user, VIEW_ROLES, field=field)
    if condition is None:
        return NOTHING
    above = sorted({path for scope in scope_paths(user, VIEW_ROLES) for path in ancestor_paths(scope)})
    return condition | Q(**{f"{field}__in": above})


def is_project_viewer(user) -> bool:
    return bool(scope_paths(user, VIEW_ROLES))


def project_visible_q(user) -> Q:
    """Projects the account may read: those of its staff or superior scopes (and above), and
    those it supervises."""
    condition = within_or_above_q(user)
    if getattr(user, "person_id", None):
        # A subquery, not a join: a join to the supervisors would repeat a project per supervisor.
        condition |= Q(pk__in=ProjectSupervisor.objects.filter(person_id=user.person_id).values("project_id"))
    return condition


def _weight(*, done: bool) -> Coalesce:
    milestones = Milestone.objects.filter(project=OuterRef("pk"))
    if done:
        milestones = milestones.filter(done_on__isnull=False)
    total = milestones.order_by().values("project").annotate(w=Sum("weight")).values("w")
    return Coalesce(Subquery(total, output_field=IntegerField()), Value(0))


def _count(model, **conditions) -> Coalesce:
    rows = model.objects.filter(project=OuterRef("pk"), **conditions).order_by().values("project")
    return Coalesce(Subquery(rows.annotate(n=Count("pk")).values("n"), output_field=IntegerField()), Value(0))


def overdue_q(today: date | None = None) -> Q:
    """Not done, and past its planned date or with a milestone past its own."""
    today = today or timezone.localdate()
    late_milestone = Milestone.objects.filter(project=OuterRef("pk"), done_on__isnull=True, due_on__lt=today)
    return Q(status__in=OPEN_STATUSES) & (Q(due_on__lt=today) | Q(Exists(late_milestone)))


def with_progress(qs: QuerySet[Project]) -> QuerySet[Project]:
    """Annotate ``total_weight``, ``done_weight``, ``progress`` (0–100), ``milestone_count``,
    ``milestones_done``, ``supervisor_count`` and ``is_overdue``, each a correlated subquery
    (no join to multiply rows)."""
    return qs.annotate(
        total_weight=_weight(done=False), done_weight=_weight(done=True),
        milestone_count=_count(Milestone), milestones_done=_count(Milestone, done_on__isnull=False),
        supervisor_count=_count(ProjectSupervisor),
    ).annotate(
        progress=Case(When(total_weight=0, then=Value(0)),
                      default=F("done_weight") * 100 / F("total_weight"), output_field=IntegerField()),
        is_overdue=Case(When(overdue_q(), then=Value(True)), default=Value(False)),
    )


def _filtered(*, user, org: Org | None, campaign, q: str, status: str, overdue: bool,
              supervised: str) -> QuerySet[Project]:
    qs = Project.objects.filter(project_visible_q(user))
    if org is not None:
        qs = qs.filter(org_path__startswith=org.path)
    if campaign is not None:
        qs = qs.filter(campaign=campaign)
    q = q.strip()
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(owner__icontains=q))
    if status:
        qs = qs.filter(status=status)
    if overdue:
        qs = qs.filter(overdue_q())
    has_supervisor = Exists(ProjectSupervisor.objects.filter(project=OuterRef("pk")))
    if supervised == "yes":
        qs = qs.filter(has_supervisor)
    elif supervised == "no":
        qs = qs.filter(~has_supervisor)
    return qs


def project_list(*, user, org: Org | None = None, campaign=None, q: str = "", status: str = "",
                 overdue: bool = False, supervised: str = "", sort: str = "-created") -> QuerySet[Project]:
    qs = _filtered(user=user, org=org, campaign=campaign, q=q, status=status, overdue=overdue,
                   supervised=supervised)
    return with_progress(qs).select_related("org").order_by(*PROJECT_SORTS.get(sort, PROJECT_SORTS["-created"]))


def project_counts(*, user, org: Org | None = None, campaign=None, q: str = "", overdue: bool = False,
                   supervised: str = "") -> dict:
    """For the projects the account sees under the filters (every status): ``total``,
    ``planned``, ``in_progress``, ``done``, ``overdue``, ``with_supervisors`` (projects with at
    least one supervisor) and ``supervisors`` (distinct residents appointed). Two aggregate
    queries."""
    qs = _filtered(user=user, org=org, campaign=campaign, q=q, status="", overdue=overdue,
                   supervised=supervised).order_by()
    has_supervisor = Exists(ProjectSupervisor.objects.filter(project=OuterRef("pk")))
    counts = qs.aggregate(
        total=Count("pk"),
        planned=Count("pk", filter=Q(status=ProjectStatus.PLANNED)),
        in_progress=Count("pk", filter=Q(status=ProjectStatus.IN_PROGRESS)),
        done=Count("pk", filter=Q(status=ProjectStatus.DONE)),
        overdue=Count("pk", filter=overdue_q()),
        with_supervisors=Count("pk", filter=Q(has_supervisor)),
    )
    counts["supervisors"] = (ProjectSupervisor.objects.filter(project__in=qs.values("pk"))
                             .aggregate(n=Count("person", distinct=True))["n"])
    return counts


def project_get_visible(*, user, pk: int) -> Project | None:
    return (with_progress(Project.objects.filter(project_visible_q(user), pk=pk))
            .select_related("org", "campaign", "source_voice").first())


def project_milestones(project: Project) -> list[Milestone]:
    """The milestones in order, each with ``confirmations`` (supervisor comments that confirm
    it) and ``is_overdue``."""
    today = timezone.localdate()
    confirmations = SupervisorComment.objects.filter(confirms=True).select_related("person").order_by("at", "id")
    return list(project.milestones.annotate(
        is_overdue=Case(When(done_on__isnull=True, due_on__lt=today, then=Value(True)), default=Value(False)),
    ).prefetch_related(Prefetch("comments", queryset=confirmations, to_attr="confirmations")))


def project_supervisors(project: Project) -> list[ProjectSupervisor]:
    """The appointed supervisors, with ``comment_count``."""
    said = SupervisorComment.objects.filter(project=project, person=OuterRef("person")).order_by().values("person")
    return list(project.supervisor_links.select_related("person__org").annotate(
        comment_count=Coalesce(Subquery(said.annotate(n=Count("pk")).values("n"), output_field=IntegerField()),
                               Value(0)),
    ).order_by("appointed_on", "id"))


def project_comments(project: Project) -> list[SupervisorComment]:
    return list(project.comments.select_related("person", "milestone").order_by("-at", "-id"))


def supervisor_candidates(project: Project, q: str, limit: int = 20) -> list[Person]:
    """Residents of the project's community (in the registry, active, not yet appointed) who
    match the search: name, pinyin initials or the last four digits of the phone."""
    if not q.strip():
        return []
    appointed = ProjectSupervisor.objects.filter(project=project).values("person_id")
    return list(Person.objects.filter(search_q(q), org_path__startswith=area_path(project.org), is_active=True)
                .exclude(pk__in=appointed).select_related("org").order_by("name_initials", "id")[:limit])


def supervised_by(person: Person) -> QuerySet[Project]:
    """The projects the person supervises, with their progress and ``to_confirm``: milestones
    done that they have not confirmed yet."""
    confirmed = SupervisorComment.objects.filter(milestone=OuterRef("pk"), person=person, confirms=True)
    waiting = (Milestone.objects.filter(project=OuterRef("pk"), done_on__isnull=False)
               .exclude(Exists(confirmed)).order_by().values("project").annotate(n=Count("pk")).values("n"))
    return (with_progress(Project.objects.filter(supervisor_links__person=person))
            .annotate(to_confirm=Coalesce(Subquery(waiting, output_field=IntegerField()), Value(0)))
            .select_related("org").order_by(Case(When(status=ProjectStatus.DONE, then=Value(1)), default=Value(0)),
                                            "-created_at", "-id"))


def supervisor_link(project: Project, person_id: int | None) -> ProjectSupervisor | None:
    if not person_id:
        return None
    return ProjectSupervisor.objects.filter(project=project, person_id=person_id).first()

