"""Sizes as people read them. The kilobyte is 1,000 bytes everywhere in this project, as browsers'
network panels, HTTP transfer reports and the budgets count it (`size.total.br<=800KB`), never 1,024."""

from __future__ import annotations

KB = 1000
MB = 1000 * KB
_UNITS = ("KB", "MB", "GB", "TB")


def human_size(num_bytes: float) -> str:
    """A byte count with three significant digits: "980 B", "12.3 KB", "1.24 MB"."""
    if num_bytes < 0:
        raise ValueError(f"negative size: {num_bytes}")
    if num_bytes < KB:
        return f"{num_bytes:.0f} B"
    value = float(num_bytes)
    for unit in _UNITS:
        value /= KB
        text = _three_significant_digits(value)
        # Rounding can reach 1000 (999_999 B -> "1000 KB"); promote to next unit.
        if float(text) < KB or unit == _UNITS[-1]:
            return f"{text} {unit}"
    raise AssertionError("unreachable")


def _three_significant_digits(value: float) -> str:
    # Decide decimals on the rounded text so 9.999 becomes "10.0", not "10.00".
    for decimals, limit in ((2, 10.0), (1, 100.0)):
        text = f"{value:.{decimals}f}"
        if float(text) < limit:
            return text
    return f"{value:.0f}"
