"""Platform-operator admin (Django superusers only; TenantAdmin states the system scope).
The narrative is shown read-only: it is append-only."""

from django.contrib import admin

from plp_portal.tenancy import TenantAdmin

from . import models


@admin.register(models.LearnerProfile)
class LearnerProfileAdmin(TenantAdmin):
    list_display = ("user", "organisation", "target_group", "year_group", "key_worker", "at_risk_level")
    list_filter = ("target_group",)
    raw_id_fields = ("user", "key_worker", "induction_completed_by", "at_risk_level")
    search_fields = ("user__email", "user__full_name", "upn", "uln")


@admin.register(models.Plan)
class PlanAdmin(TenantAdmin):
    list_display = ("programme_name", "profile", "organisation", "status", "version", "starts_on", "ends_on")
    list_filter = ("status",)
    raw_id_fields = ("profile", "created_by")
    readonly_fields = ("version",)


@admin.register(models.TargetArea, models.AtRiskLevel)
class ConfigAdmin(TenantAdmin):
    list_display = ("name", "code", "organisation", "order")


@admin.register(models.NarrativeEntry)
class NarrativeEntryAdmin(TenantAdmin):
    list_display = ("plan", "author", "author_role", "created_at", "audience")

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(models.TimelineEvent)
class TimelineEventAdmin(TenantAdmin):
    list_display = ("occurred_at", "kind", "summary", "plan", "audience")
    list_filter = ("kind",)
    raw_id_fields = ("plan", "actor")
