from django.apps import AppConfig


class CareersplanConfig(AppConfig):
    name = "careersplan"
    verbose_name = "Annual careers plan"
