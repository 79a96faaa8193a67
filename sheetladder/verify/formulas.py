"""Formula normalisation: two spellings of one formula compare equal; anything else does not."""


import functools
import re
from collections.abc import Callable, Mapping

from ..a1 import col_letter

# -- formula normalisation -------------------------------------------------------------------

_TOKEN = re.compile(
    r"""
    (?P<str>"(?:[^"]|"")*"?)
    |(?P<qsheet>'(?:[^']|'')*'!)
    |(?P<err>\#(?:NULL!|DIV/0!|VALUE!|REF!|NAME\?|NUM!|N/A|GETTING_DATA|SPILL!|CALC!))
    |(?P<ws>\s+)
    |(?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?(?![\w.$]))
    |(?P<word>[\w.$\\?]+)
    |(?P<op>.)
    """,
    re.X | re.S,
)
_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)$")
_PREFIXES = ("_XLFN.", "_XLWS.")

RowMap = Callable[[int, str], int | None]  # (0-based row, "start"|"end"|"one") -> row or None


def _num_text(text: str) -> str:
    x = float(text)
    return str(int(x)) if x.is_integer() and abs(x) < 1e15 else repr(x)


def canonical_formula(
    formula: str,
    here: str,
    aliases: Mapping[str, str] | None = None,
    row_maps: Mapping[str, RowMap] | None = None,
    col_maps: Mapping[str, RowMap] | None = None,
) -> str:
    """A spelling of ``formula`` (on sheet ``here``) that ignores what applications change.

    ``aliases`` maps sheet names (casefolded) to the names to compare under, e.g. a renamed tab
    to its planned name. ``row_maps`` maps a sheet (casefolded) to a function moving a planned
    row to where it is now, so references follow inserted or deleted rows; ``col_maps`` the
    same for columns.
    """
    if not aliases and not row_maps and not col_maps:
        return _canonical_cached(formula, here)
    return _canonical(formula, here, aliases or {}, row_maps, col_maps)


@functools.lru_cache(maxsize=20000)
def _canonical_cached(formula: str, here: str) -> str:
    return _canonical(formula, here, {}, None)


@functools.lru_cache(maxsize=20000)
def _tokens(text: str) -> tuple[tuple[str, str], ...]:
    return tuple((m.lastgroup or "op", m.group()) for m in _TOKEN.finditer(text)
                 if m.lastgroup != "ws")


def _col_index(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n - 1


def _canonical(formula: str, here: str, aliases: Mapping[str, str],
               row_maps: Mapping[str, RowMap] | None,
               col_maps: Mapping[str, RowMap] | None = None) -> str:
    text = formula.strip()
    if text.startswith("="):
        text = text[1:]
    here_k = here.casefold()
    out: list[str] = []
    pending: str | None = None  # a sheet prefix waiting for its reference
    last_sheet: str | None = None  # sheet of the reference just before
    prev_ref = False  # the previous token was a reference
    range_end = False  # the previous tokens were "reference :"
    toks = _tokens(text)
    n = len(toks)
    skip_bang = False
    start_at: int | None = None  # where in ``out`` the reference just before is
    start_cell: tuple[int, int] | None = None  # and its (row, column), when it is one
    for idx, (kind, tok) in enumerate(toks):
        if skip_bang and tok == "!":
            skip_bang = False
            continue
        if kind == "qsheet":
            name = tok[1:-2].replace("''", "'").casefold()
            pending = aliases.get(name, name)
            continue
        nxt = toks[idx + 1][1] if idx + 1 < n else None
        if kind == "word" and nxt == "!":
            name = tok.casefold()
            pending = aliases.get(name, name)
            skip_bang = True
            continue
        if kind == "word" and nxt != "(" and (rm := _REF.match(tok)):
            if pending is not None:
                sheet = pending
            elif range_end and last_sheet is not None:
                sheet = last_sheet
            else:
                sheet = here_k
            row = int(rm.group(2)) - 1
            mapped: int | None = row
            letters = rm.group(1).upper()
            side = "end" if range_end else ("start" if nxt == ":" else "one")
            if row_maps and sheet in row_maps:
                mapped = row_maps[sheet](row, side)
            if col_maps and sheet in col_maps and mapped is not None:
                col = col_maps[sheet](_col_index(letters), side)
                letters = "" if col is None else col_letter(col)
            moves = bool(row_maps and sheet in row_maps or col_maps and sheet in col_maps)
            if moves and range_end and start_at is not None and (
                    mapped is None or not letters or out[start_at] == "#REF!"
                    or (start_cell is not None and (mapped < start_cell[0]
                                                    or _col_index(letters) < start_cell[1]))):
                # a range whose rows or columns were all deleted is gone, as a spreadsheet
                # makes it: one #REF!, not an end of it
                del out[start_at:]
                out.append("#REF!")
                start_at = start_cell = None
            elif mapped is None or not letters:
                out.append("#REF!")
                start_at, start_cell = len(out) - 1, None
            else:
                start_at, start_cell = len(out), (mapped, _col_index(letters))
                same = sheet == here_k or (range_end and sheet == last_sheet)
                prefix = "" if same else f"'{sheet}'!"
                out.append(f"{prefix}{letters}{mapped + 1}")
            last_sheet = sheet
            pending, prev_ref, range_end = None, True, False
            continue
        if kind == "str":
            piece = tok
        elif kind == "num":
            piece = _num_text(tok)
        elif kind == "word":
            piece = tok.upper()
            if nxt == "(":
                stripped = True
                while stripped:
                    stripped = False
                    for p in _PREFIXES:
                        if piece.startswith(p):
                            piece = piece[len(p):]
                            stripped = True
            elif pending is not None and pending != here_k:
                piece = f"'{pending}'!{piece}"
        else:  # an error literal or an operator
            piece = tok.upper()
        range_end = kind == "op" and tok == ":" and prev_ref
        pending, prev_ref = None, False
        out.append(piece)
    return "".join(out)


def sheets_referenced(formula: str) -> set[str]:
    """The sheets a formula's references name (casefolded), quoted or not."""
    toks = _tokens(formula.strip().lstrip("="))
    out: set[str] = set()
    for idx, (kind, tok) in enumerate(toks):
        if kind == "qsheet":
            out.add(tok[1:-2].replace("''", "'").casefold())
        elif kind == "word" and idx + 1 < len(toks) and toks[idx + 1][1] == "!":
            out.add(tok.casefold())
    return out


def refs_lost(want: str, got: str, aliases: Mapping[str, str] | None = None) -> set[str]:
    """The sheets ``want`` reads that ``got`` reads no more, its references to them turned
    into #REF!: what deleting a tab does to the formulas reading it (casefolded names;
    ``aliases`` as for :func:`canonical_formula`, for the names ``got`` reads)."""
    if "#REF!" not in got.upper() or "#REF!" in want.upper():
        return set()
    names = {(aliases or {}).get(n, n) for n in sheets_referenced(got)}
    return sheets_referenced(want) - names
