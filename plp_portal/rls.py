"""PostgreSQL row-level security: the second wall behind the fail-closed manager (issue 12).

**The tables.** Every tenant table — each concrete ``TenantModel`` and each model scoped through
a tenant parent (``plp_scoped_through``, the guardian object-permission rows), found from the
model registry — has RLS ENABLED and FORCED (so the tables' owner obeys it too, unless it is a
superuser) and one policy, ``plp_tenant_<hash>``, for reads and writes alike:

    organisation_id = ANY (the organisations the transaction may see)
    OR <another organisation column of the row> = ANY (...)      -- two-sided grants, e.g. the
                                                                  -- partnership's school
    OR <a person column> = the signed-in person                  -- one's own memberships,
                                                                  -- shares and reviewer grants
    OR EXISTS (the parent row, under the parent's own policy)     -- rows without organisation_id
    OR a system job's scope is set

**The settings** (transaction-local, ``set_config(..., true)``, so they work behind a
transaction-mode pooler and vanish at COMMIT/ROLLBACK): ``plp.org_ids`` (comma-separated ids),
``plp.user_id`` and ``plp.system`` (the reason of a system job). Absent → no rows (fail closed).

**Who sets them.** One place: a database execute wrapper (``_execute_wrapper``) installed on
every PostgreSQL connection. Before a statement it compares the scope of the current context
(a request, a system job, or none) with what this transaction already has, and if they differ
sends ``SELECT set_config(...)`` with it, pipelined in the same round trip
(``_execute_with_scope``) — once per transaction in the normal case. A statement on a tenant
table outside any transaction (autocommit: the middleware's membership lookup, the read audit)
gets the implicit transaction the two share, so the setting applies to it and ends with it.

- A request (``RowSecurityMiddleware``): before the view, the signed-in person only (their own
  memberships, grants); in the view, ``request.org`` — or, outside ``/o/``, the person's own
  organisations — plus what the grant selectors add while the view runs (``request_scope_widen``
  is called by the one selector of each grant kind, never by a view).
- A system job (``system_job_scope(reason)``): Celery tasks that declare ``plp_system_scope``,
  the platform admin, management commands (through ``tenancy.system_scope`` outside any request);
  every entry is written to the audit log (``system.scope``).

The application connects as ``PLP_APP_DB_ROLE`` (no BYPASSRLS, owns nothing). In tests the
connection is the owner's (a superuser, which always bypasses RLS) so pytest-django can create
and flush the database; ``PLP_RLS_SWITCH_ROLE`` makes every request and job transaction
``SET LOCAL ROLE`` to the app role, so the test client, the live server and the Celery worker
run under RLS exactly as production does. On SQLite (``make demo``) none of this is installed."""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import itertools
import logging
import re
from dataclasses import dataclass, field

import psycopg
from django.apps import apps
from django.conf import settings
from django.db import connections, transaction
from celery.signals import task_postrun, task_prerun

from plp_portal.dbconnection import wrap_every_connection
from plp_portal.tenancy import TenantModel
from plp_portal.audit.services import audit_log
from plp_portal.organisations.selectors import user_membership_roles

logger = logging.getLogger(__name__)

POLICY_PREFIX = "plp_tenant_"
SETTING_ORG_IDS = "plp.org_ids"
SETTING_USER_ID = "plp.user_id"
SETTING_SYSTEM = "plp.system"

FUNCTIONS_SQL = """
CREATE OR REPLACE FUNCTION plp_org_ids() RETURNS bigint[] LANGUAGE sql STABLE PARALLEL SAFE AS
$$ SELECT string_to_array(nullif(current_setting('plp.org_ids', true), ''), ',')::bigint[] $$;
CREATE OR REPLACE FUNCTION plp_user_id() RETURNS bigint LANGUAGE sql STABLE PARALLEL SAFE AS
$$ SELECT nullif(current_setting('plp.user_id', true), '')::bigint $$;
CREATE OR REPLACE FUNCTION plp_system() RETURNS boolean LANGUAGE sql STABLE PARALLEL SAFE AS
$$ SELECT coalesce(current_setting('plp.system', true), '') <> '' $$;
"""

