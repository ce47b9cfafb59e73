from django.contrib import admin

from plp_portal.tenancy import TenantAdmin

from . import models

for model in (models.Partnership, models.PartnershipObjective, models.Referral, models.Interview,
              models.TierChange, models.Destination, models.GroupSession):
    admin.site.register(model, TenantAdmin)
