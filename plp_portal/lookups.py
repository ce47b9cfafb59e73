"""``<id field>__any=ids``: the rows whose id is one of ``ids``, like ``__in``, with the list sent
as ONE array parameter (``col = ANY(%s::bigint[])``) on PostgreSQL.

Why (issue 19): ``__in`` prepares each element through the field (about 30 Python calls an id), so
a query over an authority's or a careers service's schools costs more Python the more schools the
grant has, whatever the page shows. PostgreSQL reads ``IN (1, 2, 3)`` as ``= ANY('{1,2,3}')``
anyway: the plan is the same. Ids only (integers; a subquery is ``__in``'s job). Other databases
(SQLite for ``make demo``) get the plain ``IN`` list.

Registered on every field when this module is imported (``plp_portal.tenancy`` does, so every
model module has it): ``Model.objects.for_orgs(ids)`` and ``filter(school_id__any=ids)``."""

from django.core.exceptions import EmptyResultSet
from django.db.models import Field, ForeignObject, Lookup


class AnyId(Lookup):
    lookup_name = "any"
    prepare_rhs = False

    def get_prep_lookup(self):
        if hasattr(self.rhs, "resolve_expression") or isinstance(self.rhs, (str, bytes)):
            raise TypeError("__any takes a list of ids (a subquery: __in)")
        return [int(value) for value in self.rhs]  # checked once, not prepared per element

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        if not self.rhs:
            raise EmptyResultSet
        return f"{lhs} IN ({', '.join(['%s'] * len(self.rhs))})", (*lhs_params, *self.rhs)

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        # The array as its text form: psycopg would dump a list element by element.
        return f"{lhs} = ANY(%s::bigint[])", (*lhs_params, "{%s}" % ",".join(map(str, self.rhs)))


Field.register_lookup(AnyId)
ForeignObject.register_lookup(AnyId)  # a foreign key keeps a lookup list of its own
