from django.contrib import admin

from plp_portal.tenancy import TenantAdmin

from .models import KeyWorkerAssignment, Review, ReviewSettings, TeamMember


@admin.register(Review)
class ReviewAdmin(TenantAdmin):
    list_display = ("plan", "number", "status", "due_on", "held_on")
    list_filter = ("status",)
    raw_id_fields = ("plan", "key_worker", "kw_signed_by", "learner_signed_by", "provider_signed_by", "cancelled_by")


@admin.register(KeyWorkerAssignment)
class KeyWorkerAssignmentAdmin(TenantAdmin):
    list_display = ("profile", "key_worker", "worker_type", "starts_on", "ends_on")
    raw_id_fields = ("profile", "key_worker", "assigned_by")


admin.site.register(TeamMember, TenantAdmin)
admin.site.register(ReviewSettings, TenantAdmin)
