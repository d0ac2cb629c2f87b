from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_logged_in
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice
from ninja import Field, Router, Schema, Status

from tongxin.core.api_schemas import NO_NUL, ErrorOut, Refusal

from .models import Role
from .selectors import totp_required, user_role_scopes
from .services import api_token_issue
from .views import lockout_detail

router = Router(tags=["auth"])
me_router = Router(tags=["me"])


class TokenIn(Schema):
    # The bounds of the account's fields (and of django-axes's record of a failed attempt).
    username: str = Field(pattern=NO_NUL, max_length=150)
    password: str = Field(pattern=NO_NUL, max_length=4096)
    # The 6-digit TOTP code; required of staff when TONGXIN_STAFF_TOTP is on.
    otp: str = Field("", pattern=NO_NUL, max_length=16)


class TokenOut(Schema):
    token: str
    token_type: str = "Bearer"


@router.post("/token", auth=None, response={200: TokenOut, 401: ErrorOut, 403: ErrorOut})
def token(request, payload: TokenIn):
    """Exchange a username (or phone) and password, and for staff the TOTP code, for a bearer token."""
    user = authenticate(request, username=payload.username, password=payload.password)
    if getattr(request, "axes_locked_out", False):
        raise Refusal(403, lockout_detail(), "locked_out")
    if user is None:
        raise Refusal(401, _("用户名或密码错误"), "bad_credentials")
    # A token is a login: without this check it would be a way round the second factor.
    if totp_required(user):
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is None or not device.verify_token(payload.otp):
            raise Refusal(403, _("员工账号须填写动态验证码（otp）；尚未设置的，请先在网页登录完成设置"), "otp_required")
    key = api_token_issue(user=user)
    # Same as a page login: audited, last login updated, failed attempts reset by django-axes.
    user_logged_in.send(sender=user.__class__, request=request, user=user)
    return Status(200, {"token": key})


class RoleOut(Schema):
    role: str
    role_name: str
    org: str


class PersonBrief(Schema):
    id: int
    name: str


class MeOut(Schema):
    username: str
    person: PersonBrief | None
    roles: list[RoleOut]


@me_router.get("/me", response=MeOut)
def me(request):
    user = request.user
    return {
        "username": user.username,
        "person": {"id": user.person.pk, "name": user.person.name} if user.person_id else None,
        "roles": [{"role": r, "role_name": str(Role(r).label), "org": code} for r, _p, code in user_role_scopes(user)],
    }
