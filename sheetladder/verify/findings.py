"""The findings of one file: a cap on cell-level findings per sheet, and short quotes."""

from __future__ import annotations

from ..results.report import Finding, Severity

MAX_CELL_FINDINGS = 12  # per sheet; the rest are counted in one finding
_SHORT = 70


class _Findings:
    """Findings of one file, with a cap on cell-level findings per sheet."""

    def __init__(self) -> None:
        self.items: list[Finding] = []
        self._per_sheet: dict[str, int] = {}
        self.definition_doubt: str | None = None  # why the embedded definition is not trusted
        self.unread_ratings: list[str] = []  # "Tab!D5": ratings typed that are no level
        # rater tabs (as named in the file) whose rater is not certain: their names were
        # swapped (see align._titles_swapped); no figure is computed from their ratings
        self.unsure_tabs: list[str] = []
        # a tab deleted (casefolded) -> the (sheet, cell) of each formula whose references to
        # it are #REF! now: one finding for them all (see verify._tab_deleted)
        self.tabs_lost: dict[str, list[tuple[str, str]]] = {}
        # "Copy!D6" of each rating on a copy of a rater tab ('Self (2)') that the tab read
        # lacks or holds otherwise: which of the two is the rater's is not certain, so no
        # figure is computed (see align._extra_tab)
        self.copied_ratings: list[str] = []
        # "Tab!D5" of each rating cell whose rating was cut and pasted (or dragged) elsewhere,
        # the workbook's formulas following it (see verify._rating_moved): no figure
        self.moved_ratings: list[str] = []

    def add(self, severity: Severity, sheet: str | None, cell: str | None, message: str,
            layout: bool = False) -> None:
        self.items.append(Finding(severity=severity, sheet=sheet, cell=cell, message=message,
                                  layout=layout))

    def layout(self, sheet: str, cell: str | None, message: str) -> None:
        """An error about rows or columns inserted, deleted or moved on ``sheet``
        (:attr:`Finding.layout`): its message quotes only what the workbook was made with."""
        self.add("error", sheet, cell, message, layout=True)

    def cell(self, severity: Severity, sheet: str, cell: str, message: str) -> None:
        n = self._per_sheet.get(sheet, 0) + 1
        self._per_sheet[sheet] = n
        if n <= MAX_CELL_FINDINGS:
            self.add(severity, sheet, cell, message)

    def close(self) -> list[Finding]:
        """The findings, with one for each sheet over the cap counting the cells not listed. It
        must read right alone: a report may withhold the cell findings before it (those of a
        pooled rater's tab, or of the Summary's column per rater); it names no cell, as a cell
        of the Summary tells whose column it is."""
        for sheet, n in self._per_sheet.items():
            if n > MAX_CELL_FINDINGS:
                self.add("error", sheet, None,
                         f"{n} cell(s) of this sheet differ from the workbook as made "
                         f"({MAX_CELL_FINDINGS} with a finding of their own, "
                         f"{n - MAX_CELL_FINDINGS} more counted here)")
        return self.items


def _short(s: str, n: int = _SHORT) -> str:
    s = " ".join(s.split())
    return s if len(s) <= n else s[: n - 1] + "…"
