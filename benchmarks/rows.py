"""What the benchmark scripts share: a row of run_all's table, and printing a profile.

Not a benchmark itself (run_all.py runs the scripts it lists in SCRIPTS)."""

from __future__ import annotations

import cProfile
import io
import pstats
from typing import Any


def table_row(name: str, figure: float, unit: str, floor: float | None, target: str,
        limit: float | None, by_ratio: bool) -> dict[str, Any]:
    """One line of run_all's table: ``limit`` applies to the ratio (``by_ratio``) or the figure."""
    ratio = figure / floor if floor else None
    judged = ratio if by_ratio else figure
    return {"name": name, "figure": round(figure, 3), "unit": unit,
            "floor": round(floor, 3) if floor is not None else None,
            "ratio": round(ratio, 2) if ratio is not None else None, "target": target,
            "passed": None if limit is None or judged is None else judged <= limit}


def print_profile(pr: cProfile.Profile, title: str, top: int, key: str = "tottime") -> None:
    """cProfile's top ``top`` functions by ``key``, under a title, without pstats' preamble."""
    text = io.StringIO()
    pstats.Stats(pr, stream=text).sort_stats(key).print_stats(top)
    print(f"\n--- profile: {title} ---")
    print("\n".join(line for line in text.getvalue().splitlines()[4:] if line.strip()))
