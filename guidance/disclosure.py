"""Statistical disclosure control for the figures a local authority sees (DESIGN.md tenancy rule 4:
aggregates only, small cells suppressed). Pure functions on counts: no database, no Django.

A table is a grid of counts with its row totals, column totals and grand total. Two rules:

* **Primary suppression**: a count from 1 to ``threshold - 1`` is withheld (a cell of 3 NEET
  leavers at one school points at three people). Zero is shown: "nobody" identifies nobody.
  A total under the threshold is withheld too.
* **Secondary suppression**: each row (its cells and its total), each column (its cells and its
  total), the row of column totals and the column of row totals (each with the grand total) is an
  equation a reader can solve. If exactly one of its figures is withheld, the others give it
  back; so a second figure of that equation is withheld as well — the smallest non-zero one that
  is shown (ties: the first in reading order), else the smallest shown. Repeated until no
  equation has exactly one withheld figure.

Nothing is ever un-suppressed, so the loop ends; the result does not depend on the order in
which equations are checked only up to the tie rule above, which is deterministic.
"""

from __future__ import annotations

from dataclasses import dataclass, field

DEFAULT_THRESHOLD = 5

# Keys of the figures of a table: ("cell", r, c), ("row", r), ("col", c), ("grand",).


@dataclass
class SuppressedTable:
    """A table after disclosure control. A withheld figure is ``None``."""

    cells: list[list[int | None]]
    row_totals: list[int | None]
    column_totals: list[int | None]
    grand_total: int | None
    primary: set = field(default_factory=set)
    secondary: set = field(default_factory=set)

    @property
    def suppressed_count(self) -> int:
        return len(self.primary) + len(self.secondary)


def _equations(n_rows: int, n_cols: int) -> list[list[tuple]]:
    equations = [[("cell", r, c) for c in range(n_cols)] + [("row", r)] for r in range(n_rows)]
    equations += [[("cell", r, c) for r in range(n_rows)] + [("col", c)] for c in range(n_cols)]
    equations.append([("col", c) for c in range(n_cols)] + [("grand",)])
    equations.append([("row", r) for r in range(n_rows)] + [("grand",)])
    return equations


def _values(counts: list[list[int]]) -> dict[tuple, int]:
    n_rows = len(counts)
    n_cols = len(counts[0]) if counts else 0
    if any(len(row) != n_cols for row in counts):
        raise ValueError("every row needs the same number of cells")
    values: dict[tuple, int] = {}
    for r, row in enumerate(counts):
        for c, n in enumerate(row):
            if n < 0:
                raise ValueError("counts cannot be negative")
            values[("cell", r, c)] = n
        values[("row", r)] = sum(row)
    for c in range(n_cols):
        values[("col", c)] = sum(counts[r][c] for r in range(n_rows))
    values[("grand",)] = sum(values[("row", r)] for r in range(n_rows))
    return values


def _protect(values: dict[tuple, int], equations: list[list[tuple]], *, threshold: int) -> tuple[set, set]:
    """Primary suppression of ``values``, then secondary suppression until no equation has
    exactly one withheld figure. Returns (primary, every withheld key)."""
    if threshold < 1:
        raise ValueError("threshold must be at least 1")
    order = {key: i for i, key in enumerate(values)}  # reading order, for ties
    primary = {key for key, n in values.items() if 0 < n < threshold}
    hidden = set(primary)
    changed = True
    while changed:
        changed = False
        for equation in equations:
            withheld = [key for key in equation if key in hidden]
            if len(withheld) != 1:
                continue
            shown = [key for key in equation if key not in hidden]
            if not shown:
                continue
            choice = min(shown, key=lambda key: (values[key] == 0, values[key], order[key]))
            hidden.add(choice)
            changed = True
    return primary, hidden


def _table_of(values, hidden, primary, n_rows, n_cols, *, cell="cell", row="row") -> SuppressedTable:
    def figure(key):
        return None if key in hidden else values[key]

    mine = {key for key in hidden if key[0] in (cell, row, "col", "grand")}
    return SuppressedTable(
        cells=[[figure((cell, r, c)) for c in range(n_cols)] for r in range(n_rows)],
        row_totals=[figure((row, r)) for r in range(n_rows)],
        column_totals=[figure(("col", c)) for c in range(n_cols)],
        grand_total=figure(("grand",)) if n_rows else 0,
        primary=primary & mine,
        secondary=mine - primary,
    )


def suppress(counts: list[list[int]], *, threshold: int = DEFAULT_THRESHOLD) -> SuppressedTable:
    """Withhold the figures of ``counts`` (rows of equal length) that could identify a person.

    Returns the cells with their totals (computed here from the counts, so the totals always
    add up), ``None`` where a figure is withheld."""
    values = _values(counts)
    n_rows, n_cols = len(counts), (len(counts[0]) if counts else 0)
    primary, hidden = _protect(values, _equations(n_rows, n_cols), threshold=threshold)
    return _table_of(values, hidden, primary, n_rows, n_cols)


def suppress_grouped(counts: list[list[int]], groups: list[int], *,
                     threshold: int = DEFAULT_THRESHOLD) -> tuple[SuppressedTable, SuppressedTable]:
    """Two linked tables protected together: ``counts`` (e.g. by school) and the same rows added
    up by ``groups[r]`` (the index of row r's group, e.g. its careers service), which share their
    column totals and grand total. Each group's figures are one more equation of its members'
    (a service's NEET count minus its other schools' would give a school's withheld count back),
    so a figure is withheld in one table wherever the other would let it be worked out.

    Returns (the table by row, the table by group); groups are numbered 0..max(groups)."""
    if len(groups) != len(counts):
        raise ValueError("one group per row")
    values = _values(counts)
    n_rows, n_cols = len(counts), (len(counts[0]) if counts else 0)
    n_groups = max(groups) + 1 if groups else 0
    members = [[r for r in range(n_rows) if groups[r] == g] for g in range(n_groups)]
    for g in range(n_groups):
        for c in range(n_cols):
            values[("gcell", g, c)] = sum(counts[r][c] for r in members[g])
        values[("grow", g)] = sum(values[("row", r)] for r in members[g])
    equations = _equations(n_rows, n_cols)
    for g in range(n_groups):
        equations += [[("cell", r, c) for r in members[g]] + [("gcell", g, c)] for c in range(n_cols)]
        equations.append([("gcell", g, c) for c in range(n_cols)] + [("grow", g)])
        equations.append([("row", r) for r in members[g]] + [("grow", g)])
    equations += [[("gcell", g, c) for g in range(n_groups)] + [("col", c)] for c in range(n_cols)]
    equations.append([("grow", g) for g in range(n_groups)] + [("grand",)])
    primary, hidden = _protect(values, equations, threshold=threshold)
    return (_table_of(values, hidden, primary, n_rows, n_cols),
            _table_of(values, hidden, primary, n_groups, n_cols, cell="gcell", row="grow"))


def rate(numerator: int | None, denominator: int | None) -> float | None:
    """A percentage, withheld (None) when either figure is withheld or the denominator is 0."""
    if numerator is None or not denominator:
        return None
    return round(100 * numerator / denominator, 1)
