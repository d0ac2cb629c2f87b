"""Pages of sessions: the list and the calendar, a session with its figures, the forms to hold
one and to change it, opening and closing check-in. The QR screen and the scan page are in
``checkin``, the attendance list, roster and sign-in sheet in ``attendance``, the timetable and
"this week" in ``schedule``.

Pages only read through selectors and write through services. Staff-only pages answer 404 for a
session the account may not see and 403 for one it may see but not run.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tongxin.accounts.selectors import has_role_over
from tongxin.core.forms import add_service_errors
from tongxin.orgs.models import Org

from ..forms.sessions import SessionForm, session_orgs_for
from ..models import AttendanceMethod, ScheduleItem, Session, SessionKind
from ..permissions import SESSION_VIEW_ROLES
from ..selectors.sessions import (
    attendance_by_method, attendance_count, session_get_visible, session_list, session_month,
)
from ..services.attendance import OPEN_BEFORE, checkin_state
from ..services.sessions import session_close, session_create, session_open, session_update
from .filters import campaign_param


# --- Helpers the session pages share --------------------------------------------------------------

def visible_session(request, pk: int) -> Session:
    session = session_get_visible(user=request.user, pk=pk)
    if session is None:
        raise Http404
    return session


def managed_session(request, pk: int) -> Session:
    session = visible_session(request, pk)
    if not request.user.has_perm("learning.manage_sessions", session.org):
        raise PermissionDenied
    return session


def org_from_query(request, *, perm_roles=SESSION_VIEW_ROLES) -> Org | None:
    code = request.GET.get("org", "").strip()
    if not code:
        return None
    org = get_object_or_404(Org, code=code)
    if not has_role_over(request.user, perm_roles, org.path):
        raise PermissionDenied
    return org


def query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def by_method(session: Session) -> list[tuple[str, int]]:
    counts = attendance_by_method(session=session)
    return [(label, counts[value]) for value, label in AttendanceMethod.choices if counts.get(value)]


# --- Sessions: list, calendar, detail, create, edit, open, close -----------------------------------

@login_required
def session_list_view(request):
    org = org_from_query(request)
    campaign = campaign_param(request)
    when = request.GET.get("when", "upcoming")
    kind = request.GET.get("kind", "") if request.GET.get("kind") in SessionKind.values else ""
    start_of_today = timezone.make_aware(datetime.combine(timezone.localdate(), datetime.min.time()))
    qs = session_list(user=request.user, org=org, campaign=campaign, kind=kind)
    if when == "past":
        qs = qs.filter(ends_at__lt=start_of_today).order_by("-starts_at")
    elif when == "all":
        qs = qs.order_by("-starts_at")
    else:
        when = "upcoming"  # a session still running past midnight stays here until it ends
        qs = qs.filter(ends_at__gte=start_of_today).order_by("starts_at")
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render(request, "learning/session_list.html", {
        "page": page, "org": org, "campaign": campaign, "when": when, "kind": kind, "kinds": SessionKind.choices,
        "query": query_without_page(request), "can_create": session_orgs_for(request.user).exists(),
    })


@login_required
def session_calendar(request):
    org = org_from_query(request)
    campaign = campaign_param(request)
    today = timezone.localdate()
    try:
        year, month = (int(x) for x in request.GET.get("month", "").split("-"))
        date(year, month, 1)
    except ValueError:
        year, month = today.year, today.month
    first = date(year, month, 1)
    previous = (first - timedelta(days=1)).replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    query = request.GET.copy()
    query.pop("month", None)
    weeks = session_month(user=request.user, year=year, month=month, org=org, campaign=campaign)
    return render(request, "learning/session_calendar.html", {
        "weeks": weeks, "has_sessions": any(cell.sessions for week in weeks for cell in week),
        "first": first, "previous": previous, "following": following, "org": org, "campaign": campaign,
        "query": query.urlencode(),
        "weekdays": [label for _d, label in ScheduleItem._meta.get_field("weekday").choices],
    })


@login_required
def session_detail(request, pk: int):
    session = visible_session(request, pk)
    can_manage = request.user.has_perm("learning.manage_sessions", session.org)
    mine = None
    if request.user.person_id:
        mine = session.attendances.filter(person_id=request.user.person_id).first()
    return render(request, "learning/session_detail.html", {
        "session": session, "can_manage": can_manage, "mine": mine,
        "count": attendance_count(session=session), "by_method": by_method(session),
        "state": checkin_state(session, timezone.now()),
        "opens_at": session.starts_at - OPEN_BEFORE,
    })


@login_required
def session_create_view(request):
    if not session_orgs_for(request.user).exists():
        raise PermissionDenied
    initial = {}
    item_id = request.GET.get("item", "")
    if item_id.isdigit():
        # "Plan this week's session" from a timetable slot: the next day the slot falls on.
        item = ScheduleItem.objects.filter(pk=item_id).select_related("org").first()
        if item is not None and request.user.has_perm("learning.manage_sessions", item.org):
            today = timezone.localdate()
            initial = {"org": item.org, "kind": item.kind, "topic": item.topic, "place": item.place,
                       "day": today + timedelta(days=(item.weekday - today.weekday()) % 7),
                       "starts_at": item.starts_at, "ends_at": item.ends_at, "campaign": item.campaign}
    form = SessionForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        starts_at, ends_at = form.period()
        try:
            session = session_create(
                by=request.user, org=d["org"], kind=d["kind"], topic=d["topic"], speaker=d["speaker"],
                speaker_role=d["speaker_role"], place=d["place"], outreach_place=d["outreach_place"],
                starts_at=starts_at, ends_at=ends_at, capacity=d["capacity"], campaign=d["campaign"])
        except ValidationError as error:
            add_service_errors(form, error)
        except PermissionError as error:
            form.add_error("org", str(error))
        else:
            messages.success(request, _("已安排：%(topic)s") % {"topic": session.topic})
            return redirect("learning:session_detail", pk=session.pk)
    return render(request, "learning/session_form.html", {"form": form, "title": _("安排学习活动")})


@login_required
def session_edit_view(request, pk: int):
    session = managed_session(request, pk)
    local_start, local_end = timezone.localtime(session.starts_at), timezone.localtime(session.ends_at)
    initial = {"kind": session.kind, "topic": session.topic, "speaker": session.speaker,
               "speaker_role": session.speaker_role, "outreach_place": session.outreach_place,
               "place": session.place, "day": local_start.date(), "starts_at": local_start.time(),
               "ends_at": local_end.time(), "capacity": session.capacity, "campaign": session.campaign}
    form = SessionForm(request.POST or None, user=request.user, editing=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        starts_at, ends_at = form.period()
        try:
            session_update(by=request.user, session=session, kind=d["kind"], topic=d["topic"], speaker=d["speaker"],
                           speaker_role=d["speaker_role"], place=d["place"], outreach_place=d["outreach_place"],
                           starts_at=starts_at, ends_at=ends_at, capacity=d["capacity"], campaign=d["campaign"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("已保存"))
            return redirect("learning:session_detail", pk=session.pk)
    return render(request, "learning/session_form.html", {
        "form": form, "title": _("修改：%(topic)s") % {"topic": session.topic}, "session": session})


def _move_view(request, pk: int, service, done: str):
    session = managed_session(request, pk)
    try:
        service(by=request.user, session=session)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, done)
    target = request.POST.get("next", "")
    if target == "qr":
        return redirect("learning:session_qr", pk=session.pk)
    return redirect("learning:session_detail", pk=session.pk)


@login_required
@require_POST
def session_open_view(request, pk: int):
    return _move_view(request, pk, session_open, _("已开放签到"))


@login_required
@require_POST
def session_close_view(request, pk: int):
    return _move_view(request, pk, session_close, _("活动已结束，签到已关闭"))
