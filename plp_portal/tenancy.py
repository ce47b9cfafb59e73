"""Tenancy by construction: every tenant-owned row names its organisation, and every query of
a tenant-owned model must say which organisation it is for.

    Plan.objects.for_org(request.org).get(pk=plan_id)      # the normal way
    Plan.objects.filter(pk=plan_id)                         # raises UnscopedQueryError
    Plan.objects.system("nightly reminders").filter(...)    # explicit, greppable escape hatch

The invariant: a queryset of a ``TenantModel`` built from its default manager cannot be
evaluated — nor used inside another query (``pk__in=qs``, ``Exists(qs)``, ``Subquery(qs)``) —
until ``for_org()`` (or ``system(reason)``) has been applied. Like django-scopes, which refuses
at ``filter()`` time, a nested unscoped queryset is refused when the outer query takes it in
(``TenantQuery.resolve_expression``: when the filter or annotation is added), not later.

Querysets reached through a related manager of a TENANT object already fetched
(``plan.targets.all()``, ``prefetch_related``) are scoped by that object and pass. A related
manager of anything else — notably a user: ``user.memberships``, ``user.learner_profiles``, whose
rows span organisations — is NOT a scope: it must say ``.for_org(org)`` or ``.system(reason)``
like the default manager. Forward foreign keys go through the plain base manager.
"""

from __future__ import annotations

import contextlib
import contextvars

from django.contrib import admin
from django.db import models
from django.db.models import sql

from plp_portal import column_identity  # noqa: F401  (a column's identity without inspect)
from plp_portal import lookups  # noqa: F401  (registers ``__any``, used by ``for_orgs``)

_system_scope: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "plp_system_scope", default=None
)


class UnscopedQueryError(RuntimeError):
    """A tenant-owned model was queried without naming the organisation."""


@contextlib.contextmanager
def system_scope(reason: str, *, database: bool = True):
    """Allow unscoped queries of tenant models inside the block (migrations, commands, jobs).

    ``reason`` is required so every use says why it may cross organisations. Outside any request
    or job (a management command, a shell) it is the database's system scope too, audited
    (``plp_portal.rls``); inside a request the request's row-level security still holds.
    ``database=False``: the ORM check only (Django's own unique validation of one row)."""
    if not reason:
        raise ValueError("system_scope needs a reason")
    from plp_portal import rls

    token = _system_scope.set(reason)
    try:
        with rls.system_job_scope_if_outside(reason) if database else contextlib.nullcontext():
            yield
    finally:
        _system_scope.reset(token)


def _refuse_unscoped(model) -> None:
    if _system_scope.get() is None:
        raise UnscopedQueryError(
            f"{model.__name__} queried without an organisation: use "
            f".for_org(org), or .system(reason) for system work"
        )


class TenantQuery(sql.Query):
    """The SQL query of a tenant queryset. ``plp_unscoped`` is set on the query of a queryset
    taken from the default manager (or a non-tenant object's related manager) and cleared by
    ``for_org``/``for_orgs``/``system``; it is copied with every clone. Queries Django builds
    itself (the inner query of an ``exclude()`` across a relation, correlated to the outer row)
    start without it."""

    plp_unscoped = False

    def resolve_expression(self, query, *args, **kwargs):
        # Called when this query becomes part of another: ``pk__in=qs``, ``Exists(qs)``,
        # ``Subquery(qs)``. An unscoped one is refused as loudly as evaluating it would be.
        if self.plp_unscoped:
            _refuse_unscoped(self.model)
        return super().resolve_expression(query, *args, **kwargs)


