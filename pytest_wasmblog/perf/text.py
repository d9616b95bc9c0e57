"""Values with units and fixed-width tables, for the terminal."""

from __future__ import annotations

from collections.abc import Sequence

from pytest_wasmblog.units import human_size


def format_value(value: float, unit: str) -> str:
    """`1234.5 ms`, `512 B`, `12.3 KB`, `1.25 MB` (1 KB = 1000 B, as budgets read them)."""
    if unit == "ms":
        return f"{value:.3f} ms" if abs(value) < 1 else f"{value:.1f} ms"  # postMessage takes 0.02 ms
    if unit == "bytes":
        return ("-" if value < 0 else "") + human_size(abs(value))
    if unit == "ratio":
        return f"{value:.2f}x"
    return f"{value:g} {unit}"


def render_table(headers: Sequence[str], rows: Sequence[Sequence[str]], right_aligned: Sequence[int] = ()) -> str:
    """A header, a rule and one line per row, each column as wide as its widest cell."""
    widths = [max([len(header), *(len(row[column]) for row in rows)]) for column, header in enumerate(headers)]

    def line(cells: Sequence[str]) -> str:
        padded = [
            cell.rjust(width) if column in right_aligned else cell.ljust(width)
            for column, (cell, width) in enumerate(zip(cells, widths, strict=True))
        ]
        return "  ".join(padded).rstrip()

    return "\n".join([line(headers), line(["-" * width for width in widths]), *(line(row) for row in rows)])
