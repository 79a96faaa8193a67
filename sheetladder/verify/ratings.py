"""What a typed or picked rating means: a level of the ladder, or a cell-precise refusal."""


import functools
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

from .. import scoring
from ..definition import Ladder
from ..grid import CellValue
from .formulas import _num_text

# -- ratings -----------------------------------------------------------------------------------

RatingStatus = Literal["blank", "exact", "normalised", "invalid"]


@dataclass(frozen=True)
class RatingParse:
    """How a rating cell reads: the level (1-based) or None, and what it took to read it.

    ``sheet_reads_it`` says whether the workbook's own formula (:func:`scoring.f_level_number`)
    finds the same level, i.e. whether the file's stored results can be compared: true of
    everything read, since what the formula cannot read is refused.
    """

    level: int | None
    status: RatingStatus
    sheet_reads_it: bool
    message: str | None = None


def _shown(value: CellValue) -> str:
    if isinstance(value, float):
        return _num_text(repr(value)) if math.isfinite(value) else str(value)
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    return "" if value is None else str(value)


def _invisible(text: str) -> str | None:
    """``text`` with each character that does not show or shows as a plain space (a
    non-breaking or zero-width space, a control character) written as ``\\u00a0``; None
    when it has none. ``'S3\\u00a0'`` tells what ``'S3 '`` hides: only ASCII spaces are
    ignored around a level."""
    out, found = [], False
    for ch in text:
        if ch in " " or ch.isprintable() and not ch.isspace() and ord(ch) not in _NO_SHOW:
            out.append(ch)
        else:
            found = True
            out.append(f"\\u{ord(ch):04x}")
    return "".join(out) if found else None


# zero-width and other characters Python calls printable that show nothing
_NO_SHOW = frozenset([0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, 0x00AD, 0x180E])


@functools.lru_cache(maxsize=64)  # a batch embeds a few ladders
def _exact_ratings(codes: tuple[str, ...]) -> Mapping[str, RatingParse]:
    """Level code -> its reading, per ladder's codes: most rating cells hold a code as picked."""
    return MappingProxyType({code: RatingParse(i, "exact", True)
                             for i, code in enumerate(codes, start=1)})


def parse_rating(value: CellValue, ladder: Ladder, error: str | None = None) -> RatingParse:
    """Read a rating cell exactly as the workbook's own formula does
    (:func:`scoring.f_level_number`): a level code in any case, ASCII spaces around it ignored
    (``s3``, `` S3 ``) with a warning; blank or only spaces is unrated. Anything else (a bare
    number, a level's name, an out-of-range code) shows #N/A in the workbook, so it is refused
    here too: one answer for every rating."""
    if type(value) is str and error is None:
        exact = _exact_ratings(ladder.codes).get(value)
        if exact is not None:
            return exact
    codes = ladder.codes
    span = f"{codes[0]}–{codes[-1]}" if len(codes) > 1 else codes[0]
    if error is not None:
        return RatingParse(None, "invalid", False,
                           f"'{error}' is not a level of this ladder ({span})")
    if value is None:
        return RatingParse(None, "blank", True)
    shown = _shown(value)
    level = scoring.sheet_level(value, codes) if isinstance(value, str) else None
    if level == 0:
        return RatingParse(None, "blank", True)
    if level is None:
        if isinstance(value, bool):
            return RatingParse(None, "invalid", False, _true_false(shown, span))
        date = _date_shown(value) if isinstance(value, str) else None
        if date is not None:
            return RatingParse(None, "invalid", False,
                               f"the rating cell holds {date}, not a level of this ladder "
                               f"({span}): the spreadsheet took what was typed for a date or "
                               "time, so which level was meant cannot be told; pick the level "
                               "from the dropdown")
        what = "a number, " if isinstance(value, float) else ""
        hidden = _invisible(shown)
        hint = None if hidden else _hint(value, shown, ladder)
        return RatingParse(None, "invalid", False,
                           f"'{hidden or shown}' is {what}not a level of this ladder ({span})"
                           + (": it holds a character that does not show (as written here), "
                              "which the sheet does not ignore; type the level again"
                              if hidden else f": {hint}" if hint else ""))
    return RatingParse(level, "normalised", True, f"'{shown}' read as {codes[level - 1]}")


# what raters type to say "not rated": the workbook shows #N/A for each, a blank cell is unrated
_NOT_RATED = frozenset(["-", "--", "–", "—", "/", "?", "x", "n/a", "na", "n.a.", "none",
                        "nil", "tbd", "skip", "not rated", "unrated", "not applicable"])
_AROUND = ".,;:!?'\"`()[]{}<>*#_-–—/\\|~"


