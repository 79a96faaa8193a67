"""Settings for a process sheetladder owns: the command line's, and its worker processes'.

Library calls never change process-wide state. A process that runs sheetladder as its main job
(``sheetladder`` itself, a worker started by a batch, a benchmark) may call :func:`tune` once.
"""

from __future__ import annotations

import gc

# A workbook planned, written or read is tens of thousands of short-lived objects, freed by
# reference counting (no cycles: xlsx.write cuts xlsxwriter's one). With the default threshold
# the cyclic collector runs every 700 allocations and walks them while they are alive, and every
# few dozen workbooks a full collection walks the whole process: 1-2 ms of a workbook's ~15.
# A higher first threshold makes those walks rare; collection itself stays on.
GEN0_THRESHOLD = 100_000


def tune() -> None:
    """Tune the garbage collector for batches of workbooks. For a process's owner only."""
    _, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(GEN0_THRESHOLD, gen1, gen2)
