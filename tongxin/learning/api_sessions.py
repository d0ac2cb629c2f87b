"""Sessions over the API (mounted at /api/v1/sessions): the list, the current QR code for a screen
or an app of the staff, and check-in by code for the logged-in person.

Refusals carry a Chinese ``detail`` and a stable ``code`` so an app can react without parsing
text: 409 for a code the session does not take now (``expired``, ``invalid``: not this session's,
``closed``, ``not_open``, ``full``), 403 for a person who may not check in (``out_of_scope``,
``no_person``).
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from tongxin.campaigns.models import Campaign
from tongxin.core.api_schemas import ErrorOut, Limit, Moment, Offset, OrgCode, Refusal, Slug, choice, id_path, not_found
from tongxin.orgs.models import Org

from .checkin_codes import code_expires_at, make_code, seconds_to_next_change
from .models import Attendance, Session, SessionKind
from .selectors.sessions import session_get_visible, session_list
from .services.attendance import attendance_checkin_by_id

router = Router(tags=["sessions"])
SessionId = id_path("活动编号")


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
    org: OrgCode = ""
    campaign: Slug = ""
    starts_from: Moment = None
    starts_before: Moment = None
    kind: choice(SessionKind, blank=True) = ""
    limit: Limit = 50
    offset: Offset = 0


class QrTokenOut(Schema):
    token: str
    url: str
    expires_at: datetime
    refresh_in: float


class CheckinIn(Schema):
    # ``checkin_codes``: the 30-second window's number, a dot, the session's MAC (96 bits, base64).
    token: str = Field(pattern=r"^[0-9]{1,12}\.[A-Za-z0-9_-]{16}$")


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


@router.get("", response={200: SessionsOut, 404: ErrorOut})
def sessions(request, filters: Query[SessionsQuery]):
    """Sessions the caller may see, newest first, optionally under an org (code) and of a campaign (slug)."""
    org = campaign = None
    if filters.org:
        org = Org.objects.filter(code=filters.org).first()
        if org is None:
            raise not_found(_("找不到编码为“%(code)s”的组织") % {"code": filters.org})
    if filters.campaign:
        campaign = Campaign.objects.filter(slug=filters.campaign).first()
        if campaign is None:
            raise not_found(_("找不到该主题活动"))
    qs = session_list(user=request.user, org=org, campaign=campaign, starts_from=filters.starts_from,
                      starts_before=filters.starts_before, kind=filters.kind).order_by("-starts_at", "-id")
    offset = filters.offset
    return {"count": qs.count(), "items": list(qs[offset:offset + filters.limit])}


@router.get("/{session_id}/qr-token", response=QrTokenOut)
def qr_token(request, session_id: SessionId):
    """The code the session's QR screen shows now, and the address to put in a QR code (staff only)."""
    session = session_get_visible(user=request.user, pk=session_id)
    if session is None:
        raise not_found(_("找不到该活动"))
    if not request.user.has_perm("learning.manage_sessions", session.org):
        raise PermissionError(_("无权查看该活动的签到二维码"))
    now = timezone.now()
    token = make_code(session, now=now)
    return {"token": token, "url": request.build_absolute_uri(reverse("learning:checkin", args=[session.pk, token])),
            "expires_at": code_expires_at(token), "refresh_in": round(seconds_to_next_change(now), 2)}


# The person may not check in (403); every other refusal is a code this session does not take now.
FORBIDDEN_CODES = ("out_of_scope", "no_person")


@router.post("/{session_id}/checkin", response={200: CheckinOut, 409: ErrorOut})
def checkin(request, session_id: SessionId, payload: CheckinIn):
    """Check the caller in with the code from the screen. A retry returns the same attendance
    (``created: false``) and records nothing. 409 when the session does not take the code now
    (``expired``, ``invalid``, ``closed``, ``not_open``, ``full``); 403 ``out_of_scope`` or
    ``no_person``."""
    # The hot path: the service reads the session together with the person, in one query.
    try:
        attendance, created = attendance_checkin_by_id(by=request.user, session_id=session_id, token=payload.token)
    except Session.DoesNotExist:
        raise not_found(_("找不到该活动")) from None
    except ValidationError as error:
        status = 403 if error.code in FORBIDDEN_CODES else 409
        raise Refusal(status, " ".join(error.messages), error.code or "invalid") from None
    return Status(200, {"created": created, "attendance": attendance})
