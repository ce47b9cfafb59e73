from django.contrib import admin

from plp_portal.tenancy import TenantAdmin

from .models import Membership, Organisation, Term


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "kind", "parent"]
    list_filter = ["kind"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Membership)
class MembershipAdmin(TenantAdmin):
    list_display = ["user", "organisation", "role", "is_active"]
    list_filter = ["role"]
    raw_id_fields = ["user", "organisation"]


@admin.register(Term)
class TermAdmin(TenantAdmin):
    list_display = ["organisation", "academic_year", "name", "starts_on", "ends_on"]
    raw_id_fields = ["organisation"]
