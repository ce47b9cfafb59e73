from django.apps import AppConfig


class SsoConfig(AppConfig):
    name = "plp_portal.sso"
    label = "sso"
    verbose_name = "Sign-in with Microsoft or Google"

    def ready(self):
        from . import signals  # noqa: F401
