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


def suppress(counts: list[list[int]], *, threshold: int = DEFAULT_THRESHOLD) -> SuppressedTable:
    """Withhold the figures of ``counts`` (rows of equal length) that could identify a person.

    Returns the cells with their totals (computed here from the counts, so the totals always
    add up), ``None`` where a figure is withheld."""
    if threshold < 1:
        raise ValueError("threshold must be at least 1")
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

    order = {key: i for i, key in enumerate(values)}  # reading order, for ties
    primary = {key for key, n in values.items() if 0 < n < threshold}
    hidden = set(primary)
    equations = _equations(n_rows, n_cols)
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

    def figure(key):
        return None if key in hidden else values[key]

    return SuppressedTable(
        cells=[[figure(("cell", r, c)) for c in range(n_cols)] for r in range(n_rows)],
        row_totals=[figure(("row", r)) for r in range(n_rows)],
        column_totals=[figure(("col", c)) for c in range(n_cols)],
        grand_total=figure(("grand",)) if n_rows else 0,
        primary=primary,
        secondary=hidden - primary,
    )


def rate(numerator: int | None, denominator: int | None) -> float | None:
    """A percentage, withheld (None) when either figure is withheld or the denominator is 0."""
    if numerator is None or not denominator:
        return None
    return round(100 * numerator / denominator, 1)
