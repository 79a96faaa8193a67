"""sheetladder: career-ladder definitions to spreadsheets people fill in, and back to results.

The flow, and where each stage lives::

    definition.load        a ladder from YAML, validated (definition.py)
    make_context           who is assessed, when, by whom (context.py)
    build_plan             the one layout of a workbook, shared by writers and reader (plan.py)
    render_one / save      a plan as .xlsx (render.py, xlsx/write.py)
    publish_assessment     a plan as a Google Sheet (google/publish.py)
    read / read_many       a filled workbook judged against the plan it embeds (results/read.py,
                           verify/)
    History / collect      results stored over periods (results/store.py, results/collect.py)
    export                 a period for ops, as CSV, XLSX or JSON (results/export.py)
    calibrate              how a period's raters rate: leniency, agreement, self-other
                           (results/calibrate.py), for ops
    status                 who has returned, who is missing, what was refused: the manifest
                           render_roster writes (manifest.py) set against the history
                           (results/status.py)

Every error the library raises on purpose is a :class:`SheetladderError`.

Names are imported on first use, so that ``import sheetladder`` stays cheap and a process that
only reads workbooks never loads the database layer.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "Ladder": "definition",
    "load": "definition",
    "load_text": "definition",
    "validate_files": "definition",
    "DefinitionError": "definition",
    "Context": "context",
    "make_context": "context",
    "WorkbookPlan": "plan",
    "build_plan": "plan",
    "render_one": "render",
    "render_roster": "render",
    "save": "xlsx.write",
    "to_bytes": "xlsx.write",
    "publish_assessment": "google.publish",
    "read": "results.read",
    "read_many": "results.read",
    "Report": "results.report",
    "Finding": "results.report",
    "History": "results.store",
    "collect": "results.collect",
    "export": "results.export",
    "calibrate": "results.calibrate",
    "Calibration": "results.calibrate",
    "status": "results.status",
    "ManifestRow": "manifest",
    "read_manifest": "manifest",
    "score": "scoring",
    "SheetladderError": "errors",
    "UnreadableWorkbook": "errors",
}
_RENAMED = {"read": "read_path", "export": "build", "score": "score", "status": "status_of"}

__all__ = sorted(_EXPORTS)

if TYPE_CHECKING:  # for type checkers and readers: the same names, imported eagerly
    from .context import Context, make_context
    from .definition import DefinitionError, Ladder, load, load_text, validate_files
    from .errors import SheetladderError, UnreadableWorkbook
    from .google.publish import publish_assessment
    from .manifest import ManifestRow, read_manifest
    from .plan import WorkbookPlan, build_plan
    from .render import render_one, render_roster
    from .results.calibrate import Calibration, calibrate
    from .results.collect import collect
    from .results.export import build as export
    from .results.read import read_many
    from .results.read import read_path as read
    from .results.report import Finding, Report
    from .results.status import status_of as status
    from .results.store import History
    from .scoring import score
    from .xlsx.write import save, to_bytes


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'sheetladder' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), _RENAMED.get(name, name))
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
