from django.contrib import admin

from plp_portal.tenancy import TenantAdmin

from .models import KeyWorkerAssignment, Review, ReviewSettings, TeamMember


@admin.register(Review)
class ReviewAdmin(TenantAdmin):
    list_display = ("plan", "number", "status", "due_on", "held_on")
    list_filter = ("status",)
    raw_id_fields = ("plan", "key_worker", "kw_signed_by", "learner_signed_by", "provider_signed_by", "cancelled_by")

    # Once the key worker has signed, a review is a signed record: the admin shows it read-only
    # and cannot delete it (one by one or in bulk); corrections go through the app's services.
    def has_change_permission(self, request, obj=None):
        return (obj is None or obj.kw_signed_at is None) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return (obj is None or obj.kw_signed_at is None) and super().has_delete_permission(request, obj)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions


@admin.register(KeyWorkerAssignment)
class KeyWorkerAssignmentAdmin(TenantAdmin):
    list_display = ("profile", "key_worker", "worker_type", "starts_on", "ends_on")
    raw_id_fields = ("profile", "key_worker", "assigned_by")


admin.site.register(TeamMember, TenantAdmin)
admin.site.register(ReviewSettings, TenantAdmin)
