"""What a typed or picked rating means: a level of the ladder, or a cell-precise refusal."""


import math
import re
from dataclasses import dataclass
from typing import Literal

from ..definition import Ladder
from ..grid import CellValue
from .formulas import _num_text

# -- ratings -----------------------------------------------------------------------------------

RatingStatus = Literal["blank", "exact", "normalised", "invalid"]


@dataclass(frozen=True)
class RatingParse:
    """How a rating cell reads: the level (1-based) or None, and what it took to read it.

    ``sheet_reads_it`` says whether the workbook's own formula (MATCH of TRIM, case-insensitive)
    finds the same level, i.e. whether the file's stored results can be compared.
    """

    level: int | None
    status: RatingStatus
    sheet_reads_it: bool
    message: str | None = None


def _sheet_trim(s: str) -> str:
    """Spreadsheet TRIM: ASCII spaces stripped at the ends and collapsed inside."""
    return " ".join(part for part in s.split(" ") if part)


def _shown(value: CellValue) -> str:
    if isinstance(value, float):
        return _num_text(repr(value)) if math.isfinite(value) else str(value)
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    return "" if value is None else str(value)


_EXACT: dict[int, tuple[Ladder, dict[str, RatingParse]]] = {}


def _exact_ratings(ladder: Ladder) -> dict[str, RatingParse]:
    """Level code -> its reading, per ladder object: most rating cells hold a code as picked."""
    got = _EXACT.get(id(ladder))
    if got is None or got[0] is not ladder:
        if len(_EXACT) >= 64:
            _EXACT.clear()
        got = _EXACT[id(ladder)] = (ladder, {
            code: RatingParse(i, "exact", True) for i, code in enumerate(ladder.codes, start=1)})
    return got[1]


def parse_rating(value: CellValue, ladder: Ladder, error: str | None = None) -> RatingParse:
    """Read a rating cell: a level code, or a common typing of one (``s3``, `` S3 ``, ``3``, the
    level's name) with a warning; anything else is invalid."""
    if type(value) is str and error is None:
        exact = _exact_ratings(ladder).get(value)
        if exact is not None:
            return exact
    codes = ladder.codes
    span = f"{codes[0]}–{codes[-1]}" if len(codes) > 1 else codes[0]
    if error is not None:
        return RatingParse(None, "invalid", False,
                           f"'{error}' is not a level of this ladder ({span})")
    if value is None or (isinstance(value, str) and not value.strip()):
        return RatingParse(None, "blank", True)
    shown = _shown(value)
    invalid = RatingParse(None, "invalid", False, f"'{shown}' is not a level of this ladder ({span})")
    if isinstance(value, bool):
        return invalid
    by_fold = {c.casefold(): i for i, c in enumerate(codes, start=1)}
    sheet_level = by_fold.get(_sheet_trim(shown).casefold()) if isinstance(value, str) else None
    if isinstance(value, str) and value in codes:
        return RatingParse(codes.index(value) + 1, "exact", True)
    level: int | None = None
    if isinstance(value, float):
        if value.is_integer() and 1 <= value <= len(codes):
            level = int(value)
    else:
        s = " ".join(value.replace("\u00a0", " ").split())
        fold = s.casefold()
        if fold in by_fold:
            level = by_fold[fold]
        elif re.fullmatch(r"\d+(\.0+)?", s):
            n = int(float(s))
            level = n if 1 <= n <= len(codes) else None
        else:
            named = [i for i, lv in enumerate(ladder.levels, start=1)
                     if " ".join(lv.name.split()).casefold() == fold]
            if not named:
                # "S3 Mid Sales Executive", "S3 - Mid Sales Executive"
                m = re.match(r"^(\S+?)\s*[-–—:]?\s+(.+)$", s)
                if m and m.group(1).casefold() in by_fold:
                    i = by_fold[m.group(1).casefold()]
                    if " ".join(ladder.levels[i - 1].name.split()).casefold() == m.group(2).casefold():
                        named = [i]
            if len(named) > 1:
                listed = ", ".join(codes[i - 1] for i in named)
                return RatingParse(None, "invalid", False,
                                   f"'{shown}' is the name of several levels ({listed}); "
                                   "pick one of them from the list")
            if named:
                level = named[0]
    if level is None:
        return invalid
    code = codes[level - 1]
    if sheet_level == level:
        return RatingParse(level, "normalised", True, f"'{shown}' read as {code}")
    return RatingParse(level, "normalised", False,
                       f"'{shown}' read as {code}; the workbook's own formulas show #N/A for this "
                       f"row until {code} is picked from the list")
