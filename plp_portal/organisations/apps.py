from django.apps import AppConfig


class OrganisationsConfig(AppConfig):
    name = "plp_portal.organisations"
    label = "organisations"
    verbose_name = "Organisations and memberships"

    def ready(self):
        from django.db.models.signals import post_migrate, pre_migrate

        from plp_portal import bind_limit, rls

        rls.install()
        bind_limit.install()  # after rls: its wrapper runs inside rls's, on the statement alone
        rls.connect_celery()
        pre_migrate.connect(rls.pre_migrate_system_scope, sender=self, dispatch_uid="plp_rls_pre_migrate")
        post_migrate.connect(rls.post_migrate_row_security, sender=self, dispatch_uid="plp_rls_post_migrate")
