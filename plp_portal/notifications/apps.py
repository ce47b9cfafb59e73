from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "plp_portal.notifications"
    label = "notifications"
    verbose_name = "Notifications and email"
