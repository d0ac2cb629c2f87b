from django.contrib import admin

from .models import Household, Org


@admin.register(Org)
class OrgAdmin(admin.ModelAdmin):
    """Browse and look up orgs; the tree is built by import and services, so it is read-only here."""

    list_display = ("code", "name", "kind", "domain", "parent", "is_co_building_unit")
    list_filter = ("kind", "domain", "is_co_building_unit")
    search_fields = ("code", "name")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Household)
class HouseholdAdmin(admin.ModelAdmin):
    list_display = ("org", "number", "in_hardship")
    search_fields = ("number", "org__name")
    list_select_related = ("org",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
