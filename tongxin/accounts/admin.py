"""Account administration for the system admin. Every change goes through services (audited)."""

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from tongxin.core.audit import AuditAction, audit_record

from .models import RoleAssignment, User
from .services import role_grant, role_revoke


def _is_sysadmin(request) -> bool:
    return request.user.has_perm("accounts.manage_accounts")


def _grants_roles(request) -> bool:
    return request.user.has_perm("accounts.grant_roles")


@admin.register(User)
class TongxinUserAdmin(UserAdmin):
    list_display = ("username", "first_name", "is_active", "last_login")
    raw_id_fields = ("person",)
    fieldsets = (
        (None, {"fields": ("username", "password", "person")}),
        ("状态", {"fields": ("first_name", "is_active", "is_staff")}),
    )

    def has_module_permission(self, request):
        return _is_sysadmin(request)

    has_view_permission = has_change_permission = has_add_permission = (
        lambda self, request, obj=None: _is_sysadmin(request)
    )

    def has_delete_permission(self, request, obj=None):
        return False  # accounts are deactivated, never deleted, so the audit trail keeps its actor

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        audit_record(by=request.user, action=AuditAction.ACCOUNT_UPDATED if change else AuditAction.ACCOUNT_CREATED,
                     obj=obj, changes={"fields": sorted(form.changed_data)})


class RoleAssignmentForm(forms.ModelForm):
    class Meta:
        model = RoleAssignment
        fields = ("user", "role", "org")

    def clean(self):
        data = super().clean()
        user = data.get("user")
        if user is not None and user.pk == self.request_user.pk:
            raise forms.ValidationError(_("不能给自己授予角色"))
        return data


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(admin.ModelAdmin):
    form = RoleAssignmentForm

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.request_user = request.user
        return form

    list_display = ("user", "role", "org", "granted_at")
    list_filter = ("role",)
    search_fields = ("user__username", "org__code", "org__name")
    autocomplete_fields = ("org",)
    raw_id_fields = ("user",)

    def has_module_permission(self, request):
        return _grants_roles(request)

    has_view_permission = has_add_permission = has_delete_permission = (
        lambda self, request, obj=None: _grants_roles(request)
    )

    def has_change_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        saved = role_grant(by=request.user, user=obj.user, role=obj.role, org=obj.org)
        obj.pk = saved.pk

    def delete_model(self, request, obj):
        role_revoke(by=request.user, assignment=obj)

    def delete_queryset(self, request, queryset):
        for assignment in queryset:
            role_revoke(by=request.user, assignment=assignment)
