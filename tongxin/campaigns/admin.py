from django.contrib import admin

from .models import Campaign, CampaignTask, Measure, Plan, TaskCompletion


class ReadOnlyAdmin(admin.ModelAdmin):
    """Look-up only: campaigns, plans, actions, measures and completions are written by the
    campaign pages through the services (validated and audited), never here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Campaign)
class CampaignAdmin(ReadOnlyAdmin):
    list_display = ("name", "slug", "scope", "starts_on", "ends_on", "status")
    list_filter = ("status",)
    search_fields = ("name", "slug", "theme")
    list_select_related = ("scope",)


@admin.register(Plan)
class PlanAdmin(ReadOnlyAdmin):
    list_display = ("title", "campaign", "kind", "domain", "org", "issued_on")
    list_filter = ("kind", "domain")
    search_fields = ("title", "campaign__name")
    list_select_related = ("campaign", "org")


@admin.register(CampaignTask)
class CampaignTaskAdmin(ReadOnlyAdmin):
    list_display = ("title", "campaign", "required", "due_on", "domain", "org", "proof_kind")
    list_filter = ("required", "proof_kind", "domain")
    search_fields = ("title", "campaign__name")
    list_select_related = ("campaign", "org")


@admin.register(Measure)
class MeasureAdmin(ReadOnlyAdmin):
    list_display = ("title", "campaign", "domain", "org", "plan")
    list_filter = ("domain",)
    search_fields = ("title", "campaign__name")
    list_select_related = ("campaign", "org", "plan")


@admin.register(TaskCompletion)
class TaskCompletionAdmin(ReadOnlyAdmin):
    list_display = ("task", "org", "completed_on", "session", "delivery", "recorded_by", "recorded_at")
    search_fields = ("task__title", "org__name")
    list_select_related = ("task", "org", "session", "delivery", "recorded_by")
