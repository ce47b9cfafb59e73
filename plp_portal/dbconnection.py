"""The execute wrappers every PostgreSQL connection of the site gets (row-level security's scope,
plp_portal/rls.py; the protocol's parameter limit, plp_portal/bind_limit.py), installed from
AppConfig.ready in the order given: the first installed is the outermost."""

from django.db import connections
from django.db.backends.signals import connection_created


def wrap_every_connection(wrapper, *, uid: str) -> None:
    """``wrapper`` (Django's execute-wrapper signature) on each PostgreSQL connection, once."""

    def install(sender, connection, **kwargs):
        if connection.vendor == "postgresql" and wrapper not in connection.execute_wrappers:
            connection.execute_wrappers.append(wrapper)

    connection_created.connect(install, dispatch_uid=uid, weak=False)
    for connection in connections.all(initialized_only=True):
        install(None, connection)
