"""Pages of sessions and check-in: the list and the calendar, a session and its attendance, the
full-screen QR code, the phone's scan page, the roster and the printable sign-in sheet, the
weekly timetable, and "this week" for members and residents.

Pages only read through selectors and write through services. Staff-only pages answer 404 for a
session the account may not see and 403 for one it may see but not run.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from datetime import timezone as dt_timezone

import qrcode
import qrcode.image.svg
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from tongxin.accounts.selectors import has_role_over, scope_filter, scope_paths
from tongxin.campaigns.models import Campaign, CampaignStatus
from tongxin.orgs.models import Org, OrgKind
from tongxin.people.models import Person

from ..checkin_codes import CodeCheck, code_expires_at, make_code, seconds_to_next_change, verify_code
from ..models import AttendanceMethod, OutreachPlace, ScheduleItem, Session, SessionKind, SpeakerRole
from ..permissions import SESSION_ROLES, SESSION_VIEW_ROLES
from ..selectors.sessions import (
    ROSTER_FILTERS, attendance_by_method, attendance_count, attendance_list, roster_counts, roster_default_filter,
    schedule_for, session_get_visible, session_list, session_month, session_roster, this_week_for, week_start,
)
from ..services.attendance import OPEN_BEFORE, attendance_checkin, attendance_record_roster, checkin_state
from ..services.sessions import (
    schedule_item_create, schedule_item_update, session_close, session_create, session_open, session_update,
)

# Where the scan page keeps "this browser scanned a valid code at …" while its person logs in.
SCANS_KEY = "learning_checkin_scans"
SIGN_SHEET_ROWS = 300
SIGN_SHEET_BLANK_ROWS = 8


# --- Forms ---------------------------------------------------------------------------------------

def session_orgs_for(user):
    """Orgs where the account may hold sessions (buildings are left out: too many, too small)."""
    condition = scope_filter(user, SESSION_ROLES, field="path")
    if condition is None:
        return Org.objects.none()
    return Org.objects.filter(condition).exclude(kind=OrgKind.BUILDING).order_by("path")


def campaigns_for(user):
    return [c for c in Campaign.objects.exclude(status=CampaignStatus.CLOSED).order_by("-starts_on")
            if user.has_perm("campaigns.view_campaign", c)]


def _limit_org_and_campaign(form: forms.Form, user) -> None:
    """Offer only the orgs the account runs and the campaigns it sees; a grid worker with one grid
    finds it chosen already."""
    orgs = session_orgs_for(user)
    form.fields["org"].queryset = orgs
    if len(orgs[:2]) == 1:
        form.fields["org"].empty_label = None
    form.fields["campaign"].queryset = Campaign.objects.filter(pk__in=[c.pk for c in campaigns_for(user)])


class _OrgField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Org) -> str:
        return f"{obj.name}（{obj.get_kind_display()}）"


class SessionForm(forms.Form):
    org = _OrgField(label=_lazy("组织单位"), queryset=Org.objects.none())
    kind = forms.ChoiceField(label=_lazy("形式"), choices=SessionKind.choices)
    topic = forms.CharField(label=_lazy("主题"), max_length=200)
    speaker = forms.CharField(label=_lazy("主讲人"), max_length=50, required=False)
    speaker_role = forms.ChoiceField(label=_lazy("主讲人身份"), required=False,
                                     choices=[("", "—")] + SpeakerRole.choices,
                                     help_text=_lazy("党课须填写；按主讲人身份统计党课"))
    outreach_place = forms.ChoiceField(label=_lazy("五进场所"), required=False,
                                       choices=[("", "—")] + OutreachPlace.choices,
                                       help_text=_lazy("仅宣讲活动填写"))
    place = forms.CharField(label=_lazy("地点"), max_length=100, required=False)
    day = forms.DateField(label=_lazy("日期"), widget=forms.DateInput(attrs={"type": "date"}))
    starts_at = forms.TimeField(label=_lazy("开始时间"), widget=forms.TimeInput(attrs={"type": "time"}))
    ends_at = forms.TimeField(label=_lazy("结束时间"), widget=forms.TimeInput(attrs={"type": "time"}))
    capacity = forms.IntegerField(label=_lazy("人数上限"), required=False, min_value=1,
                                  help_text=_lazy("不限人数请留空"))
    campaign = forms.ModelChoiceField(label=_lazy("所属主题活动"), queryset=Campaign.objects.none(), required=False)

    def __init__(self, *args, user, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        _limit_org_and_campaign(self, user)
        if editing:
            del self.fields["org"]  # a session stays with the org that holds it

    def period(self) -> tuple[datetime, datetime]:
        d = self.cleaned_data
        return (timezone.make_aware(datetime.combine(d["day"], d["starts_at"])),
                timezone.make_aware(datetime.combine(d["day"], d["ends_at"])))


class ScheduleItemForm(forms.Form):
    org = _OrgField(label=_lazy("组织"), queryset=Org.objects.none())
    weekday = forms.TypedChoiceField(label=_lazy("星期"), coerce=int,
                                     choices=ScheduleItem._meta.get_field("weekday").choices)
    starts_at = forms.TimeField(label=_lazy("开始时间"), widget=forms.TimeInput(attrs={"type": "time"}))
    ends_at = forms.TimeField(label=_lazy("结束时间"), widget=forms.TimeInput(attrs={"type": "time"}))
    kind = forms.ChoiceField(label=_lazy("形式"), choices=SessionKind.choices, initial=SessionKind.GROUP_STUDY)
    topic = forms.CharField(label=_lazy("学习内容"), max_length=200)
    place = forms.CharField(label=_lazy("地点"), max_length=100, required=False)
    campaign = forms.ModelChoiceField(label=_lazy("所属主题活动"), queryset=Campaign.objects.none(), required=False)
    active = forms.BooleanField(label=_lazy("有效（取消勾选即停用）"), required=False, initial=True)

    def __init__(self, *args, user, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        _limit_org_and_campaign(self, user)
        if editing:
            del self.fields["org"]
        else:
            del self.fields["active"]


def _add_service_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


# --- Helpers -------------------------------------------------------------------------------------

def _visible_session(request, pk: int) -> Session:
    session = session_get_visible(user=request.user, pk=pk)
    if session is None:
        raise Http404
    return session


def _managed_session(request, pk: int) -> Session:
    session = _visible_session(request, pk)
    if not request.user.has_perm("learning.manage_sessions", session.org):
        raise PermissionDenied
    return session


def _org_from_query(request, *, perm_roles=SESSION_VIEW_ROLES) -> Org | None:
    code = request.GET.get("org", "").strip()
    if not code:
        return None
    org = get_object_or_404(Org, code=code)
    if not has_role_over(request.user, perm_roles, org.path):
        raise PermissionDenied
    return org


def _campaign_from_query(request) -> Campaign | None:
    slug = request.GET.get("campaign", "").strip()
    if not slug:
        return None
    campaign = get_object_or_404(Campaign, slug=slug)
    if not request.user.has_perm("campaigns.view_campaign", campaign):
        raise PermissionDenied
    return campaign


def _query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def checkin_url(request, session: Session, token: str) -> str:
    return request.build_absolute_uri(reverse("learning:checkin", args=[session.pk, token]))


def qr_svg(data: str) -> str:
    """The QR code of ``data`` as inline SVG, drawn here (no script, no CDN)."""
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    svg = image.to_string(encoding="unicode")
    # Let the page size it: drop the fixed millimetre size, keep the viewBox.
    svg = re.sub(r'^<svg width="[^"]*" height="[^"]*"', '<svg', svg, count=1)
    return svg.replace("<svg", f'<svg role="img" aria-label="{_("签到二维码")}" preserveAspectRatio="xMidYMid meet"', 1)


def _by_method(session: Session) -> list[tuple[str, int]]:
    counts = attendance_by_method(session=session)
    return [(label, counts[value]) for value, label in AttendanceMethod.choices if counts.get(value)]


def _parse_day(value: str, default: date) -> date:
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        return default


# --- Sessions: list, calendar, detail, create, edit, open, close -----------------------------------

@login_required
def session_list_view(request):
    org = _org_from_query(request)
    campaign = _campaign_from_query(request)
    when = request.GET.get("when", "upcoming")
    kind = request.GET.get("kind", "") if request.GET.get("kind") in SessionKind.values else ""
    start_of_today = timezone.make_aware(datetime.combine(timezone.localdate(), datetime.min.time()))
    qs = session_list(user=request.user, org=org, campaign=campaign, kind=kind)
    if when == "past":
        qs = qs.filter(starts_at__lt=start_of_today).order_by("-starts_at")
    elif when == "all":
        qs = qs.order_by("-starts_at")
    else:
        when = "upcoming"
        qs = qs.filter(starts_at__gte=start_of_today).order_by("starts_at")
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render(request, "learning/session_list.html", {
        "page": page, "org": org, "campaign": campaign, "when": when, "kind": kind, "kinds": SessionKind.choices,
        "query": _query_without_page(request), "can_create": session_orgs_for(request.user).exists(),
    })


@login_required
def session_calendar(request):
    org = _org_from_query(request)
    campaign = _campaign_from_query(request)
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
    session = _visible_session(request, pk)
    can_manage = request.user.has_perm("learning.manage_sessions", session.org)
    mine = None
    if request.user.person_id:
        mine = session.attendances.filter(person_id=request.user.person_id).first()
    return render(request, "learning/session_detail.html", {
        "session": session, "can_manage": can_manage, "mine": mine,
        "count": attendance_count(session=session), "by_method": _by_method(session),
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
            _add_service_errors(form, error)
        except PermissionError as error:
            form.add_error("org", str(error))
        else:
            messages.success(request, _("已安排：%(topic)s") % {"topic": session.topic})
            return redirect("learning:session_detail", pk=session.pk)
    return render(request, "learning/session_form.html", {"form": form, "title": _("安排学习活动")})


@login_required
def session_edit_view(request, pk: int):
    session = _managed_session(request, pk)
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
            _add_service_errors(form, error)
        else:
            messages.success(request, _("已保存"))
            return redirect("learning:session_detail", pk=session.pk)
    return render(request, "learning/session_form.html", {
        "form": form, "title": _("修改：%(topic)s") % {"topic": session.topic}, "session": session})


def _move_view(request, pk: int, service, done: str):
    session = _managed_session(request, pk)
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


# --- The QR screen and its two small JSON feeds --------------------------------------------------

def _code_payload(request, session: Session) -> dict:
    now = timezone.now()
    token = make_code(session, now=now)
    url = checkin_url(request, session, token)
    return {"token": token, "url": url, "svg": qr_svg(url), "refresh_in": round(seconds_to_next_change(now), 2),
            "expires_at": code_expires_at(token).isoformat()}


STATE_LABELS = {"open": _lazy("签到中"), "not_yet": _lazy("尚未开始签到"), "closed": _lazy("签到已关闭")}


def _live_payload(session: Session) -> dict:
    state = checkin_state(session, timezone.now())
    return {"count": attendance_count(session=session), "capacity": session.capacity, "state": state,
            "state_label": str(STATE_LABELS[state]), "status": session.status}


@login_required
@never_cache
def session_qr(request, pk: int):
    """The full-screen page for the projector: the code changes every 30 seconds by itself."""
    session = _managed_session(request, pk)
    return render(request, "learning/session_qr.html", {
        "session": session, "code": _code_payload(request, session), "live": _live_payload(session)})


@login_required
@never_cache
def session_qr_code(request, pk: int):
    return JsonResponse(_code_payload(request, _managed_session(request, pk)))


@login_required
@never_cache
def session_live(request, pk: int):
    return JsonResponse(_live_payload(_managed_session(request, pk)))


# --- The phone's scan page -----------------------------------------------------------------------

def _scan_key(session: Session, token: str) -> str:
    return f"{session.pk}/{token}"


@never_cache
def checkin_view(request, session_id: int, token: str):
    """The address in the QR code. Logged in: check in at once. Not logged in: check the code now,
    remember that it was scanned in time, and send the person to log in and back here."""
    session = get_object_or_404(Session.objects.select_related("org"), pk=session_id)
    now = timezone.now()
    # The session's details only to someone who holds a genuine code for it.
    context = {"session": session, "show_session": False}
    if not request.user.is_authenticated:
        check = verify_code(session, token, now=now)
        if check is CodeCheck.VALID:
            scans = request.session.get(SCANS_KEY, {})
            scans[_scan_key(session, token)] = now.timestamp()
            request.session[SCANS_KEY] = dict(list(scans.items())[-5:])
            return redirect_to_login(request.get_full_path())
        context["error"] = (_("二维码已过期，请扫描屏幕上最新的二维码") if check is CodeCheck.EXPIRED
                            else _("二维码无效，请扫描现场屏幕上的二维码"))
        return render(request, "learning/checkin.html", context, status=400)
    scans = request.session.get(SCANS_KEY, {})
    scanned = scans.get(_scan_key(session, token))
    presented_at = datetime.fromtimestamp(scanned, tz=dt_timezone.utc) if scanned else None
    try:
        attendance, created = attendance_checkin(by=request.user, session=session, token=token, now=now,
                                                 presented_at=presented_at)
    except ValidationError as error:
        context["error"] = " ".join(error.messages)
        context["show_session"] = error.code != "invalid"
        return render(request, "learning/checkin.html", context,
                      status=403 if error.code in ("out_of_scope", "no_person") else 400)
    if scanned:
        scans.pop(_scan_key(session, token), None)
        request.session[SCANS_KEY] = scans
    context.update(attendance=attendance, created=created, show_session=True)
    return render(request, "learning/checkin.html", context)


# --- Attendance list, roster, sign-in sheet ------------------------------------------------------

@login_required
def session_attendance(request, pk: int):
    session = _managed_session(request, pk)
    page = Paginator(attendance_list(session=session), 100).get_page(request.GET.get("page"))
    return render(request, "learning/session_attendance.html", {
        "session": session, "page": page, "query": "", "by_method": _by_method(session),
    })


def _roster_filters(request, session: Session) -> dict:
    who = request.GET.get("who", "")
    return {"q": request.GET.get("q", "").strip(),
            "who": who if who in ROSTER_FILTERS else roster_default_filter(session)}


@login_required
def session_roster_view(request, pk: int):
    """Tick who is present, during the session or afterwards from the paper sign-in sheet."""
    session = _managed_session(request, pk)
    if request.method == "POST":
        ids = [int(v) for v in request.POST.getlist("person") if v.isdigit()]
        method = request.POST.get("method", AttendanceMethod.ROSTER)
        persons = list(Person.objects.filter(pk__in=ids))
        try:
            made = attendance_record_roster(by=request.user, session=session, persons=persons, method=method)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            skipped = len(persons) - len(made)
            messages.success(request, _("已登记签到 %(n)d 人") % {"n": len(made)}
                             + (_("，%(m)d 人此前已签到") % {"m": skipped} if skipped else ""))
        back = request.POST.get("back", "")
        return redirect(reverse("learning:session_roster", args=[session.pk]) + (f"?{back}" if back else ""))
    filters = _roster_filters(request, session)
    page = Paginator(session_roster(session=session, **filters), 50).get_page(request.GET.get("page"))
    return render(request, "learning/session_roster.html", {
        "session": session, "page": page, "filters": filters, "counts": roster_counts(session=session),
        "query": _query_without_page(request), "back": request.GET.urlencode(),
        "methods": [(AttendanceMethod.ROSTER, AttendanceMethod.ROSTER.label),
                    (AttendanceMethod.SIGN_SHEET, AttendanceMethod.SIGN_SHEET.label)],
        "method_labels": dict(AttendanceMethod.choices),
    })


@login_required
def session_sign_sheet(request, pk: int):
    """A4 sign-in sheet to print: the roster with a column to sign, and blank rows for walk-ins."""
    session = _managed_session(request, pk)
    filters = _roster_filters(request, session)
    rows = list(session_roster(session=session, **filters)[:SIGN_SHEET_ROWS + 1])
    return render(request, "learning/session_sign_sheet.html", {
        "session": session, "rows": rows[:SIGN_SHEET_ROWS], "too_many": len(rows) > SIGN_SHEET_ROWS,
        "limit": SIGN_SHEET_ROWS, "blank_rows": range(SIGN_SHEET_BLANK_ROWS), "filters": filters,
    })


# --- Timetable and this week ---------------------------------------------------------------------

@login_required
def schedule_view(request):
    org = _org_from_query(request)
    if org is None:
        # The first org the account runs, else the top of what it may look at (a superior's district).
        org = session_orgs_for(request.user).first()
        if org is None:
            paths = sorted(scope_paths(request.user, SESSION_VIEW_ROLES))
            org = Org.objects.filter(path=paths[0]).first() if paths else None
        if org is None:
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
            _add_service_errors(form, error)
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
            _add_service_errors(form, error)
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
