"""Each unit's compliance with the required actions (规定动作): see ``compliance``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import F, Q, Window
from django.db.models.functions import RowNumber
from django.utils import timezone
from django.utils.translation import gettext_lazy

from tongxin.accounts.selectors import scope_paths
from tongxin.learning.models import Delivery, Session
from tongxin.orgs.models import Org, OrgKind
from tongxin.people.selectors import ancestor_paths

from ..models import Campaign, CampaignTask, ProofKind, TaskCompletion
from ..permissions import VIEW_ROLES, may_view_compliance
from .tasks import UNIT_KINDS, task_applies_to

DONE, OVERDUE, PENDING = "done", "overdue", "pending"
STATE_LABELS = {DONE: gettext_lazy("已完成"), OVERDUE: gettext_lazy("逾期"), PENDING: gettext_lazy("未到期")}


@dataclass(frozen=True)
class Proof:
    """What proves a unit did an action. ``kind`` is a ``ProofKind``; ``record_id`` is the
    Session's, the Delivery's, or (for a report) the TaskCompletion's id. ``completion_id`` is set
    when someone recorded the completion by hand; else the proof was found in the records."""

    kind: str
    record_id: int
    on: date
    completion_id: int | None = None

    @property
    def derived(self) -> bool:
        return self.completion_id is None

    @property
    def kind_label(self) -> str:
        return str(ProofKind(self.kind).label)

    @property
    def link_kind(self) -> str:
        """What the proof page shows: the recorded completion (with its report), else the record."""
        return "completion" if self.completion_id else self.kind

    @property
    def link_id(self) -> int:
        return self.completion_id or self.record_id


@dataclass
class Cell:
    task: CampaignTask
    applies: bool
    state: str = ""
    proof: Proof | None = None
    late: bool = False  # recorded by hand with a date after the due date

    @property
    def state_label(self) -> str:
        return str(STATE_LABELS.get(self.state, ""))


@dataclass
class UnitRow:
    org: Org
    cells: list[Cell]
    required: int = 0
    done: int = 0
    overdue: int = 0
    pending: int = 0

    @property
    def applicable(self) -> list[Cell]:
        return [c for c in self.cells if c.applies]

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.required) if self.required else 0


@dataclass
class Compliance:
    campaign: Campaign
    org: Org
    tasks: list[CampaignTask]
    rows: list[UnitRow]
    today: date

    @property
    def totals(self) -> dict[str, int]:
        return {name: sum(getattr(r, name) for r in self.rows) for name in ("required", "done", "overdue", "pending")}


COMPLIANCE_SORTS = ("path", "overdue", "name")


def _rows_for(campaign: Campaign, parent: Org) -> tuple[list[Org], str]:
    """The units of the table under ``parent`` and the path all their records lie under.

    The rows are the communities, villages and units in ``parent``'s subtree (``parent`` itself
    included) that lie in the campaign's scope. When ``parent`` lies *inside* one of them (a grid
    or a building of a community, a branch of a unit), the row is that community, village or
    unit: actions are done by communities, not by grids, and a grid worker sees how their
    community stands. An org above the scope (a superior's district) shows the whole scope.
    """
    orgs = list(
        Org.objects.filter(Q(path__startswith=parent.path) | Q(pk__in=parent.ancestor_ids),
                           path__startswith=campaign.scope_path, kind__in=UNIT_KINDS)
    )
    inside = [o for o in orgs if o.path.startswith(parent.path)]
    if parent.kind in UNIT_KINDS or not any(o.pk in parent.ancestor_ids for o in orgs):
        base = parent.path if len(parent.path) >= len(campaign.scope_path) else campaign.scope_path
        return sorted(inside, key=lambda o: o.path), base
    enclosing = max((o for o in orgs if o.pk in parent.ancestor_ids), key=lambda o: len(o.path))
    return [enclosing], enclosing.path


def compliance_base_path(campaign: Campaign, org: Org) -> str:
    """The path under which every record of ``org``'s compliance table lies."""
    return _rows_for(campaign, org)[1]


Earliest = dict[tuple[str, str], tuple[datetime, int]]


def _fold(records: Iterable[tuple[str, str, datetime, int]], unit_paths: set[str]) -> Earliest:
    """``{(unit path, kind): (when, id)}``: the earliest record in each unit's subtree, per kind
    and for any kind (``""``), from rows already reduced in SQL to one per (org path, kind)."""
    earliest: Earliest = {}
    for path, kind, when, pk in records:
        for prefix in ancestor_paths(path):
            if prefix not in unit_paths:
                continue
            for key in {(prefix, kind), (prefix, "")}:
                current = earliest.get(key)
                if current is None or (when, pk) < current:
                    earliest[key] = (when, pk)
    return earliest


def _first_sessions(campaign: Campaign, base: str, now: datetime) -> list[tuple[str, str, datetime, int]]:
    """The first session held so far per (org path, kind), in the subtree: one row per group."""
    first = Window(RowNumber(), partition_by=[F("org_path"), F("kind")], order_by=[F("starts_at").asc(), F("id").asc()])
    return list(
        Session.objects.filter(campaign=campaign, org_path__startswith=base, starts_at__lte=now)
        .annotate(rank=first).filter(rank=1).values_list("org_path", "kind", "starts_at", "id")
    )


def _first_deliveries(campaign: Campaign, base: str, now: datetime, *, by_branch: bool) -> list:
    """The first delivery per place of the person (and, for units, per branch of the member)."""
    rows = []
    groupings = ["person__org_path"] + (["person__party_member__branch__path"] if by_branch else [])
    for path_field in groupings:
        first = Window(RowNumber(), partition_by=[F(path_field)],
                       order_by=[F("delivered_at").asc(), F("id").asc()])
        rows += [
            (path, "", when, pk) for path, when, pk in
            Delivery.objects.filter(campaign=campaign, delivered_at__lte=now, **{f"{path_field}__startswith": base})
            .annotate(rank=first).filter(rank=1).values_list(path_field, "delivered_at", "id")
        ]
    return rows


def _explicit_proof(completion: TaskCompletion) -> Proof:
    if completion.session_id:
        return Proof(ProofKind.SESSION, completion.session_id, completion.completed_on, completion.pk)
    if completion.delivery_id:
        return Proof(ProofKind.DELIVERY, completion.delivery_id, completion.completed_on, completion.pk)
    return Proof(ProofKind.REPORT, completion.pk, completion.completed_on, completion.pk)


def compliance(campaign: Campaign, parent_org: Org, *, sort: str = "path", today: date | None = None) -> Compliance:
    """Each unit under ``parent_org`` (see ``_rows_for``) against each required action that
    applies to it: **done**, **overdue** (not done and the due date has passed) or **pending**.

    An action is done by a unit when

    1. a ``TaskCompletion`` records it for that unit (with a session, a delivery or a report) —
       whatever its date; one dated after the due date is marked ``late``; or, failing that,
    2. for an action proved by a session: a session of the campaign organised in the unit's
       subtree, of the action's ``session_kind`` (any kind if blank), that has started by now and
       started on or before the due date; the earliest such session is the proof;
    3. for an action proved by a delivery: a delivery of the campaign, made by now and on or
       before the due date, to a person living in the unit's subtree or (for units, whose members
       live elsewhere) to a member of one of its branches;
    4. an action proved by a report is done only by a recorded completion.

    Rows are the units to which at least one required action applies, in tree order, by most
    overdue (``sort="overdue"``) or by name. The number of queries does not grow with the number
    of units: the orgs, the actions, the completions, and the first session / delivery per org
    path (reduced in SQL with a window function); prefixes are matched over those reduced rows.
    """
    today = today or timezone.localdate()
    now = timezone.now()
    orgs, base = _rows_for(campaign, parent_org)
    tasks = list(campaign.tasks.filter(required=True).select_related("org").order_by("due_on", "title", "id"))
    applicable = {org.pk: [task_applies_to(t, org) for t in tasks] for org in orgs}
    orgs = [org for org in orgs if any(applicable[org.pk])]
    columns = [i for i in range(len(tasks)) if any(applicable[o.pk][i] for o in orgs)]
    tasks = [tasks[i] for i in columns]
    applicable = {pk: [flags[i] for i in columns] for pk, flags in applicable.items()}
    unit_paths = {org.path for org in orgs}

    completions = {}
    sessions: Earliest = {}
    deliveries: Earliest = {}
    if orgs and tasks:
        completions = {
            (c.task_id, c.org_id): c for c in
            TaskCompletion.objects.filter(task__campaign=campaign, task__required=True, org__path__startswith=base)
            .only("id", "task_id", "org_id", "completed_on", "session_id", "delivery_id")
        }
        if any(t.proof_kind == ProofKind.SESSION for t in tasks):
            sessions = _fold(_first_sessions(campaign, base, now), unit_paths)
        if any(t.proof_kind == ProofKind.DELIVERY for t in tasks):
            by_branch = any(o.kind == OrgKind.UNIT for o in orgs)
            deliveries = _fold(_first_deliveries(campaign, base, now, by_branch=by_branch), unit_paths)

    rows = []
    for org in orgs:
        row = UnitRow(org=org, cells=[])
        for task, applies in zip(tasks, applicable[org.pk]):
            cell = Cell(task=task, applies=applies)
            row.cells.append(cell)
            if not applies:
                continue
            row.required += 1
            completion = completions.get((task.pk, org.pk))
            if completion is not None:
                cell.proof = _explicit_proof(completion)
                cell.late = completion.completed_on > task.due_on
            else:
                found = None
                if task.proof_kind == ProofKind.SESSION:
                    found = sessions.get((org.path, task.session_kind or ""))
                elif task.proof_kind == ProofKind.DELIVERY:
                    found = deliveries.get((org.path, ""))
                if found is not None and timezone.localdate(found[0]) <= task.due_on:
                    cell.proof = Proof(task.proof_kind, found[1], timezone.localdate(found[0]))
            if cell.proof is not None:
                cell.state = DONE
                row.done += 1
            elif task.due_on < today:
                cell.state = OVERDUE
                row.overdue += 1
            else:
                cell.state = PENDING
                row.pending += 1
        rows.append(row)
    if sort == "overdue":
        rows.sort(key=lambda r: (-r.overdue, -(r.required - r.done), r.org.path))
    elif sort == "name":
        rows.sort(key=lambda r: (r.org.name, r.org.path))
    return Compliance(campaign=campaign, org=parent_org, tasks=tasks, rows=rows, today=today)


def compliance_default_org(user, campaign: Campaign) -> Org | None:
    """Where the compliance page opens: the campaign's scope for those who see it, else the
    account's own scope inside the campaign (a community worker's community)."""
    if may_view_compliance(user, campaign, campaign.scope):
        return campaign.scope
    paths = sorted((p for p in scope_paths(user, VIEW_ROLES) if p.startswith(campaign.scope_path)), key=len)
    for org in sorted(Org.objects.filter(path__in=paths), key=lambda o: len(o.path)):
        if may_view_compliance(user, campaign, org):
            return org
    return None
