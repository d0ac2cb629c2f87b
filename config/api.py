"""The REST API under /api/v1/: bearer token or session authentication.

Every refusal has the body ``ErrorOut`` (``tongxin.core.api_schemas``): a Chinese ``detail``, a
stable ``code`` and, for input the API cannot use, ``errors`` by field. The refusals every
operation can meet come from the handlers below, and the OpenAPI document declares them on each
operation (``TongxinAPI.get_openapi_schema``); an operation declares its own (a 404 for an org
named in the query, a 409) in its ``response``.
"""

import re

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as SchemaError
from ninja.security import HttpBearer, django_auth

from tongxin.accounts.services import api_token_user
from tongxin.core.api_schemas import ErrorOut, Refusal


class BearerToken(HttpBearer):
    def authenticate(self, request, token):
        user = api_token_user(token)
        if user is not None:
            request.user = user
        return user


# The refusals the handlers below give, by status, and when an operation can meet them.
COMMON_REFUSALS = {
    400: "请求体不是有效的 JSON",
    401: "未登录，或接口令牌无效、已过期",
    403: "无权执行此操作",
    404: "所指的对象不存在，或无权查看",
    422: "参数或请求体不符合本文档的格式",
}
# Not the app's: the server in front of it (gunicorn, nginx) refuses a request line longer than it
# reads (gunicorn: 4094 bytes) before the app sees it, with a page of its own.
URI_TOO_LONG = {"description": "请求行过长，由应用前的服务器拒绝（内容不是 JSON）"}


class TongxinAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        """The document, with the refusals every operation can meet declared on it: 401 and 403
        where a login is needed (403 also for a missing CSRF token or second factor), 422 where
        it reads parameters or a body, 400 where it reads a JSON body, 404 where the path names
        something — each with the shared error body — and everywhere 414 from the server in front.
        What an operation declares itself stays."""
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        error_ref = {"$ref": "#/components/schemas/ErrorOut"}
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        if "ErrorOut" not in components:
            components["ErrorOut"] = ErrorOut.model_json_schema(mode="serialization",
                                                                ref_template="#/components/schemas/{model}")
        for operations in schema["paths"].values():
            for operation in operations.values():
                parameters = operation.get("parameters") or []
                statuses = set()
                if operation.get("security"):
                    statuses |= {401, 403}
                if parameters or operation.get("requestBody"):
                    statuses.add(422)
                if operation.get("requestBody"):
                    statuses.add(400)
                if any(p.get("in") == "path" for p in parameters):
                    statuses.add(404)
                responses = operation.setdefault("responses", {})
                for status in sorted(statuses):
                    if status not in responses and str(status) not in responses:
                        responses[status] = {"description": COMMON_REFUSALS[status],
                                             "content": {"application/json": {"schema": error_ref}}}
                responses.setdefault(414, URI_TOO_LONG)
        return schema


api = TongxinAPI(
    title="同心 Tongxin API",
    version="1",
    urls_namespace="api-1",
    auth=[BearerToken(), django_auth],
)


def _refuse(request, status: int, detail: str, code: str, errors: dict | None = None):
    body = {"detail": detail, "code": code}
    if errors is not None:
        body["errors"] = errors
    return api.create_response(request, body, status=status)


@api.exception_handler(Refusal)
def _refusal(request, exc: Refusal):
    return api.create_response(request, exc.body(), status=exc.status)


@api.exception_handler(PermissionError)
def _forbidden(request, exc):
    return _refuse(request, 403, str(exc) or _("无权执行此操作"), "forbidden")


@api.exception_handler(Http404)
def _not_found(request, exc):
    # ``Http404`` with a message of ours is Chinese; the bare one (or Django's) gets ours.
    message = str(exc) if exc.args and isinstance(exc.args[0], str) and exc.args[0] else ""
    return _refuse(request, 404, message or _("找不到所请求的对象，或无权查看"), "not_found")


@api.exception_handler(HttpError)
def _http_error(request, exc):
    """The library's own refusals, in Chinese: no login, a body that is not JSON."""
    code = "bad_request"
    if isinstance(exc, AuthenticationError):
        detail, code = _("请先登录或提供有效的接口令牌"), "not_authenticated"
    elif exc.status_code == 400 and exc.message.startswith("Cannot parse request body"):
        detail = _("请求内容不是有效的 JSON")
    elif exc.status_code == 403:
        # django-ninja's "CSRF check Failed": a page's session sent no CSRF token.
        detail = _("请求缺少有效的 CSRF 令牌，请刷新页面后重试") if exc.message.isascii() else exc.message
        code = "forbidden"
    else:
        detail = exc.message
    return _refuse(request, exc.status_code, detail, code)


def _field_message(error: dict) -> tuple[str, bool]:
    """The Chinese message of one error of the schema, and whether it says more than "格式不正确"."""
    kind, ctx = error.get("type", ""), error.get("ctx") or {}
    if kind == "tongxin":  # a message of ours (``tongxin.core.api_schemas``)
        return str(ctx.get("message") or error.get("msg")), True
    if kind == "missing":
        return _("必须填写"), True
    if kind in ("literal_error", "enum"):
        allowed = "、".join(value for value in re.findall(r"'([^']*)'", str(ctx.get("expected", ""))) if value)
        return _("“%(value)s”不是有效的取值，可选：%(allowed)s") % {
            "value": error.get("input"), "allowed": allowed}, True
    if kind.startswith("date"):
        return _("日期格式应为 2024-09-10"), True
    if kind.startswith("datetime"):
        return _("时间格式应为 2024-09-10T08:30:00+08:00"), True
    if kind in ("greater_than_equal", "greater_than"):
        return _("不能小于 %(n)s") % {"n": ctx.get("ge", ctx.get("gt"))}, True
    if kind in ("less_than_equal", "less_than"):
        return _("不能大于 %(n)s") % {"n": ctx.get("le", ctx.get("lt"))}, True
    if kind == "string_too_long":
        return _("不能超过 %(n)s 个字") % {"n": ctx.get("max_length")}, True
    return _("格式不正确"), False


@api.exception_handler(SchemaError)
def _unreadable(request, exc):
    """A body or query the schema cannot read (a word where a number goes, a value outside its
    list, broken JSON): 422 in Chinese, naming the fields, instead of the library's English."""
    fields: dict[str, list[str]] = {}
    telling = []
    in_words = True  # every error is a body field's, with a message of ours that says it all
    for error in exc.errors:
        # ``loc`` is ("body", "payload", "urgent") or ("query", "limit"): the field is the last part.
        loc = [part for part in error.get("loc", ["?"]) if not isinstance(part, int)]
        field = str(loc[-1]) if loc else "?"
        message, says_more = _field_message(error)
        fields.setdefault(field, []).append(message)
        own = error.get("type") == "tongxin" and bool(loc) and loc[0] == "body"
        in_words = in_words and own
        if says_more:
            telling.append(message if own else f"{field}（{message}）")
    if telling and in_words:
        detail = "；".join(dict.fromkeys(telling))
    elif telling:
        detail = _("请求内容格式不正确：%(fields)s") % {"fields": "；".join(dict.fromkeys(telling))}
    else:
        detail = _("请求内容格式不正确：%(fields)s") % {"fields": "、".join(fields) or _("无法解析")}
    return _refuse(request, 422, detail, "invalid", fields)


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
