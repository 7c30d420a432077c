"""Small-count suppression for published tables with totals.

Primary: every count from 1 to `threshold - 1` is hidden. Complementary: while a row or column (totals
included) hides exactly one entry, or while linear reasoning over the published totals still pins a hidden
entry to one value (checked by linear programming: the smallest and largest value it can take given every
published number and that counts are not negative), one more entry of that line is hidden — the smallest
non-zero one, so hidden values can trade against each other.
"""

from dataclasses import dataclass

import numpy as np


@dataclass
class Table:
    """Counts with row and column totals: `values[i][j]`, the last row and column being the totals."""

    rows: list[str]
    columns: list[str]
    values: list[list[int]]
    hidden: list[list[bool]]

    @classmethod
    def of(cls, rows: list[str], columns: list[str], inner: list[list[int]]) -> "Table":
        totals = [[*r, sum(r)] for r in inner]
        bottom = [sum(r[j] for r in totals) for j in range(len(columns) + 1)]
        full = [*totals, bottom]
        return cls(rows, columns, full, [[False] * len(full[0]) for _ in full])

    def lines(self) -> list[list[tuple[int, int]]]:
        n, m = len(self.values), len(self.values[0])
        return [[(i, j) for j in range(m)] for i in range(n)] + [[(i, j) for i in range(n)] for j in range(m)]

    def published(self) -> list[list[int | None]]:
        return [[None if h else v for v, h in zip(vr, hr, strict=True)] for vr, hr in zip(self.values, self.hidden,
                                                                                         strict=True)]


def ranges(published: list[list[int | None]]) -> dict[tuple[int, int], tuple[float, float]]:
    """For each hidden entry, the least and most it can be given what is published (every line sums to its
    total; no count is negative)."""
    # SciPy takes some 50 MB of each worker: loaded when a monitor table first hides something, not at start.
    from scipy.optimize import linprog  # type: ignore[import-untyped]

    n, m = len(published), len(published[0])
    unknown = [(i, j) for i in range(n) for j in range(m) if published[i][j] is None]
    if not unknown:
        return {}
    index = {cell: k for k, cell in enumerate(unknown)}
    rows, rhs = [], []
    for line in [[(i, j) for j in range(m - 1)] + [(i, m - 1)] for i in range(n)] + \
                [[(i, j) for i in range(n - 1)] + [(n - 1, j)] for j in range(m)]:
        coefficients, constant = np.zeros(len(unknown)), 0.0
        for position, cell in enumerate(line):
            sign = -1.0 if position == len(line) - 1 else 1.0  # parts minus the total is zero
            value = published[cell[0]][cell[1]]
            if value is None:
                coefficients[index[cell]] += sign
            else:
                constant += sign * value
        if coefficients.any():
            rows.append(coefficients)
            rhs.append(-constant)
    found = {}
    for cell, k in index.items():
        objective = np.zeros(len(unknown))
        objective[k] = 1.0
        low = linprog(objective, A_eq=np.array(rows), b_eq=np.array(rhs), bounds=(0, None), method="highs")
        high = linprog(-objective, A_eq=np.array(rows), b_eq=np.array(rhs), bounds=(0, None), method="highs")
        found[cell] = (round(low.fun), float("inf") if high.status == 3 else round(-high.fun))
    return found


def suppress(tables: list[Table], threshold: int) -> None:
    """Hide in place. Tables share their column totals (the same bands counted by another breakdown): a total
    hidden in one is hidden in all."""
    for table in tables:
        for i, row in enumerate(table.values):
            for j, value in enumerate(row):
                table.hidden[i][j] = 0 < value < threshold
    for _ in range(100):  # each round hides at least one more entry, and tables are small
        changed = _share_totals(tables)
        for table in tables:
            changed |= _complete_lines(table)
        if not changed:
            for table in tables:
                changed |= _break_pins(table)
        if not changed:
            return
    raise RuntimeError("suppression did not settle")


def _share_totals(tables: list[Table]) -> bool:
    shared = [any(t.hidden[-1][j] for t in tables) for j in range(len(tables[0].values[0]))]
    changed = False
    for table in tables:
        for j, hide in enumerate(shared):
            if hide and not table.hidden[-1][j]:
                table.hidden[-1][j] = changed = True
    return changed


def _hide_partner(table: Table, line: list[tuple[int, int]], besides: tuple[int, int]) -> bool:
    candidates = [c for c in line if c != besides and not table.hidden[c[0]][c[1]]]
    if not candidates:
        return False
    # Smallest non-zero entry first, inner cells before totals.
    n, m = len(table.values), len(table.values[0])
    i, j = min(candidates, key=lambda c: (table.values[c[0]][c[1]] == 0, c[0] == n - 1 or c[1] == m - 1,
                                          table.values[c[0]][c[1]]))
    table.hidden[i][j] = True
    return True


def _complete_lines(table: Table) -> bool:
    changed = False
    for line in table.lines():
        hidden = [c for c in line if table.hidden[c[0]][c[1]]]
        if len(hidden) == 1:
            changed |= _hide_partner(table, line, hidden[0])
    return changed


def _break_pins(table: Table) -> bool:
    for cell, (low, high) in ranges(table.published()).items():
        if low == high:
            row = [(cell[0], j) for j in range(len(table.values[0]))]
            column = [(i, cell[1]) for i in range(len(table.values))]
            return _hide_partner(table, row, cell) or _hide_partner(table, column, cell)
    return False