# Cyrillic and Greek letters drawn like Latin ones (lower case: the hint compares folded text)
_LATIN_LOOKALIKES = str.maketrans({
    "а": "a", "в": "b", "е": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c",
    "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ј": "j", "ӏ": "l", "α": "a", "β": "b",
    "ε": "e", "ζ": "z", "η": "h", "ι": "i", "κ": "k", "μ": "m", "ν": "n", "ο": "o", "ρ": "p",
    "τ": "t", "υ": "y", "χ": "x"})


def _hint(value: CellValue, shown: str, ladder: Ladder) -> str | None:
    """What would make a refused rating right, when what was meant can be told: a bare number
    whose level code ends in it (``3``: S3), a code in full-width letters, with punctuation or
    spaces inside or around it, or followed by more (``S3.``, ``Ｓ３``, ``S 3``, ``S3 - Mid``),
    a level's name (``Head of Sales``: S7), or a way of saying "not rated" (``-``, ``n/a``)."""
    import unicodedata

    codes = ladder.codes
    folded = " ".join(unicodedata.normalize("NFKC", shown).split()).casefold()
    if folded in _NOT_RATED:
        return ("to leave the category unrated, clear the cell (press Delete), as a blank "
                "rating is left out of the totals and averages")
    if isinstance(value, float) or re.fullmatch(r"\d+", folded):
        if isinstance(value, float) and not value.is_integer():
            return None
        k = str(int(float(folded))) if folded else ""
        ends = [c for c in codes if re.fullmatch(rf"[A-Za-z]+0*{k}", c)]
        return (f"to rate it {ends[0]}, type {ends[0]} or pick it from the dropdown"
                if len(ends) == 1 else None)
    names = {lv.code: " ".join(lv.name.split()).casefold() for lv in ladder.levels}
    bare = "".join(folded.split()).strip(_AROUND)
    level = scoring.sheet_level(bare, codes) if bare else None
    if not level:  # a code followed by its own level's name ('S3 - Mid Sales Executive')
        first = re.match(r"([a-z][a-z0-9]*)[\s.,;:()\[\]/|–—-]*(.*)", folded.strip(_AROUND))
        level = scoring.sheet_level(first.group(1), codes) if first else None
        if level and (first is None or first.group(2).strip(_AROUND + " ")
                      != names[codes[level - 1]]):
            level = None
    if level:
        code = codes[level - 1]
        return f"to rate it {code}, type {code} alone or pick it from the dropdown"
    # a letter of another alphabet that looks like a Latin one (Cyrillic 'Ѕ3'), or a number
    # written with leading zeros ('S03'): the sheet takes neither for the code
    latin = bare.translate(_LATIN_LOOKALIKES)
    unpadded = re.sub(r"^([a-z]+)0+(?=\d)", r"\1", latin)
    level = scoring.sheet_level(unpadded, codes) if unpadded else None
    if level and unpadded != bare:
        code = codes[level - 1]
        why = ("a letter of another alphabet that looks like a Latin one" if latin != bare
               else "zeros before its number")
        return f"it has {why}; to rate it {code}, type {code} or pick it from the dropdown"
    named = [code for code, name in names.items() if name == folded]
    if len(named) == 1:
        return (f"it is the name of level {named[0]}; type its code, {named[0]}, or pick it "
                "from the dropdown")
    if named:
        return (f"it is the name of levels {', '.join(named[:-1])} and {named[-1]}; type the "
                "code of the one meant, or pick it from the dropdown")
    return None


def _true_false(shown: str, span: str) -> str:
    return (f"the rating cell holds {shown}, a TRUE/FALSE value, not a level of this ladder "
            f"({span}); pick the level from the dropdown")


def true_false_formula(formula: str) -> str | None:
    """``TRUE`` or ``FALSE`` when a formula is only that value (LibreOffice saves a TRUE or
    FALSE typed in a cell as the formula ``=TRUE()``); else None."""
    text = "".join(formula.split()).lstrip("=").upper()
    return text.removesuffix("()") if text in ("TRUE()", "FALSE()", "TRUE", "FALSE") else None


def true_false_message(value: str, ladder: Ladder) -> str:
    codes = ladder.codes
    span = f"{codes[0]}–{codes[-1]}" if len(codes) > 1 else codes[0]
    return _true_false(value, span)


# what the readers make of a number shown as a date or a time (``datetime.isoformat``, a
# ``timedelta``'s ``str``)
_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})(?:T(\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?))?")
_TIME = re.compile(r"(?:\d+ days?, )?\d{1,2}:\d{2}:\d{2}(?:\.\d+)?")


def _date_shown(text: str) -> str | None:
    """``a date (2026-03-03)`` or ``a time (12:30:00)`` when ``text`` is a date or time as the
    workbook readers give one; else None."""
    m = _DATE.fullmatch(text)
    if m is not None:
        day, time = m.group(1), m.group(2)
        if time and time.strip("0:."):
            return f"a date ({day} {time})"
        return f"a date ({day})"
    if _TIME.fullmatch(text):
        return f"a time ({text})"
    return None
