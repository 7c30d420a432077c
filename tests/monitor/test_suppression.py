"""No suppressed cell of a published monitor table can be worked out from what is published.

Checked two ways, both from the published numbers only: exhaustively for small tables (every filling of the
hidden cells that adds up to every published total), and by linear programming for larger ones."""

import itertools
import random

from gateway.monitor.suppression import Table, ranges, suppress


def fillings(published: list[list[int | None]], limit: int) -> dict[tuple[int, int], set[int]]:
    """Every value each hidden cell takes over all consistent fillings (values 0..limit)."""
    n, m = len(published), len(published[0])
    hidden = [(i, j) for i in range(n) for j in range(m) if published[i][j] is None]
    seen: dict[tuple[int, int], set[int]] = {c: set() for c in hidden}
    for values in itertools.product(range(limit + 1), repeat=len(hidden)):
        full = [row[:] for row in published]
        for (i, j), v in zip(hidden, values, strict=True):
            full[i][j] = v
        rows_ok = all(sum(r[:-1]) == r[-1] for r in full)  # type: ignore[arg-type]
        cols_ok = all(sum(full[i][j] for i in range(n - 1)) == full[-1][j] for j in range(m))  # type: ignore[misc]
        if rows_ok and cols_ok:
            for cell, v in zip(hidden, values, strict=True):
                seen[cell].add(v)
    return seen


def test_small_tables_exhaustively() -> None:
    rng = random.Random(7)
    checked = 0
    for _ in range(60):
        inner = [[rng.choice([0, 1, 2, 3, 6, 8]) for _ in range(2)] for _ in range(2)]
        table = Table.of(["a", "b"], ["x", "y"], inner)
        suppress([table], threshold=5)
        published = table.published()
        if sum(v is None for row in published for v in row) > 5:
            continue
        for cell, values in fillings(published, limit=table.values[-1][-1]).items():
            assert len(values) >= 2, (inner, published, cell, values)
            checked += 1
    assert checked > 40


def test_larger_tables_by_linear_programming() -> None:
    rng = random.Random(11)
    hidden_total = 0
    for _ in range(40):
        rows, cols = rng.randrange(2, 8), 3
        inner = [[rng.choice([0, 1, 2, 4, 5, 9, 12, 30]) for _ in range(cols)] for _ in range(rows)]
        table = Table.of([str(i) for i in range(rows)], ["<4w", "4w-3m", ">3m"], inner)
        suppress([table], threshold=5)
        published = table.published()
        for cell, (low, high) in ranges(published).items():
            assert low < high, (inner, cell)
            hidden_total += 1
        # Every count from 1 to 4 is hidden; nothing else is changed.
        for row_values, row_published in zip(table.values, published, strict=True):
            for value, shown in zip(row_values, row_published, strict=True):
                assert shown is None if 0 < value < 5 else shown in (None, value)
    assert hidden_total > 100


def test_linked_tables_hide_a_shared_total_in_both() -> None:
    by_gemeente = Table.of(["Utrecht", "Zeist"], ["<4w", "4w-3m", ">3m"], [[20, 9, 3], [11, 6, 0]])
    by_school = Table.of(["po", "vo"], ["<4w", "4w-3m", ">3m"], [[15, 7, 1], [16, 8, 2]])
    suppress([by_gemeente, by_school], threshold=5)
    assert by_gemeente.hidden[-1] == by_school.hidden[-1]
    for table in (by_gemeente, by_school):
        assert all(low < high for low, high in ranges(table.published()).values())
