from django.contrib import admin

from plp_portal.tenancy import TenantAdmin

from .models import PdfRender


@admin.register(PdfRender)
class PdfRenderAdmin(TenantAdmin):
    """Read-only: operators see what is queued, slow or failing; the files are served only by
    the apps' permission-checking views, never here."""

    list_display = ["created_at", "organisation", "kind", "object_id", "audience", "status", "size",
                    "finished_at"]
    list_filter = ["status", "kind"]
    fields = ["organisation", "kind", "object_id", "audience", "status", "requested_by", "size", "error",
              "created_at", "started_at", "finished_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
