from django.contrib import admin

from .models import Person


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    """Look-up only: people are added by the registry pages and the roster import (audited)."""

    list_display = ("name", "gender", "phone_masked", "org")
    search_fields = ("name", "name_initials")
    list_select_related = ("org",)
    fields = ("name", "gender", "birth_date", "phone_masked", "org", "household", "is_active")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