class TenantQuerySet(models.QuerySet):
    _plp_scoped = False

    def __init__(self, model=None, query=None, using=None, hints=None):
        super().__init__(model=model, query=query if query is not None else TenantQuery(model), using=using,
                         hints=hints)

    def _clone(self):
        clone = super()._clone()
        clone._plp_scoped = self._plp_scoped
        return clone

    def _mark_scoped(self):
        self._plp_scoped = True
        self.query.plp_unscoped = False
        return self

    def _mark_unscoped(self):
        self._plp_scoped = False
        self.query.plp_unscoped = True
        return self

    def for_org(self, org) -> TenantQuerySet:
        """Rows owned by ``org`` (an Organisation or its id)."""
        if org is None:
            raise UnscopedQueryError("for_org(None): no organisation was resolved")
        org_id = org if isinstance(org, int) else org.pk
        return self.filter(organisation_id=org_id)._mark_scoped()

    def for_orgs(self, org_ids) -> TenantQuerySet:
        """Rows owned by any of ``org_ids`` — for a grant that spans organisations (a partnership,
        an authority's schools); the caller computes the ids from the recorded grant."""
        return self.filter(organisation_id__any=list(org_ids))._mark_scoped()

    def system(self, reason: str) -> TenantQuerySet:
        """Every organisation's rows, for system work that states why (jobs, commands, admin)."""
        if not reason:
            raise ValueError("system() needs a reason")
        return self._clone()._mark_scoped()

    def _check_scope(self):
        if not self._plp_scoped:
            _refuse_unscoped(self.model)

    # Combining querysets (``a | b``, ``a & b``, ``a ^ b``, ``a.union(b)``…): the result carries
    # the left side's scope, so an unscoped side would pass into a "scoped" query. Refused when
    # they are combined, like an unscoped subquery (an empty ``none()`` side adds no rows).
    @staticmethod
    def _check_combined(*querysets):
        for queryset in querysets:
            if isinstance(queryset, TenantQuerySet) and not queryset._plp_scoped \
                    and not queryset.query.is_empty():
                _refuse_unscoped(queryset.model)

    def __or__(self, other):
        self._check_combined(self, other)
        return super().__or__(other)

    def __and__(self, other):
        self._check_combined(self, other)
        return super().__and__(other)

    def __xor__(self, other):
        self._check_combined(self, other)
        return super().__xor__(other)

    def _combinator_query(self, combinator, *other_qs, all=False):
        self._check_combined(self, *other_qs)
        return super()._combinator_query(combinator, *other_qs, all=all)

    def _fetch_all(self):
        if self._result_cache is None:
            self._check_scope()
            if self.query.is_empty():  # ``none()``: no rows, and no SQL to compile to learn it
                self._result_cache = []
                return
        super()._fetch_all()

    def count(self):
        if self._result_cache is None:
            self._check_scope()
        return super().count()

    def exists(self):
        if self._result_cache is None:
            self._check_scope()
        return super().exists()

    def aggregate(self, *args, **kwargs):
        self._check_scope()
        return super().aggregate(*args, **kwargs)

    def update(self, **kwargs):
        self._check_scope()
        return super().update(**kwargs)

    update.alters_data = True

    def delete(self):
        self._check_scope()
        return super().delete()

    delete.alters_data = True

    def iterator(self, chunk_size=None):
        self._check_scope()
        return super().iterator(chunk_size=chunk_size)

    def explain(self, **kwargs):
        self._check_scope()
        return super().explain(**kwargs)


class TenantManager(models.Manager.from_queryset(TenantQuerySet)):
    """Fails closed: querysets from it must be scoped before they are evaluated."""

    def get_queryset(self):
        queryset = super().get_queryset()
        # A related manager of a tenant object (``plan.targets``, prefetches) is bound to an
        # object that was itself fetched through a scope, and filters by it: that is the scope.
        # One of a user (``user.memberships``) or any other non-tenant object spans
        # organisations: it is not a scope.
        if isinstance(getattr(self, "instance", None), TenantModel):
            return queryset._mark_scoped()
        return queryset._mark_unscoped()


class TenantModel(models.Model):
    """Base for every tenant-owned model: carries ``organisation`` and the fail-closed manager.

    Unique constraints of subclasses include ``organisation`` (Citus-ready, DESIGN.md)."""

    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="+"
    )

    objects = TenantManager()

    class Meta:
        abstract = True

    # Django's own unique/constraint validation filters on the row's values, which include the
    # organisation for every tenant constraint; it may query without a scope.
    def _perform_unique_checks(self, unique_checks):
        with system_scope("unique validation of a row that names its organisation", database=False):
            return super()._perform_unique_checks(unique_checks)

    def validate_constraints(self, exclude=None):
        with system_scope("constraint validation of a row that names its organisation", database=False):
            return super().validate_constraints(exclude=exclude)


class TenantAdmin(admin.ModelAdmin):
    """Admin for a tenant model. Platform operators (Django superusers, never organisation
    users) work across organisations here: a stated system scope."""

    def get_queryset(self, request):
        return super().get_queryset(request).system("platform admin")
