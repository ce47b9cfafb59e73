from django.apps import AppConfig


class GuidanceConfig(AppConfig):
    name = "guidance"
    verbose_name = "Careers guidance"

    def ready(self):
        from . import signals  # noqa: F401
