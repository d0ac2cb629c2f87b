"""Reads on the problem list (问题清单), within what the account may see: the list, the counts
the reports quote ("梳理形成问题清单20项，已完成整改18个，正在整改2个"), one item with its phases
and its history."""

from __future__ import annotations

from datetime import date

from django.db.models import Case, Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from tongxin.core.audit import AuditAction
from tongxin.core.models import AuditEntry
from tongxin.orgs.models import Org

from ..models import Rectification, RectificationMode, RectificationPhase, RectificationStatus
from ..services.rectifications import RectificationEvent
from .projects import within_or_above_q

S = RectificationStatus

RECTIFICATION_SORTS = {
    "-created": ("-created_at", "-id"),
    "due": (F("due_on").asc(nulls_last=True), "id"),
    "status": (Case(When(status=S.OPEN, then=Value(0)), When(status=S.IN_PROGRESS, then=Value(1)), default=Value(2)),
               F("due_on").asc(nulls_last=True), "id"),
    "item": ("item", "id"),
}


def overdue_q(today: date | None = None) -> Q:
    """Not fixed, and past its due date or with a phase not done past the phase's."""
    today = today or timezone.localdate()
    late_phase = RectificationPhase.objects.filter(rectification=OuterRef("pk"), done_on__isnull=True,
                                                   due_on__lt=today)
    return ~Q(status=S.FIXED) & (Q(due_on__lt=today) | Q(Exists(late_phase)))


def _phase_count(**conditions) -> Coalesce:
    rows = (RectificationPhase.objects.filter(rectification=OuterRef("pk"), **conditions).order_by()
            .values("rectification").annotate(n=Count("pk")).values("n"))
    return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))


def _filtered(*, user, org: Org | None, campaign, q: str, status: str, mode: str, source: str,
              overdue: bool) -> QuerySet[Rectification]:
    qs = Rectification.objects.filter(within_or_above_q(user))
    if org is not None:
        qs = qs.filter(org_path__startswith=org.path)
    if campaign is not None:
        qs = qs.filter(campaign=campaign)
    q = q.strip()
    if q:
        qs = qs.filter(Q(item__icontains=q) | Q(owner__icontains=q))
    if status:
        qs = qs.filter(status=status)
    if mode:
        qs = qs.filter(mode=mode)
    if source:
        qs = qs.filter(source=source)
    if overdue:
        qs = qs.filter(overdue_q())
    return qs


def _annotated(qs: QuerySet[Rectification]) -> QuerySet[Rectification]:
    return qs.annotate(phase_count=_phase_count(), phases_done=_phase_count(done_on__isnull=False),
                       is_overdue=Case(When(overdue_q(), then=Value(True)), default=Value(False)))


def rectification_list(*, user, org: Org | None = None, campaign=None, q: str = "", status: str = "",
                       mode: str = "", source: str = "", overdue: bool = False,
                       sort: str = "-created") -> QuerySet[Rectification]:
    """Items with ``phase_count``, ``phases_done`` and ``is_overdue`` annotated."""
    qs = _filtered(user=user, org=org, campaign=campaign, q=q, status=status, mode=mode, source=source,
                   overdue=overdue)
    return (_annotated(qs).select_related("org")
            .order_by(*RECTIFICATION_SORTS.get(sort, RECTIFICATION_SORTS["-created"])))


def rectification_counts(*, user, org: Org | None = None, campaign=None, q: str = "", mode: str = "",
                         source: str = "", overdue: bool = False) -> dict:
    """For the items the account sees under the filters (every status), in one aggregate query:
    ``total``, ``fixed``, ``in_progress``, ``open``, ``immediate``, ``phased``, ``overdue``."""
    qs = _filtered(user=user, org=org, campaign=campaign, q=q, status="", mode=mode, source=source,
                   overdue=overdue).order_by()
    return qs.aggregate(
        total=Count("pk"),
        fixed=Count("pk", filter=Q(status=S.FIXED)),
        in_progress=Count("pk", filter=Q(status=S.IN_PROGRESS)),
        open=Count("pk", filter=Q(status=S.OPEN)),
        immediate=Count("pk", filter=Q(mode=RectificationMode.IMMEDIATE)),
        phased=Count("pk", filter=Q(mode=RectificationMode.PHASED)),
        overdue=Count("pk", filter=overdue_q()),
    )


def rectification_get_visible(*, user, pk: int) -> Rectification | None:
    return (_annotated(Rectification.objects.filter(within_or_above_q(user), pk=pk))
            .select_related("org", "campaign", "source_voice").first())


def rectification_phases(rectification: Rectification) -> list[RectificationPhase]:
    """The phases in order, each with ``is_overdue`` and ``is_next`` (the first not done: the
    one to tick next)."""
    today = timezone.localdate()
    phases = list(rectification.phases.annotate(
        is_overdue=Case(When(done_on__isnull=True, due_on__lt=today, then=Value(True)), default=Value(False))))
    waiting = next((phase for phase in phases if phase.done_on is None), None)
    for phase in phases:
        phase.is_next = phase is waiting
    return phases


def rectification_history(rectification: Rectification) -> list[dict]:
    """What happened to the item, oldest first, from its audit entries: ``at``, ``who``,
    ``event`` (its label) and ``note``."""
    entries = (AuditEntry.objects.filter(action=AuditAction.RECTIFICATION_SAVED,
                                         object_type=Rectification._meta.label_lower,
                                         object_id=str(rectification.pk))
               .select_related("actor__person").order_by("at", "id"))
    history = []
    for entry in entries:
        event = entry.changes.get("event", "")
        label = RectificationEvent(event).label if event in RectificationEvent.values else event
        if event == RectificationEvent.PHASE_DONE:
            label = _("%(event)s（第 %(n)s 阶段）") % {"event": label, "n": entry.changes.get("phase")}
        history.append({"at": entry.at, "who": entry.actor.display_name if entry.actor else entry.actor_name,
                        "event": label, "note": entry.changes.get("note", "")})
    return history
