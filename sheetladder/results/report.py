"""What reading a workbook yields: findings, the scores recomputed, and the raw ratings.

A Report crosses every boundary after the reader (JSON output, the history database, exports),
so it is a pydantic model.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from ..scoring import CategoryScore, RaterInput, RaterScore

Severity = Literal["error", "warning"]


class Finding(BaseModel):
    severity: Severity
    sheet: str | None = None
    cell: str | None = None
    message: str
    file: str | None = Field(default=None, description="The copy it was found in, in merged reports.")

    def __str__(self) -> str:
        where = ""
        if self.sheet and self.cell:
            where = f"{self.sheet}!{self.cell}: "
        elif self.sheet:
            where = f"{self.sheet}: "
        return f"{self.severity}: {where}{self.message}"


class LadderRef(BaseModel):
    id: str
    version: str
    hash: str


class Report(BaseModel):
    """The verified content of one workbook (or of several merged copies of it)."""

    file: str = Field(description="Path or spreadsheet URL; merged copies are joined by ' + '.")
    sources: list[str] = Field(default_factory=list, description="Every file this report read.")
    content_hash: str | None = Field(default=None, description="sha256 of the file's bytes.")
    person: str | None = None
    email: str | None = None
    period: str | None = None
    team: str | None = None
    managers: list[str] = Field(default_factory=list)
    ladder: LadderRef | None = None
    findings: list[Finding] = Field(default_factory=list)
    raters: list[RaterScore] = Field(default_factory=list)
    categories: list[CategoryScore] = Field(default_factory=list)
    total_points: float | None = None
    level_index: int | None = None
    level: str | None = None
    progress_to_next: float | None = None
    inputs: list[RaterInput] = Field(default_factory=list, description="Ratings and comments.")
    ladder_json: str | None = Field(
        default=None, repr=False,
        description="Canonical JSON of the ladder the workbook embeds (what its hash covers).",
    )
    unreadable: str | None = Field(
        default=None, description="Why the file could not be read at all (then nothing else is set)."
    )

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def ok(self) -> bool:
        return not self.errors
