from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AuditConfig(AppConfig):
    name = "plp_portal.audit"
    label = "audit"
    verbose_name = "Audit log"

    def ready(self):
        from plp_portal.dbroles import post_migrate_grant

        # Once per migrate (sender: this app): the application's role gets its privileges.
        post_migrate.connect(post_migrate_grant, sender=self, dispatch_uid="plp_app_role_grant")
