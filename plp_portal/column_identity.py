"""A column's identity (``Col.identity``) without ``inspect`` — the same tuple, computed directly.

Why (issue 19): Django compares and hashes query expressions by their ``identity``, a tuple built
from the constructor's arguments by binding them to its ``inspect.Signature`` (``bind_partial``
and ``apply_defaults``: about 10 µs an expression). When a query has an ORDER BY, the compiler
hashes every selected column to find ORDER BY terms it can write by position
(``SQLCompiler._order_by_pairs``), and the columns are new objects for every query, so the
cached property never helps: a plan page's ordered queries with their ``select_related`` joins
hash about 400 columns a request. ``Col(alias, target, output_field=None)`` has a fixed
signature, so its identity is just ``(Col, ("alias", alias), ("target", <target's identity>),
("output_field", <output field's identity or None>))``, exactly what Django builds.

Installed when this module is imported (``plp_portal.tenancy`` imports it, like ``lookups``),
and only if ``Col.__init__`` still has that signature; ``tests/test_column_identity.py``
compares the result with Django's own ``Expression.identity`` for every way a column is
built, so a Django upgrade that changes either fails there rather than changing equality."""

import inspect

from django.db.models.expressions import Col, Expression
from django.utils.functional import cached_property

_SIGNATURE = ["self", "alias", "target", "output_field"]


def _col_identity(col) -> tuple:
    args, kwargs = col._constructor_args
    values = dict(zip(_SIGNATURE[1:], args))
    values.update(kwargs)
    return (
        col.__class__,
        ("alias", values["alias"]),
        ("target", Expression._identity(values["target"])),
        ("output_field", Expression._identity(values.get("output_field"))),
    )


def install() -> bool:
    """Give ``Col`` the direct identity, if its constructor is the one this module knows."""
    if "identity" in Col.__dict__:
        return True  # installed already
    if list(inspect.signature(Col.__init__).parameters) != _SIGNATURE:
        return False  # a Django whose Col is built otherwise keeps its own identity
    identity = cached_property(_col_identity)
    identity.__set_name__(Col, "identity")
    Col.identity = identity
    return True


install()
