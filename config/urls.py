from django.contrib import admin
from django.urls import include, path

from tongxin.accounts.models import Role
from tongxin.accounts.selectors import user_roles
from tongxin.core import views as core_views

ADMIN_ROLES = {Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDITOR}

from .api import api

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("audit/", core_views.audit_log, name="audit_log"),
    path("accounts/", include("tongxin.accounts.urls")),
    path("orgs/", include("tongxin.orgs.urls")),
    path("people/", include("tongxin.people.urls")),
    path("campaigns/", include("tongxin.campaigns.urls")),
    path("learning/", include("tongxin.learning.urls")),
    path("voices/", include("tongxin.voices.urls")),
    path("points/", include("tongxin.points.urls")),
    path("reports/", include("tongxin.reports.urls")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
]

def _admin_has_permission(request) -> bool:
    """The admin is for the three duty roles (and a superuser made on the command line)."""
    user = request.user
    return user.is_active and (user.is_superuser or bool(user_roles(user) & ADMIN_ROLES))


admin.site.has_permission = _admin_has_permission
admin.site.site_header = "同心 Tongxin 配置管理"
admin.site.site_title = "同心 Tongxin"
