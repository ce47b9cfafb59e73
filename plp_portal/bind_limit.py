"""A statement with more parameters than PostgreSQL's protocol carries.

With server-side binding (the settings' default, issue 19) each value is a parameter of the
protocol, which holds at most 65,535 of them, and Django 5.2 does not split ``pk__in=<a long
list>`` to fit (a retention run erasing the rows of a large college's leavers). ``bulk_create``
fits already, sending each column as one array (UNNEST), unless a value is an expression. Such a
statement is sent with its values written into it by psycopg's client-side quoting instead —
what client-side binding did for every statement — and is not kept prepared. Installed on every
PostgreSQL connection (organisations' AppConfig.ready)."""

import psycopg

from plp_portal.dbconnection import wrap_every_connection

MAX_PARAMETERS = 65_535


def _execute_wrapper(execute, sql, params, many, context):
    if many or params is None or len(params) <= MAX_PARAMETERS:
        return execute(sql, params, many, context)
    cursor = context["cursor"].cursor
    if isinstance(cursor, psycopg.ClientCursor):
        return execute(sql, params, many, context)
    inlined = psycopg.ClientCursor(cursor.connection).mogrify(sql, params)
    return execute(inlined, None, many, context)


def install() -> None:
    wrap_every_connection(_execute_wrapper, uid="plp_bind_limit")
