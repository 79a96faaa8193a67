"""Choosing among the candidates of every sheet; refusing with the best guess when doubtful."""

from __future__ import annotations

from detect import Explicit, Found, command, layouts

from sheetladder.importer import Detection, ImportFailed, Orientation, read_tables, summary_lines


class ImportDoubtful(ImportFailed):
    """The best layout found did not pass the plausibility checks."""

    def __init__(self, message: str, found: Found | None):
        super().__init__(message)
        self.found = found


def import_matrix(source: str, sheet: str | None = None, levels_in: Orientation | None = None,
                  explicit: Explicit | None = None) -> Detection:
    tables = read_tables(source)
    if sheet is not None:
        chosen = [t for t in tables if t.name == sheet] or [
            t for t in tables if t.name.lower() == sheet.lower()]
        if not chosen:
            raise ImportFailed(f"{source}: no sheet named {sheet!r}; sheets: "
                               + ", ".join(repr(t.name) for t in tables))
        tables = chosen
    else:
        tables = [t for t in tables if t.visible and t.cells] or [t for t in tables if t.cells]
    if not tables:
        raise ImportFailed(f"{source}: every sheet is empty")
    ex = explicit or Explicit()
    found: list[Found] = []
    for t in tables:
        found.extend(layouts(t, source, levels_in, ex))
    if not found:
        raise ImportFailed(f"{source}: no descriptor matrix found: no sheet has a header row of at "
                           "least two levels over rows of categories ("
                           + ", ".join(repr(t.name) for t in tables) + ")")
    found.sort(key=lambda f: -f.score)
    best = found[0]
    explicit_given = ex.given or levels_in is not None and sheet is not None
    if best.doubts and not explicit_given:
        lines = [f"{source}: no matrix found that can be trusted. The best guess:"]
        lines += ["  " + x for x in summary_lines(best.detection)[:4]]
        lines.append("Doubtful because:")
        lines += [f"  - {d}" for d in best.doubts[:5]]
        lines.append("If that guess is right, import it explicitly with:")
        lines.append("  " + command(best, source))
        raise ImportDoubtful("\n".join(lines), best)
    others = [f for f in found[1:] if not f.doubts and f.layout.table_no != best.layout.table_no
              and f.layout.view.table is best.layout.view.table]
    det = best.detection
    from sheetladder.importer import Note
    seen = set()
    for f in others:
        if f.layout.table_no in seen:
            continue
        seen.add(f.layout.table_no)
        det.notes.append(Note(f.detection.header_ref, f"another matrix (table {f.layout.table_no}, "
                              f"{len(f.detection.levels)} levels x {len(f.detection.categories)} "
                              f"categories) was left out; import it with --table "
                              f"{f.layout.table_no}", "stray"))
    for d in best.doubts:
        det.notes.append(Note(det.header_ref, f"doubtful: {d}", "level"))
    return det
