from django.contrib import admin

from plp_portal.tenancy import TenantAdmin

from . import models
from .follow_up import follow_up_refresh

for model in (models.Partnership, models.PartnershipObjective, models.Referral, models.Interview,
              models.TierChange, models.GroupSession):
    admin.site.register(model, TenantAdmin)


@admin.register(models.Destination)
class DestinationAdmin(TenantAdmin):
    """A platform operator's change to a destination keeps the NEET list's marker current."""

    def save_model(self, request, obj, form, change):
        before = type(obj).objects.system("platform admin").filter(pk=obj.pk).values_list("profile_id", flat=True)
        profile_ids = {*before, obj.profile_id} - {None}
        super().save_model(request, obj, form, change)
        follow_up_refresh(profile_ids=profile_ids)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        follow_up_refresh(profile_ids=[obj.profile_id] if obj.profile_id else [])

    def delete_queryset(self, request, queryset):
        profile_ids = set(queryset.exclude(profile__isnull=True).values_list("profile_id", flat=True))
        super().delete_queryset(request, queryset)
        follow_up_refresh(profile_ids=profile_ids)
