from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "plp_portal.records"
    label = "records"
    verbose_name = "Learner records (subject access)"
