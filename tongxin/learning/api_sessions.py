"""Sessions over the API (mounted at /api/v1/sessions): the list, the current QR code for a screen
or an app of the staff, and check-in by code for the logged-in person.

Refusals carry a Chinese ``detail`` and a stable ``code`` (``expired``, ``invalid``, ``closed``,
``not_open``, ``full``, ``out_of_scope``, ``no_person``) so an app can react without parsing text.
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status

from tongxin.campaigns.models import Campaign
from tongxin.orgs.models import Org

from .checkin_codes import code_expires_at, make_code, seconds_to_next_change
from .models import Attendance, Session
from .selectors.sessions import session_get_visible, session_list
from .services.attendance import attendance_checkin_by_id

router = Router(tags=["sessions"])


class SessionOut(Schema):
    id: int
    kind: str
    kind_name: str
    topic: str
    speaker: str
    speaker_role: str
    speaker_role_name: str
    place: str
    outreach_place: str
    org: str
    org_name: str
    campaign: str | None
    starts_at: datetime
    ends_at: datetime
    capacity: int | None
    status: str
    attended: int

    @staticmethod
    def resolve_kind_name(obj: Session) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_speaker_role_name(obj: Session) -> str:
        return str(obj.get_speaker_role_display()) if obj.speaker_role else ""

    @staticmethod
    def resolve_org(obj: Session) -> str:
        return obj.org.code

    @staticmethod
    def resolve_org_name(obj: Session) -> str:
        return obj.org.name

    @staticmethod
    def resolve_campaign(obj: Session) -> str | None:
        return obj.campaign.slug if obj.campaign_id else None


class SessionsOut(Schema):
    count: int
    items: list[SessionOut]


class SessionsQuery(Schema):
    org: str | None = None
    campaign: str | None = None
    starts_from: datetime | None = None
    starts_before: datetime | None = None
    kind: str = ""
    limit: int = 50
    offset: int = 0


class QrTokenOut(Schema):
    token: str
    url: str
    expires_at: datetime
    refresh_in: float


class CheckinIn(Schema):
    token: str


class AttendanceOut(Schema):
    id: int
    session: int
    person: int
    method: str
    checked_in_at: datetime

    @staticmethod
    def resolve_session(obj: Attendance) -> int:
        return obj.session_id

    @staticmethod
    def resolve_person(obj: Attendance) -> int:
        return obj.person_id


class CheckinOut(Schema):
    created: bool
    attendance: AttendanceOut


class RefusalOut(Schema):
    detail: str
    code: str


@router.get("", response=SessionsOut)
def sessions(request, filters: Query[SessionsQuery]):
    """Sessions the caller may see, newest first, optionally under an org (code) and of a campaign (slug)."""
    org = campaign = None
    if filters.org:
        org = Org.objects.filter(code=filters.org).first()
        if org is None:
            raise Http404
    if filters.campaign:
        campaign = Campaign.objects.filter(slug=filters.campaign).first()
        if campaign is None:
            raise Http404
    qs = session_list(user=request.user, org=org, campaign=campaign, starts_from=filters.starts_from,
                      starts_before=filters.starts_before, kind=filters.kind).order_by("-starts_at", "-id")
    limit = max(1, min(filters.limit, 200))
    offset = max(0, filters.offset)
    return {"count": qs.count(), "items": list(qs[offset:offset + limit])}


@router.get("/{session_id}/qr-token", response=QrTokenOut)
def qr_token(request, session_id: int):
    """The code the session's QR screen shows now, and the address to put in a QR code (staff only)."""
    session = session_get_visible(user=request.user, pk=session_id)
    if session is None:
        raise Http404
    if not request.user.has_perm("learning.manage_sessions", session.org):
        raise PermissionError(_("无权查看该活动的签到二维码"))
    now = timezone.now()
    token = make_code(session, now=now)
    return {"token": token, "url": request.build_absolute_uri(reverse("learning:checkin", args=[session.pk, token])),
            "expires_at": code_expires_at(token), "refresh_in": round(seconds_to_next_change(now), 2)}


@router.post("/{session_id}/checkin", response={200: CheckinOut, 400: RefusalOut, 403: RefusalOut})
def checkin(request, session_id: int, payload: CheckinIn):
    """Check the caller in with the code from the screen. A retry returns the same attendance
    (``created: false``) and records nothing."""
    # The hot path: the service reads the session together with the person, in one query.
    try:
        attendance, created = attendance_checkin_by_id(by=request.user, session_id=session_id, token=payload.token)
    except Session.DoesNotExist:
        raise Http404 from None
    except ValidationError as error:
        status = 403 if error.code in ("out_of_scope", "no_person") else 400
        return Status(status, {"detail": " ".join(error.messages), "code": error.code or "invalid"})
    return Status(200, {"created": created, "attendance": attendance})
