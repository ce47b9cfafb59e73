from django.apps import AppConfig


class OrganisationsConfig(AppConfig):
    name = "plp_portal.organisations"
    label = "organisations"
    verbose_name = "Organisations and memberships"
