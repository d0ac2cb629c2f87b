from django.contrib import admin

from .models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only for auditors; nobody may add, change or delete entries."""

    list_display = ("at", "actor_name", "ip", "action", "object_type", "object_repr")
    list_filter = ("action",)
    search_fields = ("actor_name", "object_repr")

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("core.view_audit")

    def has_module_permission(self, request):
        return request.user.has_perm("core.view_audit")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
