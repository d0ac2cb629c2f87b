"""The REST API under /api/v1/: bearer token or session authentication."""

from django.utils.translation import gettext as _
from ninja import NinjaAPI
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


api.add_router("/auth", "tongxin.accounts.api.router")
api.add_router("/", "tongxin.accounts.api.me_router")
api.add_router("/orgs", "tongxin.orgs.api.router")
api.add_router("/people", "tongxin.people.api.router")
api.add_router("/campaigns", "tongxin.campaigns.api.router")
api.add_router("/sessions", "tongxin.learning.api_sessions.router")
api.add_router("/coverage", "tongxin.learning.api_coverage.router")
api.add_router("/voices", "tongxin.voices.api.router")
