"""Disclosure control against hand-computed fixtures (guidance.disclosure: no database)."""

import pytest

from guidance.disclosure import rate, suppress, suppress_grouped

S = None  # a suppressed figure


def test_nothing_small_nothing_suppressed():
    t = suppress([[5, 6], [7, 8]], threshold=5)
    assert t.cells == [[5, 6], [7, 8]]
    assert t.row_totals == [11, 15] and t.column_totals == [12, 14] and t.grand_total == 26
    assert t.suppressed_count == 0


def test_zero_is_shown_nobody_identifies_nobody():
    t = suppress([[0, 10], [6, 0]], threshold=5)
    assert t.cells == [[0, 10], [6, 0]] and t.suppressed_count == 0


def test_a_small_cell_takes_a_second_cell_of_its_row_and_column_with_it():
    # Row 0 = 10 + 3 + 7 = 20. The 3 is withheld (primary). Row 0 would give it back (20 - 10 - 7),
    # so its smallest other non-zero cell, 7, goes too; column 1 (3 + 9 = 12) then takes the 9,
    # column 2 (7 + 6 = 13) the 6. Every row and column now has two withheld cells; totals stay.
    t = suppress([[10, 3, 7], [8, 9, 6]], threshold=5)
    assert t.cells == [[10, S, S], [8, S, S]]
    assert t.row_totals == [20, 23] and t.column_totals == [18, 12, 13] and t.grand_total == 43
    assert t.primary == {("cell", 0, 1)}
    assert t.secondary == {("cell", 0, 2), ("cell", 1, 1), ("cell", 1, 2)}


def test_no_suppressed_cell_can_be_recovered_from_the_totals():
    counts = [[10, 3, 7], [8, 9, 6], [12, 0, 4]]
    t = suppress(counts, threshold=5)
    # Every row and every column holds zero or at least two withheld figures (cells or total).
    for r, row in enumerate(t.cells):
        assert [*row, t.row_totals[r]].count(None) != 1
    for c in range(3):
        assert [*(row[c] for row in t.cells), t.column_totals[c]].count(None) != 1
    assert [*t.column_totals, t.grand_total].count(None) != 1
    assert [*t.row_totals, t.grand_total].count(None) != 1
    # The 3 and the 4 are withheld; the figures shown are the true ones.
    assert t.cells[0][1] is None and t.cells[2][2] is None
    for r, row in enumerate(t.cells):
        for c, value in enumerate(row):
            assert value is None or value == counts[r][c]


def test_one_row_trend_suppresses_the_column_total_too():
    # A single row: each column total equals its only cell, so a withheld cell withholds its
    # column total (primary, same value); the row's equation takes the 12 and then its total.
    t = suppress([[2, 0, 12]], threshold=5)
    assert t.cells == [[S, 0, S]]
    assert t.column_totals == [S, 0, S]
    assert t.row_totals == [14] and t.grand_total == 14


def test_small_totals_are_withheld():
    t = suppress([[1, 2]], threshold=5)
    assert t.cells == [[S, S]] and t.row_totals == [S] and t.column_totals == [S, S] and t.grand_total is S


def test_threshold_is_the_authoritys_setting():
    assert suppress([[3, 10], [10, 10]], threshold=3).suppressed_count == 0
    assert suppress([[3, 10], [10, 10]], threshold=4).cells == [[S, S], [S, S]]


def test_empty_table_and_bad_input():
    t = suppress([], threshold=5)
    assert t.cells == [] and t.grand_total == 0
    with pytest.raises(ValueError):
        suppress([[1, 2], [3]], threshold=5)
    with pytest.raises(ValueError):
        suppress([[-1]], threshold=5)


def test_rate_of_a_withheld_figure_is_withheld():
    assert rate(2, 40) == 5.0
    assert rate(None, 40) is None and rate(3, None) is None and rate(0, 0) is None


def test_grouped_tables_are_protected_together():
    # Rows: A [10, 3], B [8, 9], C [6, 6]; groups: A and B in group 0, C alone in group 1.
    # By hand, in the order the equations are checked: A's 3 (primary) takes A's 10 (row A);
    # then C's 6 and 6 (columns 0 and 1: the smallest shown); then group 0's columns
    # (A + B = group 0) take B's 8 and 9; group 1 is C alone, so its 6 and 6 go; and the
    # columns of the group table (group 0 + group 1 = column total) take group 0's 18 and 12.
    # Unlinked, group 0's 12 minus B's 9 would have given A's 3 back. Every total stays.
    by_row, by_group = suppress_grouped([[10, 3], [8, 9], [6, 6]], [0, 0, 1], threshold=5)
    assert by_row.cells == [[S, S], [S, S], [S, S]] and by_row.row_totals == [13, 17, 12]
    assert by_row.column_totals == [24, 18] and by_row.grand_total == 42
    assert by_group.cells == [[S, S], [S, S]] and by_group.row_totals == [30, 12]
    assert by_group.column_totals == [24, 18] and by_group.grand_total == 42
    assert by_row.primary == {("cell", 0, 1)}


def test_grouped_rows_of_a_single_member_group_share_their_withholding():
    by_row, by_group = suppress_grouped([[10, 3], [8, 9]], [0, 1], threshold=5)
    assert by_group.cells == by_row.cells
    assert by_group.row_totals == by_row.row_totals
