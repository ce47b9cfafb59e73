"""Django's admin app with the platform's own site (plp_portal.adminsite); kept apart from the
site so that loading the app imports no models."""

from django.contrib.admin.apps import AdminConfig


class PlatformAdminConfig(AdminConfig):
    default_site = "plp_portal.adminsite.PlatformAdminSite"
