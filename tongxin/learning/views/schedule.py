"""The weekly timetable (学习课表) of an org and its forms, and "this week" of a member or resident."""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from tongxin.accounts.selectors import scope_paths
from tongxin.core.forms import add_service_errors
from tongxin.orgs.models import Org

from ..forms.sessions import ScheduleItemForm, session_orgs_for
from ..models import ScheduleItem
from ..permissions import SESSION_VIEW_ROLES
from ..selectors.sessions import schedule_for, this_week_for, week_start
from ..services.sessions import schedule_item_create, schedule_item_update
from .sessions import org_from_query


def _parse_day(value: str, default: date) -> date:
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        return default


@login_required
def schedule_view(request):
    org = org_from_query(request)
    if org is None:
        # The first org the account runs, else the top of what it may look at (a superior's district).
        org = session_orgs_for(request.user).first()
        if org is None:
            paths = sorted(scope_paths(request.user, SESSION_VIEW_ROLES))
            org = Org.objects.filter(path=paths[0]).first() if paths else None
        if org is None:
            if request.user.person_id:
                # A member or resident: their timetable is the week of the places above them.
                return redirect("learning:this_week")
            raise PermissionDenied
    orgs = list(session_orgs_for(request.user)) or [org]
    return render(request, "learning/schedule.html", {
        "org": org, "days": schedule_for(org=org), "orgs": orgs if org in orgs else [org] + orgs,
        "can_manage": request.user.has_perm("learning.manage_sessions", org),
    })


@login_required
def schedule_create_view(request):
    if not session_orgs_for(request.user).exists():
        raise PermissionDenied
    org_code = request.GET.get("org", "")
    initial = {"org": Org.objects.filter(code=org_code).first()} if org_code else {}
    form = ScheduleItemForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            item = schedule_item_create(by=request.user, org=d["org"], weekday=d["weekday"], starts_at=d["starts_at"],
                                        ends_at=d["ends_at"], topic=d["topic"], kind=d["kind"], place=d["place"],
                                        campaign=d["campaign"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("已加入学习课表"))
            return redirect(f"{reverse('learning:schedule')}?org={item.org.code}")
    return render(request, "learning/schedule_form.html", {"form": form, "title": _("新增课表")})


@login_required
def schedule_edit_view(request, pk: int):
    item = get_object_or_404(ScheduleItem.objects.select_related("org"), pk=pk)
    if not request.user.has_perm("learning.manage_sessions", item.org):
        raise PermissionDenied
    initial = {"weekday": item.weekday, "starts_at": item.starts_at, "ends_at": item.ends_at, "kind": item.kind,
               "topic": item.topic, "place": item.place, "campaign": item.campaign, "active": item.active}
    form = ScheduleItemForm(request.POST or None, user=request.user, editing=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            schedule_item_update(by=request.user, item=item, weekday=d["weekday"], starts_at=d["starts_at"],
                                 ends_at=d["ends_at"], topic=d["topic"], kind=d["kind"], place=d["place"],
                                 campaign=d["campaign"], active=d["active"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("已保存"))
            return redirect(f"{reverse('learning:schedule')}?org={item.org.code}")
    return render(request, "learning/schedule_form.html", {
        "form": form, "title": _("修改课表：%(topic)s") % {"topic": item.topic}, "item": item})


@login_required
def this_week_view(request):
    """The week of a member or resident: the timetable of the places above them and of their
    branch, and the sessions there, with a tick where they checked in."""
    today = timezone.localdate()
    day = _parse_day(request.GET.get("week", ""), today)
    monday = week_start(day)
    return render(request, "learning/this_week.html", {
        "days": this_week_for(user=request.user, day=day), "monday": monday, "sunday": monday + timedelta(days=6),
        "previous": monday - timedelta(days=7), "following": monday + timedelta(days=7),
        "is_this_week": monday == week_start(today), "has_person": bool(request.user.person_id),
    })
