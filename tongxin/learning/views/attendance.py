"""Who came to a session: the attendance list and its Excel download, the roster to tick (during
the session or from the paper sheet afterwards) and the printable sign-in sheet."""

from __future__ import annotations

import tempfile

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from tongxin.people.models import Person

from ..models import AttendanceMethod, Session
from ..selectors.sessions import ROSTER_FILTERS, attendance_list, roster_counts, roster_default_filter, session_roster
from ..services.attendance import attendance_record_roster
from ..services.exports import attendance_export_workbook, filename_part
from .filters import xlsx_response
from .sessions import by_method, managed_session, query_without_page

SIGN_SHEET_ROWS = 300
SIGN_SHEET_BLANK_ROWS = 8


@login_required
def session_attendance(request, pk: int):
    session = managed_session(request, pk)
    page = Paginator(attendance_list(session=session), 100).get_page(request.GET.get("page"))
    return render(request, "learning/session_attendance.html", {
        "session": session, "page": page, "query": "", "by_method": by_method(session),
    })


@login_required
def session_attendance_export_view(request, pk: int):
    """The attendance list as .xlsx, for those who may see the list (they manage the session)."""
    session = managed_session(request, pk)
    out = tempfile.TemporaryFile()
    attendance_export_workbook(by=request.user, session=session, out=out)
    filename = _("签到名单-%(topic)s-%(date)s.xlsx") % {
        "topic": filename_part(session.topic),
        "date": timezone.localtime(session.starts_at).strftime("%Y%m%d")}
    return xlsx_response(out, filename)


def _roster_filters(request, session: Session) -> dict:
    who = request.GET.get("who", "")
    return {"q": request.GET.get("q", "").strip(),
            "who": who if who in ROSTER_FILTERS else roster_default_filter(session)}


@login_required
def session_roster_view(request, pk: int):
    """Tick who is present, during the session or afterwards from the paper sign-in sheet."""
    session = managed_session(request, pk)
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
        "query": query_without_page(request), "back": request.GET.urlencode(),
        "methods": [(AttendanceMethod.ROSTER, AttendanceMethod.ROSTER.label),
                    (AttendanceMethod.SIGN_SHEET, AttendanceMethod.SIGN_SHEET.label)],
        "method_labels": dict(AttendanceMethod.choices),
    })


@login_required
def session_sign_sheet(request, pk: int):
    """A4 sign-in sheet to print: the roster with a column to sign, and blank rows for walk-ins."""
    session = managed_session(request, pk)
    filters = _roster_filters(request, session)
    rows = list(session_roster(session=session, **filters)[:SIGN_SHEET_ROWS + 1])
    return render(request, "learning/session_sign_sheet.html", {
        "session": session, "rows": rows[:SIGN_SHEET_ROWS], "too_many": len(rows) > SIGN_SHEET_ROWS,
        "limit": SIGN_SHEET_ROWS, "blank_rows": range(SIGN_SHEET_BLANK_ROWS), "filters": filters,
    })
