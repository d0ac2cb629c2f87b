from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from .models import Role
from .selectors import user_role_scopes
from .services import api_token_issue

router = Router(tags=["auth"])
me_router = Router(tags=["me"])


class TokenIn(Schema):
    username: str
    password: str


class TokenOut(Schema):
    token: str
    token_type: str = "Bearer"


class ErrorOut(Schema):
    detail: str


@router.post("/token", auth=None, response={200: TokenOut, 401: ErrorOut, 403: ErrorOut})
def token(request, payload: TokenIn):
    """Exchange a username (or phone) and password for a bearer token."""
    user = authenticate(request, username=payload.username, password=payload.password)
    if getattr(request, "axes_locked_out", False):
        return Status(403, {"detail": _("登录失败次数过多，账号已锁定 30 分钟")})
    if user is None:
        return Status(401, {"detail": _("用户名或密码错误")})
    return Status(200, {"token": api_token_issue(user=user)})


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