_serial = itertools.count(1)


# --- Which tables, and their policies --------------------------------------------------------


def tenant_models() -> list:
    """Every concrete model whose rows belong to an organisation: ``TenantModel`` subclasses and
    models scoped through a tenant parent (``plp_scoped_through``)."""
    found = []
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        if issubclass(model, TenantModel) or getattr(model, "plp_scoped_through", None):
            found.append(model)
    return sorted(found, key=lambda m: m._meta.db_table)


def tenant_tables() -> list[str]:
    return [model._meta.db_table for model in tenant_models()]


def policy_expression(model) -> str:
    """The policy's condition for ``model``'s table (the same for USING and WITH CHECK).

    Each setting is read once per statement (``(SELECT plp_org_ids())`` is an InitPlan), not
    once per row."""
    column = model._meta.get_field
    clauses = []
    if any(f.name == "organisation" for f in model._meta.concrete_fields):
        clauses.append(f"{column('organisation').column} = ANY ((SELECT plp_org_ids())::bigint[])")
    # Two-sided grants: the other organisation named on the row sees the row (not the rest of
    # the owner's data), e.g. the school of a partnership, the receiver of a record transfer.
    for name in getattr(model, "plp_rls_org_fields", ()):
        clauses.append(f"{column(name).column} = ANY ((SELECT plp_org_ids())::bigint[])")
    # A person's own rows of a grant table (their memberships, plan shares, reviewer grants):
    # how a request finds what it may see before it knows its organisations.
    for name in getattr(model, "plp_rls_person_fields", ()):
        clauses.append(f"{column(name).column} = (SELECT plp_user_id())")
    # Rows without an organisation column follow their parent, under the parent's own policy.
    for name in filter(None, [getattr(model, "plp_scoped_through", None),
                              *getattr(model, "plp_rls_parent_fields", ())]):
        fk = column(name)
        parent = fk.related_model._meta
        clauses.append(f"EXISTS (SELECT 1 FROM {parent.db_table} plp_parent "
                       f"WHERE plp_parent.{parent.pk.column} = {fk.column})")
    if not clauses:
        raise RuntimeError(f"{model._meta.label}: no column to decide row security on")
    clauses.append("(SELECT plp_system())")
    return " OR ".join(f"({c})" for c in clauses)


def _policy_name(expression: str) -> str:
    return POLICY_PREFIX + hashlib.sha1(expression.encode()).hexdigest()[:10]


def apply_row_security(connection, *, only_existing: bool = True) -> list[str]:
    """Enable and force RLS on every tenant table and (re)create its policy, as the owner.
    Idempotent and cheap when nothing changed (one catalogue query). Returns the tables changed."""
    if connection.vendor != "postgresql":
        return []
    changed = []
    with connection.cursor() as cursor:
        cursor.execute(FUNCTIONS_SQL)
        cursor.execute(
            "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity, "
            "       coalesce(array_agg(p.polname) FILTER (WHERE p.polname IS NOT NULL), '{}') "
            "  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "  LEFT JOIN pg_policy p ON p.polrelid = c.oid "
            " WHERE n.nspname = current_schema() AND c.relkind = 'r' "
            " GROUP BY c.relname, c.relrowsecurity, c.relforcerowsecurity")
        existing = {name: (enabled, forced, set(policies)) for name, enabled, forced, policies in cursor.fetchall()}
        for model in tenant_models():
            table = model._meta.db_table
            if table not in existing:
                if only_existing:
                    continue
                raise RuntimeError(f"tenant table {table} does not exist")
            enabled, forced, policies = existing[table]
            expression = policy_expression(model)
            name = _policy_name(expression)
            if enabled and forced and policies == {name}:
                continue
            quoted = connection.ops.quote_name(table)
            for old in policies:
                cursor.execute(f"DROP POLICY {connection.ops.quote_name(old)} ON {quoted}")
            cursor.execute(f"CREATE POLICY {name} ON {quoted} USING ({expression}) WITH CHECK ({expression})")
            cursor.execute(f"ALTER TABLE {quoted} ENABLE ROW LEVEL SECURITY")
            cursor.execute(f"ALTER TABLE {quoted} FORCE ROW LEVEL SECURITY")
            changed.append(table)
    return changed


