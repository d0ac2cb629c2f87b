"""The REST API under /api/v1/: bearer token or session authentication."""

from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as SchemaError
from ninja.security import HttpBearer, django_auth

from tongxin.accounts.services import api_token_user


class BearerToken(HttpBearer):
    def authenticate(self, request, token):
        user = api_token_user(token)
        if user is not None:
            request.user = user
        return user


api = NinjaAPI(
    title="同心 Tongxin API",
    version="1",
    urls_namespace="api-1",
    auth=[BearerToken(), django_auth],
)


@api.exception_handler(PermissionError)
def _forbidden(request, exc):
    return api.create_response(request, {"detail": str(exc) or _("无权执行此操作")}, status=403)


@api.exception_handler(HttpError)
def _http_error(request, exc):
    """The library's own refusals, in Chinese: no login, a body that is not JSON."""
    if isinstance(exc, AuthenticationError):
        detail = _("请先登录或提供有效的接口令牌")
    elif exc.status_code == 400 and exc.message.startswith("Cannot parse request body"):
        detail = _("请求内容不是有效的 JSON")
    else:
        detail = exc.message
    return api.create_response(request, {"detail": detail}, status=exc.status_code)


@api.exception_handler(SchemaError)
def _unreadable(request, exc):
    """A body or query the schema cannot read (a word where a number goes, broken JSON): 422 in
    Chinese, naming the fields, instead of the library's English."""
    fields = {}
    for error in exc.errors:
        # ``loc`` is ("body", "payload", "urgent") or ("query", "limit"): the field is the last part.
        field = str(error.get("loc", ["?"])[-1])
        fields.setdefault(field, []).append(_("格式不正确"))
    detail = _("请求内容格式不正确：%(fields)s") % {"fields": "、".join(fields) or _("无法解析")}
    return api.create_response(request, {"detail": detail, "code": "invalid", "errors": fields}, status=422)


api.add_router("/auth", "tongxin.accounts.api.router")
api.add_router("/", "tongxin.accounts.api.me_router")
api.add_router("/orgs", "tongxin.orgs.api.router")
api.add_router("/people", "tongxin.people.api.router")
api.add_router("/campaigns", "tongxin.campaigns.api.router")
api.add_router("/sessions", "tongxin.learning.api_sessions.router")
api.add_router("/coverage", "tongxin.learning.api_coverage.router")
api.add_router("/voices", "tongxin.voices.api.router")
api.add_router("/", "tongxin.points.api.router")
api.add_router("/", "tongxin.reports.api.router")
