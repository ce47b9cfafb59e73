from django.contrib import admin

from plp_portal.tenancy import TenantAdmin

from .models import (
    CareersPlan,
    ChecklistItem,
    PlanTemplate,
    ReviewerGrant,
    TemplateRow,
    TemplateSection,
)


@admin.register(PlanTemplate)
class PlanTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "version", "kind", "owner", "is_published"]


admin.site.register(TemplateSection)
admin.site.register(TemplateRow)
admin.site.register(ChecklistItem)


@admin.register(CareersPlan)
class CareersPlanAdmin(TenantAdmin):
    list_display = ["organisation", "academic_year", "phase"]


@admin.register(ReviewerGrant)
class ReviewerGrantAdmin(TenantAdmin):
    list_display = ["plan", "reviewer", "expires_on", "revoked_at"]