def post_migrate_row_security(sender, using="default", **kwargs):
    """After every ``migrate`` (as the owner): tables added since get their policy."""
    apply_row_security(connections[using])


def pre_migrate_system_scope(sender, using="default", **kwargs):
    """``migrate`` runs as the owner; a non-superuser owner obeys the forced policies, so its
    data migrations get the system scope for the session (migrate uses a direct connection)."""
    connection = connections[using]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('plp.system', 'migrate', false)")


# --- The scope of the current context ----------------------------------------------------------


@dataclass
class _Scope:
    """What the current request or job may see. ``key`` changes whenever the scope does."""

    org_ids: set[int] = field(default_factory=set)
    user_id: int | None = None
    system: str = ""
    switch_role: bool = True
    request: object = None
    in_view: bool = False
    serial: int = 0

    def __post_init__(self):
        self.serial = next(_serial)

    _resolving = False

    def current_user_id(self):
        if self.request is None:
            return self.user_id
        if self._resolving:  # loading request.user runs queries of its own (session, user)
            return None
        self._resolving = True
        try:
            user = getattr(self.request, "user", None)
            return user.pk if user is not None and user.is_authenticated else None
        finally:
            self._resolving = False

    def key(self):
        return (self.serial, self.current_user_id(), len(self.org_ids), self.system)

    def values(self):
        return (",".join(str(i) for i in sorted(self.org_ids)), str(self.current_user_id() or ""), self.system)


_current: contextvars.ContextVar[_Scope | None] = contextvars.ContextVar("plp_rls_scope", default=None)
_observers: list = []


def active() -> bool:
    return connections["default"].vendor == "postgresql"


def current_scope() -> _Scope | None:
    return _current.get()


def request_scope_widen(org_ids, *, grant: str) -> None:
    """Called ONLY by the one selector of each grant kind (``partner_school_ids``,
    ``transfer_grants``, ``plan_share_org_ids``, ``reviewer_grant_org_ids``,
    ``authority_school_ids``) and by ``bearer_get``: the organisations its current, consented
    grants give this request, added to what the database lets the request see. Outside a
    request: nothing. ``grant`` names the kind (for the reader; not stored)."""
    scope = _current.get()
    if scope is None or scope.request is None:
        return
    new = {int(i) for i in org_ids} - scope.org_ids
    if new:
        scope.org_ids |= new
        scope.serial = next(_serial)


@contextlib.contextmanager
def bearer_lookup(grant: str):
    """A public link whose secret token (or a published page's slug) is itself the grant — an
    invitation, a feedback survey, a sign-in code, an organisation's sign-in provider: the ONE
    query that finds the row it names runs with the system scope (like the ORM's
    ``.system(reason)`` it accompanies); afterwards the request sees that row's organisation only
    (``bearer_get``). Not audited per use: these pages are public and busy; each caller's
    ``public_view(reason)`` or its service's audit entry records what happened."""
    scope = _current.get()
    if scope is None or scope.request is None:
        yield
        return
    token = _current.set(_Scope(system=f"bearer lookup: {grant}"[:200]))
    try:
        yield
    finally:
        _current.reset(token)


def cross_organisation_check(reason: str):
    """One yes/no fact about another organisation that a grant's own rule needs (is the person
    named as a peer reviewer the careers lead of another school?): the system scope for that
    query only. Not for reading records."""
    return bearer_lookup(reason)


def for_another_organisation(org_id, reason: str):
    """A write a request makes for an organisation outside its scope that the grant requires —
    one side of a grant telling the other (a school accepts a proposal: the service's advisers
    get a notification). The system scope for that write only, and only when ``org_id`` is not
    already in the request's scope."""
    scope = _current.get()
    if scope is None or scope.request is None or scope.system or int(org_id) in scope.org_ids:
        return contextlib.nullcontext()
    return bearer_lookup(reason)


def bearer_get(fetch, *, grant: str):
    """``fetch()`` inside ``bearer_lookup(grant)``; the row's organisation joins the request."""
    with bearer_lookup(grant):
        row = fetch()
    if row is not None:
        request_scope_widen({row.organisation_id}, grant=grant)
    return row


@contextlib.contextmanager
def system_job_scope(reason: str, *, audit: bool = True, switch_role: bool = True):
    """Every organisation's rows, for a system job that states why; written to the audit log.
    Used by Celery tasks (``plp_system_scope``), the platform admin and management commands."""
    if not reason:
        raise ValueError("system_job_scope needs a reason")
    previous = _current.get()
    token = _current.set(_Scope(system=reason[:200], switch_role=switch_role))
    try:
        if audit:
            audit_log("system.scope", data={"reason": reason[:200],
                                            "within_request": bool(previous and previous.request)})
        yield
    finally:
        _current.reset(token)


def system_job_scope_if_outside(reason: str):
    """For ``tenancy.system_scope`` (management commands, a shell): outside any request or job
    the ORM's stated system scope is the database's too; inside one, the context's scope holds."""
    if _current.get() is not None or not active():
        return contextlib.nullcontext()
    return system_job_scope(reason, switch_role=False)


@contextlib.contextmanager
def observe(callback):
    """Tests: ``callback(cursor, scope)`` runs (as the scope's role) each time a scope is applied."""
    _observers.append(callback)
    try:
        yield
    finally:
        _observers.remove(callback)


# --- Applying it: the execute wrapper -----------------------------------------------------------

_TENANT_TABLE_RE: re.Pattern | None = None
# Statements that may run in a transaction block (not VACUUM, CREATE DATABASE...).
_DATA_STATEMENT_RE = re.compile(r"^\s*(SELECT|INSERT|UPDATE|DELETE|WITH)\b", re.IGNORECASE)
_APPLIED = "_plp_rls_applied"


def _touches_tenant_table(sql: str) -> bool:
    global _TENANT_TABLE_RE
    if _TENANT_TABLE_RE is None:
        _TENANT_TABLE_RE = re.compile("|".join(re.escape(f'"{t}"') for t in tenant_tables()))
    return bool(_TENANT_TABLE_RE.search(sql))


def _scope_statement(scope: _Scope | None) -> tuple[str, list]:
    """The ``SELECT set_config(...)`` that gives the transaction ``scope`` (None: nothing)."""
    role = getattr(settings, "PLP_RLS_SWITCH_ROLE", "")
    if scope is None:
        sql, params = ("SELECT set_config('plp.org_ids', '', true), set_config('plp.user_id', '', true), "
                       "set_config('plp.system', '', true)"), []
        if role:
            sql += ", set_config('role', 'none', true)"
        return sql, params
    org_ids, user_id, system = scope.values()
    sql = ("SELECT set_config('plp.org_ids', %s, true), set_config('plp.user_id', %s, true), "
           "set_config('plp.system', %s, true)")
    params = [org_ids, user_id, system]
    if role and scope.switch_role:
        sql += ", set_config('role', %s, true)"
        params.append(role)
    return sql, params


def _notify_observers(cursor, scope: _Scope | None) -> None:
    if scope is not None:
        for callback in list(_observers):
            callback(cursor, scope)


def _apply(connection, cursor, scope: _Scope | None) -> None:
    cursor.execute(*_scope_statement(scope))
    _notify_observers(cursor, scope)


def _combinable(cursor, many: bool) -> bool:
    """Whether the scope can travel with the statement in one round trip: one statement (not
    executemany) on an ordinary cursor (server- or client-side binding), not a named
    server-side one."""
    return not many and isinstance(cursor, psycopg.Cursor)


def _execute_with_scope(execute, sql, params, context, scope: _Scope) -> object:
    """The scope's settings and the statement in ONE round trip: pipelined, sent together and
    synced once. PostgreSQL runs them in order in the current transaction, or, outside one, in
    the one implicit transaction they share up to the sync, which the transaction-local settings
    last for (and end with). The cursor is left on the statement's result; an error in either
    is raised as Django's, like any statement's. Issue 19: it saves a round trip a transaction,
    and three for a statement outside one (BEGIN, the settings, COMMIT), the organisation
    lookup and the read audit of every page."""
    connection = context["connection"]
    with connection.wrap_database_errors, connection.connection.pipeline():
        connection.connection.cursor().execute(*_scope_statement(scope))
        return execute(sql, params, False, context)


def _execute_wrapper(execute, sql, params, many, context):
    connection = context["connection"]
    raw = connection.connection
    if raw is None:
        return execute(sql, params, many, context)
    scope = _current.get()
    if raw.info.transaction_status == 0:  # IDLE: this statement starts a new transaction
        setattr(connection, _APPLIED, None)
    applied = getattr(connection, _APPLIED, None)
    wanted = scope.key() if scope is not None else None
    if connection.get_autocommit():
        if scope is None or not _DATA_STATEMENT_RE.match(sql) or not _touches_tenant_table(sql):
            return execute(sql, params, many, context)
        if _combinable(context["cursor"].cursor, many) and not _observers:
            return _execute_with_scope(execute, sql, params, context, scope)
        # A tenant statement outside a transaction: give it one, so SET LOCAL reaches it.
        with transaction.atomic(using=connection.alias):
            _apply(connection, context["cursor"].cursor, scope)
            setattr(connection, _APPLIED, wanted)
            return execute(sql, params, many, context)
    if applied != wanted:
        setattr(connection, _APPLIED, wanted)
        if scope is not None and _combinable(context["cursor"].cursor, many):
            result = _execute_with_scope(execute, sql, params, context, scope)
            if _observers:
                with connection.connection.cursor() as cursor:
                    _notify_observers(cursor, scope)
            return result
        _apply(connection, context["cursor"].cursor, scope)
    return execute(sql, params, many, context)


def install() -> None:
    """Called once from AppConfig.ready(): every PostgreSQL connection gets the wrapper."""
    wrap_every_connection(_execute_wrapper, uid="plp_rls_install")


# --- The request ------------------------------------------------------------------------------


class RowSecurityMiddleware:
    """The request's database scope. Placed after AuthenticationMiddleware (its ``__call__``:
    the signed-in person) and after OrganisationMiddleware (its ``process_view``: the
    organisation of an /o/ URL, or the person's own organisations elsewhere)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not active():
            return self.get_response(request)
        scope = _Scope(request=request)
        token = _current.set(scope)
        try:
            return self.get_response(request)
        finally:
            _current.reset(token)
            _release()

    def process_view(self, request, view_func, view_args, view_kwargs):
        scope = _current.get()
        if scope is None or scope.request is not request:
            return None
        org = getattr(request, "org", None)
        if org is not None:
            scope.org_ids = {org.pk}
        elif request.user.is_authenticated:
            request.membership_roles = user_membership_roles(user=request.user)
            scope.org_ids = {org_id for org_id, _, _ in request.membership_roles}
        scope.in_view = True
        scope.serial = next(_serial)
        return None


def _release() -> None:
    """After a request inside a longer transaction (tests): drop its role and settings now."""
    connection = connections["default"]
    if connection.connection is None or connection.get_autocommit():
        return
    if getattr(connection, _APPLIED, None) is not None and connection.connection.info.transaction_status != 0:
        with connection.cursor() as cursor:
            _apply(connection, cursor.cursor, None)
        setattr(connection, _APPLIED, None)


# --- Celery ------------------------------------------------------------------------------------

_task_tokens: dict = {}


def _task_prerun(sender=None, task_id=None, task=None, **kwargs):
    reason = getattr(task, "plp_system_scope", None)
    if not reason or not active():
        return  # no declared scope: the task sees no tenant rows (fail closed)
    scope = system_job_scope(f"celery {task.name}: {reason}")
    scope.__enter__()
    _task_tokens[task_id] = scope


def _task_postrun(sender=None, task_id=None, **kwargs):
    scope = _task_tokens.pop(task_id, None)
    if scope is not None:
        scope.__exit__(None, None, None)


def connect_celery() -> None:
    task_prerun.connect(_task_prerun, dispatch_uid="plp_rls_task_prerun", weak=False)
    task_postrun.connect(_task_postrun, dispatch_uid="plp_rls_task_postrun", weak=False)
