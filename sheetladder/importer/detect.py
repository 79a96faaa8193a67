"""Finding the descriptor matrix in a Table from the shape of its content (issue 16).

A layout is chosen by scoring candidates (orientation, table, header row, level columns, label,
group, weight and notes columns) from what the cells hold: descriptors are long and mostly
distinct, labels short; group values repeat or are merged; level headers share a pattern (codes
counting up, numbers, seniority words, a shared word). The best candidate is taken only when it
passes plausibility checks; otherwise :class:`ImportDoubtful` says what was found, what made it
doubtful, and the command line that imports it explicitly. What could not be placed is returned
as located :class:`Note` objects.
"""

from __future__ import annotations

import re
import statistics
import unicodedata
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Literal

from ..a1 import col_letter
from ..definition import LEVEL_CODE, category_key, slugify
from ..errors import BadInput
from .tables import (
    PLACEHOLDER,
    ImportFailed,
    Orientation,
    Table,
    _quote_sheet,
    cell_ref,
    range_ref,
    read_tables,
)

LevelOrder = Literal["lowest-first", "highest-first"]

# -- detection -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Note:
    """Something detection could not place cleanly, located by cell or range."""

    ref: str
    message: str
    kind: Literal["empty", "duplicate", "merge", "stray", "weight", "level", "group"] = "stray"

    def __str__(self) -> str:
        return f"{self.ref}: {self.message}"


@dataclass
class DetectedLevel:
    code: str
    name: str
    ref: str


@dataclass
class DetectedCategory:
    id: str
    name: str
    ref: str
    descriptors: dict[str, str]
    drafted: set[str] = field(default_factory=set)  # level codes marked drafted (empty or italic)
    empty: set[str] = field(default_factory=set)  # level codes whose text is a placeholder
    weight: float = 1.0
    purpose: str | None = None


@dataclass
class DetectedGroup:
    id: str
    name: str
    ref: str | None
    categories: list[DetectedCategory] = field(default_factory=list)


@dataclass
class Detection:
    """What was found on one sheet, ready to become a definition."""

    source: str
    sheet: str
    orientation: Orientation
    header_ref: str
    title: str | None
    levels: list[DetectedLevel]
    groups: list[DetectedGroup]
    weight_ref: str | None = None
    notes: list[Note] = field(default_factory=list)
    empty_groups: int = 0  # rows read as group titles that no category follows
    # weight cells holding something that is no positive number ('abc', '-1', '0'): the import
    # is refused naming them (a blank weight cell is 1, with a note)
    bad_weights: list[Note] = field(default_factory=list)
    # rows whose category label reads as a total ('Total', 'Sum') and that hold descriptors: a
    # doubt (a total without descriptors is left out, with a note)
    totals: list[Note] = field(default_factory=list)
    # the category cells, left blank, of rows that hold descriptors: a doubt (the row would be
    # dropped, its descriptors with it)
    unnamed: list[Note] = field(default_factory=list)
    # category and descriptor cells holding a spreadsheet error or a formula saved without its
    # result: refused, explicit options or not (no option makes them text a person wrote)
    bad_cells: list[Note] = field(default_factory=list)
    # a CSV's texts right of the header's last column, by cell, its message the file's line:
    # a doubt (a delimiter typed in an unquoted text shifts the cells after it)
    overflow: list[Note] = field(default_factory=list)
    # with no weight column found: the view lines left out that hold a positive number on every
    # category's row, under a header ('Poids', 'Waga'): weights under another name, maybe
    numbers_left_out: list[int] = field(default_factory=list)
    # rows among the categories whose cells under the levels all name levels (another table's
    # header, stacked with no blank row between): a doubt
    inner_headers: list[Note] = field(default_factory=list)
    # category rows labelled as a legend or a note about the sheet ('Legend', 'Key:', 'Last
    # reviewed', 'Owner') with category rows after them: a doubt (under the last category they
    # are left out, with a note)
    legends: list[Note] = field(default_factory=list)

    @property
    def categories(self) -> list[DetectedCategory]:
        return [c for g in self.groups for c in g.categories]

    @property
    def empty_cells(self) -> list[Note]:
        return [n for n in self.notes if n.kind == "empty"]

    @property
    def other_notes(self) -> list[Note]:
        return [n for n in self.notes if n.kind != "empty"]




_TOKEN = r"[A-Za-z][A-Za-z0-9]{0,9}"
_SEP = r"(?:\s*[-–—:|/]\s*|\s+)"
_WORD_LEVEL = re.compile(
    r"^(level|lvl|grade|band|step|tier)\s*#?\s*(\d{1,3})(?:" + _SEP + r"(.+))?$", re.I | re.S)
_SPACED_CODE = re.compile(r"^([A-Za-z]{1,4})[\s._-](\d{1,3})$")
_CODE_NAME = re.compile(r"^(" + _TOKEN + r")" + _SEP + r"(.+)$", re.S)
_NAME_CODE = re.compile(r"^(.+?)\s*[(\[](" + _TOKEN + r")[)\]]$", re.S)
_NUMBER = re.compile(r"^\d{1,2}$")
# a number and a name: '0 - None', '1 - Understand', '2: Follow', '3) Practice' (the name starts
# with a letter: '0-2 years' is a range, no level)
_NUMBER_NAME = re.compile(r"^(\d{1,2})\s*[-–—:.)]\s*([^\W\d_].*)$", re.S)


def _is_code(token: str) -> bool:
    return bool(re.fullmatch(LEVEL_CODE, token)) and any(ch.isdigit() for ch in token)


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def parse_level_header(text: str) -> tuple[str, str | None] | None:
    """(code, name or None) for a header cell naming a level, e.g. 'S1 - Junior', 'S1',
    'Junior (S1)', 'Level 2'; None when the cell does not look like a level."""
    t = text.strip()
    if not t or len(t) > 80:
        return None
    m = _WORD_LEVEL.match(t)
    if m:
        code = m.group(1)[0].upper() + m.group(2)
        return code, _squash(m.group(3)) if m.group(3) else _squash(t)
    if _is_code(t):
        return t, None
    m = _SPACED_CODE.match(t)
    if m:
        return m.group(1) + m.group(2), None
    m = _CODE_NAME.match(t)
    if m and _is_code(m.group(1)) and _squash(m.group(2)):
        return m.group(1), _squash(m.group(2))
    m = _NAME_CODE.match(t)
    if m and _is_code(m.group(2)):
        return m.group(2), _squash(m.group(1))
    if _NUMBER.match(t):
        return f"L{int(t)}", f"Level {int(t)}"
    m = _NUMBER_NAME.match(t)
    if m and _squash(m.group(2)):
        return f"L{int(m.group(1))}", _squash(m.group(2))
    return None


def _parse_weight(text: str) -> float | None:
    t = text.strip().replace("\u00a0", "").replace(" ", "")
    pct = t.endswith("%")
    if pct:
        t = t[:-1]
    if re.fullmatch(r"\d+,\d+", t):
        t = t.replace(",", ".")
    try:
        v = float(t)
    except ValueError:
        return None
    if pct:
        v /= 100
    return v if v > 0 and v == v and v != float("inf") else None


class _Ids:
    """Unique slugs; a duplicate name or a clashing slug gets a numeric suffix and a note."""

    def __init__(self) -> None:
        self.seen: dict[str, str] = {}  # id -> ref of its holder
        self.names: dict[str, str] = {}  # lowercased name -> ref of its first holder

    def make(self, name: str, ref: str, what: str, notes: list[Note]) -> str:
        key = name.lower()
        dup = self.names.setdefault(key, ref)
        base = slugify(name)
        ident = base
        n = 2
        while ident in self.seen:
            ident = f"{slugify(name, room=len(str(n)) + 1)}-{n}"  # within an id's length
            n += 1
        if dup != ref:
            notes.append(Note(ref, f"duplicate {what} name {name!r} (also at {dup}); its id is {ident!r}",
                              "duplicate"))
        elif ident != base:
            notes.append(Note(ref, f"{what} {name!r} has the same id {base!r} as the one at "
                                   f"{self.seen[base]}; its id is {ident!r}", "duplicate"))
        self.seen[ident] = ref
        return ident



def _clip(text: str, n: int = 60) -> str:
    text = _squash(text)
    return text if len(text) <= n else text[: n - 1] + "…"


def _clean_text(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.strip().split("\n"))


# -- choosing a sheet ----------------------------------------------------------------------------


# -- what header words say -----------------------------------------------------------------------

_NOTES = re.compile(r"\b(description|desc|summary|definition|defined|comments?|notes?|examples?|"
                    r"remarks?|purpose|rationale|why|explanation|overview|details?|context|"
                    r"guidance|scope)\b", re.I)
_PURPOSE = re.compile(r"\b(description|summary|definition|purpose|rationale|why|overview)\b", re.I)
# 'weight' in the languages ladders are written in, as a column's header: Gewicht(ung), poids,
# pondération, peso, ponderación, ponderação, ponderazione, gewicht, weging, waga, vikt, vekt,
# vægt, painoarvo, váha, ağırlık, вес, 权重, 重み, 가중치
_WEIGHT = re.compile(r"\b(weights?|weighting|multiplier|gewicht|gewichtung|gewichtungsfaktor|"
                     r"poids|pond[ée]ration|pesos?|ponderaci[óo]n|pondera[çc][ãa]o|ponderazione|"
                     r"weging|wag[ai]|vikt|viktning|vekt|vekting|v[æa]gt|v[æa]gtning|painoarvo|"
                     r"painotus|v[áa]ha|a[ğg][ıi]rl[ıi]k|вес|веса|вага)\b|权重|重み|ウェイト|가중치",
                     re.I)
# words a header gives a column of categories, or of groups of them
_GROUPING = (r"categor(y|ies)|skills?|competenc(y|ies)|dimensions?|attributes?|criteria|"
             r"behaviou?rs?|themes?|axis|axes|areas?|pillars?|groups?|sections?|domains?|"
             r"clusters?|famil(y|ies)|capabilit(y|ies)|topics?")
_LABEL = re.compile(r"\b(" + _GROUPING + r"|criterion|parameters?|name|job level|level|levels|"
                    r"grade|role)\b", re.I)
# a header naming a grouping of categories: those words, and no level or name
_GROUP_HEAD = re.compile(r"\b(" + _GROUPING + r"|tracks?)\b", re.I)
MAX_GROUP_WIDTH = 40  # a group name is a label: wider texts are notes
_LEVEL_CORNER = re.compile(r"^\s*(levels?|grades?|bands?|job levels?|seniority|stages?|tiers?|titles?|"
                           r"roles?)\s*$", re.I)
_SENIORITY = {
    "junior", "jr", "mid", "middle", "intermediate", "senior", "sr", "staff", "principal", "lead",
    "head", "director", "vp", "chief", "distinguished", "fellow", "associate", "entry", "beginner",
    "novice", "apprentice", "trainee", "intern", "graduate", "advanced", "expert", "master",
    "manager", "architect", "foundation", "foundational", "practitioner", "proficient", "competent",
    "emerging", "developing", "established", "leading", "basic", "awareness", "working",
    "milestone", "strategic", "specialist", "executive",
}
# words too common to make a pattern of level names: descriptors share them ('the', 'with')
_FUNCTION_WORDS = {
    "a", "an", "the", "of", "to", "and", "or", "for", "in", "on", "at", "by", "with", "from",
    "as", "is", "are", "be", "it", "its", "that", "this", "their", "they", "them", "who", "which",
    "all", "any", "not", "no", "own", "more", "most", "others", "other", "de", "la", "le",
    "et", "der", "die", "und",
}
MAX_LEVELS = 20  # more level columns than this is not a ladder
MAX_LINES = 256  # a view wider than this (a long sheet seen transposed) is not searched
MAX_ROWS = 2000  # a table longer than this is data, not a ladder (ladders have tens of rows)
_CELLREF = re.compile(r"^\$?[A-Z]{1,3}\$?\d{1,7}$")
_NUMERIC = re.compile(r"^[-+]?(\d+([.,]\d+)?|\.\d+)(e[-+]?\d+)?%?$|^\d{4}-\d\d-\d\d( [\d:]+)?$|"
                      r"^(TRUE|FALSE|#[A-Z/0!?]+)$", re.I)
_EMBEDDED_CODE = re.compile(r"[(\[]\s*([A-Za-z]{1,4}\s?\d{1,3})\s*[)\]]")
_LEVEL_WORD_N = re.compile(r"\b(level|lvl|grade|band|step|tier|milestone|stage)\s*#?\s*(\d{1,3})\b", re.I)


def width(text: str) -> int:
    """How wide a text reads: CJK characters count twice (a Japanese label of 9 characters is as
    long as an English one of 18)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _words(text: str) -> list[str]:
    return re.findall(r"[^\W\d_]+", text.lower())


def level_code(text: str) -> tuple[str, int] | None:
    """(prefix, number) of a level code somewhere in a header: 'S1', 'S1 - Junior', 'Junior (S1)',
    'Commercial (P2) (not in use)', 'Level 2', 'n (Level 2)'; None when there is none."""
    t = text.strip()
    parsed = parse_level_header(t)
    if parsed is not None:
        m = re.fullmatch(r"([A-Za-z]*)(\d+)[A-Za-z]?", parsed[0])
        if m and (m.group(1) or not re.fullmatch(r"\d+", t)):
            return m.group(1).upper(), int(m.group(2))
    m = _EMBEDDED_CODE.search(t)
    if m:
        code = m.group(1).replace(" ", "")
        mm = re.fullmatch(r"([A-Za-z]+)(\d+)", code)
        if mm:
            return mm.group(1).upper(), int(mm.group(2))
    m = _LEVEL_WORD_N.search(t)
    if m:
        return "L", int(m.group(2))
    return None


def _counting(nums: list[int]) -> bool:
    return all(b > a for a, b in zip(nums, nums[1:], strict=False))


def _code_numbers(heads: list[str]) -> tuple[str, list[int]] | None:
    """The prefix and the numbers of level headers that all carry a code of one prefix
    ('L3 - Principal', 'L2 - Senior' -> ('L', [3, 2])); None otherwise."""
    codes = [level_code(h) for h in heads]
    if not codes or not all(codes) or len({c[0] for c in codes if c}) != 1:
        return None
    return codes[0][0] if codes[0] else "", [c[1] for c in codes if c]


# a header of a word and a number, a name after it or not ('Stufe 1 – Einsteiger', 'Niveau 2')
_ANY_WORD_N = re.compile(r"^([^\W\d_]{2,20})\s*#?\s*(\d{1,3})(?:" + _SEP + r"([^\W\d_].*))?$",
                         re.S)


def as_level_words(heads: list[str]) -> list[str]:
    """Level headers of one word and a number counting up or down, the word in another language
    ('Stufe 1 – Einsteiger', 'Niveau 2 – Intermédiaire', 'Nivel 3'), as the English level word
    says them ('Level 1 – Einsteiger'): a word all of them share before a counting number is
    the level word, whatever the language. Other headers, and headers that already read as
    levels, are returned as they are."""
    found = [_ANY_WORD_N.match(h.strip()) for h in heads]
    if len(heads) < 2 or not all(found) or all(parse_level_header(h) for h in heads):
        return heads
    words = {m.group(1).casefold() for m in found if m}
    nums = [int(m.group(2)) for m in found if m]
    if len(words) != 1 or not (_counting(nums) or _counting(nums[::-1])):
        return heads
    word = next(iter(words))
    if word in _FUNCTION_WORDS or _NOTES.search(word) or _WEIGHT.search(word) \
            or _WORD_LEVEL.match(f"{word} 1"):
        return heads
    return [f"Level {m.group(2)}" + (f" – {_squash(m.group(3))}" if m.group(3) else "")
            for m in found if m]


def _descending_codes(heads: list[str]) -> bool:
    """Whether level headers carry codes of one prefix whose numbers strictly decrease left to
    right ('L3 - Principal', 'L2 - Senior', 'L1 - Junior'): the levels run highest first."""
    heads = as_level_words(heads)
    got = _code_numbers(heads)
    return len(heads) >= 2 and got is not None and _counting(got[1][::-1])


# how senior a seniority word reads, for telling a header that runs from senior to junior; only
# words whose order no ladder disputes (a 'Lead' or a 'Manager' may sit anywhere)
_RANK = {
    "intern": 0, "trainee": 0, "apprentice": 0, "novice": 0, "beginner": 0, "graduate": 0,
    "entry": 0, "junior": 1, "jr": 1, "associate": 1, "mid": 2, "middle": 2, "intermediate": 2,
    "senior": 3, "sr": 3, "staff": 4, "principal": 5, "distinguished": 6, "fellow": 6,
}


def seniority_rank(name: str) -> int | None:
    """How senior a level name reads by its seniority words (the most senior word counts), or
    None when it has none of the words ranked."""
    ranks = [_RANK[w] for w in _words(name) if w in _RANK]
    return max(ranks) if ranks else None


# the role nouns of a management track, lowest first ('Manager', 'Director', 'VP', 'Chief'):
# they rank names only when every name of the line carries one
_TIER = {"manager": 1, "director": 2, "vp": 3, "chief": 4}
# a roman numeral or a number ending a role's name: 'Engineer II' above 'Engineer I'
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5, "vi": 6, "vii": 7, "viii": 8}
_BARE = 2  # a role noun without a seniority word ('Engineer') sits between Junior and Senior


def ladder_ranks(names: list[str]) -> list[tuple[int, int, int] | None]:
    """How senior each of a line's level names reads beside the others, as (management tier,
    seniority word, numeral): 'Principal Engineer' > 'Senior Engineer' > 'Engineer' > 'Junior
    Engineer', 'Engineer II' > 'Engineer I', 'Director' > 'Senior Manager' > 'Manager'. The
    role noun the names share ('Engineer') orders nothing; a name with words of its own
    ('Lead Engineer', 'Engineering Manager' among engineers) cannot be ranked: None for it."""
    if len(names) < 2:
        return [None] * len(names)
    tokens = [re.findall(r"[^\W_]+", n.lower()) for n in names]
    track = all(set(t) & _TIER.keys() for t in tokens)
    numerals: list[int] = []
    roles: list[set[str]] = []
    for t in tokens:
        last = t[-1] if len(t) > 1 else ""
        num = _ROMAN.get(last) or (int(last) if re.fullmatch(r"\d{1,2}", last) else 0)
        numerals.append(num)
        words = set(t[:-1] if num else t) - _RANK.keys() - _FUNCTION_WORDS - {"level"}
        roles.append(words - _TIER.keys() if track else words)
    shared = {w for w, k in Counter(w for r in roles for w in r).items() if k >= 0.5 * len(names)}
    out: list[tuple[int, int, int] | None] = []
    for n, t, role, num in zip(names, tokens, roles, numerals, strict=True):
        tier = max((_TIER[w] for w in t if w in _TIER), default=0) if track else 0
        senior = seniority_rank(n)
        if role - shared or (senior is None and not role and not tier):
            out.append(None)
        else:
            out.append((tier, _BARE if senior is None else senior, num))
    return out


def pattern_score(heads: list[str]) -> float:
    """How much a run of headers looks like the names of levels, 0 (not at all) to 3."""
    if len(heads) < 2 or len(set(h.lower() for h in heads)) < len(heads):
        return 0.0
    if any(len(h) > 80 for h in heads):
        return -1.0  # sentences, not names
    if any(h.rstrip().endswith((".", "!", "?")) or len(h.split()) > 6 for h in heads):
        return 0.0  # read like sentences: descriptors, not level names
    if any(_NOTES.search(h) or _WEIGHT.search(h) for h in heads):
        return 0.0
    heads = as_level_words(heads)
    codes = [level_code(h) for h in heads]
    if all(codes) and len({c[0] for c in codes if c}) == 1 and (
            _counting([c[1] for c in codes if c]) or _descending_codes(heads)):
        return 3.0  # codes counting up, or down (read lowest first: see Layout.reverse)
    if all(re.fullmatch(r"\d{1,2}", h.strip()) for h in heads):
        nums = [int(h) for h in heads]
        if nums[0] in (0, 1) and all(b == a + 1 for a, b in zip(nums, nums[1:], strict=False)):
            return 2.5
        return 0.0
    if any(re.fullmatch(r"[\d.,%\s-]+", h) for h in heads) or any(_CELLREF.match(h) for h in heads):
        return 0.0
    words = [set(_words(h)) for h in heads]
    if len({frozenset(re.findall(r"[^\W_]+", h.lower())) for h in heads}) < len(heads):
        # two headers of the same words ('Product', 'Product Product'): names that differ only
        # by repetition or order are not the names of distinct levels
        return 0.0
    senior = sum(bool(w & _SENIORITY) for w in words)
    common = Counter(x for w in words for x in w - _FUNCTION_WORDS).most_common(1)
    shared = common[0][1] if common else 0
    best = max(senior, shared)
    if best >= 0.75 * len(heads) and best >= 2:
        if _name_and_its_texts(heads, words):
            return 0.0
        return 1.5
    return 0.0


def _name_and_its_texts(heads: list[str], words: list[set[str]]) -> bool:
    """Whether headers sharing a word are one name and texts about it ('Craft', 'Owns craft',
    'Leads craft more': a category row read as a header): one header is the shared words
    alone, and what the others add is no seniority word ('Engineer', 'Senior Engineer',
    'Staff Engineer' are levels)."""
    common = Counter(x for w in words for x in w - _FUNCTION_WORDS)
    shared = {x for x, k in common.items() if k >= 0.75 * len(heads)}
    bare = [i for i, w in enumerate(words) if w - _FUNCTION_WORDS and w - _FUNCTION_WORDS <= shared]
    if len(bare) != 1:
        return False
    extras = [w - shared - _FUNCTION_WORDS for i, w in enumerate(words) if i != bare[0]]
    return sum(bool(e & _SENIORITY) for e in extras) < 0.5 * len(extras)


def _shared_words(heads: list[str]) -> set[str]:
    """The words (not function words) at least three in four of ``heads`` share."""
    counts = Counter(x for h in heads for x in set(_words(h)) - _FUNCTION_WORDS)
    return {x for x, k in counts.items() if k >= 0.75 * len(heads)}


def _sliced(heads: list[str], left: str | None, right: str | None) -> bool:
    """Whether headers that share only a word (or seniority words) are a slice of a longer run
    of headers, so that taking them for the levels would be a guess: a neighbour on the left
    carries the same word but was left out ('Product', 'Product Trust' beside 'Product
    Product'), or the run goes on to the right with a header that is no notes or weight column
    (a row of sentences, two of which happen to share a word). Codes and numbers are strong
    enough not to need this."""
    common = _shared_words(heads) | _SENIORITY
    if left is not None and set(_words(left)) & common and not _side_column(left):
        return True
    return right is not None and not _side_column(right)


def _side_column(head: str) -> bool:
    return bool(_NOTES.search(head) or _WEIGHT.search(head))


# -- the sheet, seen one way round ---------------------------------------------------------------


class View:
    """A table seen with levels across the columns (transposed when they run down the rows),
    vertical merges filled down, horizontal merges kept at their first cell and remembered."""

    def __init__(self, table: Table, transposed: bool, rows: tuple[int, int] | None = None):
        self.table, self.transposed = table, transposed
        # the sheet rows seen (inclusive): one table of several stacked (see _row_tables)
        last = max((r for r, _ in table.cells), default=0)
        self.rows = rows or (0, last)
        lo, hi = self.rows
        inside = table.cells.items() if rows is None else (
            ((r, c), v) for (r, c), v in table.cells.items() if lo <= r <= hi)
        cells = {((c, r) if transposed else (r, c)): v for (r, c), v in inside}
        # a merge is cut at the last sheet row seen: its r2, which is the view's last column
        # when the view is transposed
        merges = [((c1, r1, c2, min(r2, hi)) if transposed else (r1, c1, min(r2, hi), c2))
                  for r1, c1, r2, c2 in table.merges if lo <= r1 <= hi]
        self.raw = dict(cells)
        self.cells = dict(cells)
        # hidden lines (.xlsx, .ods) still holding their cells, and hidden lines emptied by
        # --hidden skip (their neighbours count as adjacent), in view coordinates
        rows_, cols_ = (table.hidden_cols, table.hidden_rows) if transposed else (
            table.hidden_rows, table.hidden_cols)
        self.hidden_rows, self.hidden_cols = set(rows_), set(cols_)
        self.bridged_cols = set(table.bridged_rows if transposed else table.bridged_cols)
        self.span: dict[int, tuple[int, int]] = {}  # row -> (c1, c2) of a merge across columns
        self.merged: list[tuple[int, int, int, int]] = []  # merges across columns, filled too
        self.nrows = max((r for r, _ in cells), default=-1) + 1
        self.ncols = max((c for _, c in cells), default=-1) + 1
        for r1, c1, r2, c2 in merges:
            if r1 >= self.nrows or c1 >= self.ncols:
                continue
            r2, c2 = min(r2, self.nrows - 1), min(c2, self.ncols - 1)
            v = cells.get((r1, c1), "")
            if c2 > c1 and r2 == r1:
                self.span[r1] = (c1, c2)
                self.merged.append((r1, c1, r2, c2))
            for r in range(r1, r2 + 1):
                for c in range(c1, c2 + 1):
                    if v:
                        self.cells[(r, c)] = v
        self.by_row: dict[int, list[int]] = {}
        for r, c in sorted(self.cells):
            self.by_row.setdefault(r, []).append(c)
        # seen with the levels down the rows, the blank rows of the sheet (no cell at all) are
        # spacing between level rows: a run of level lines goes on across them
        # and a sheet row repeating an earlier one whole (the row of category names typed again
        # between level rows) is a header repeated: left out, the run goes on across it
        self.repeats: set[int] = set()
        if transposed:
            used = {c for _, c in self.cells}
            self.bridged_cols |= {c for c in range(self.ncols) if c not in used}
            lines: dict[int, dict[int, str]] = {}
            for (r, c), v in self.raw.items():
                if v.strip():
                    lines.setdefault(c, {})[r] = v.strip()
            seen: set[tuple[tuple[int, str], ...]] = set()
            for c in sorted(lines):
                key = tuple(sorted(lines[c].items()))
                if key in seen and len(key) >= 2:
                    self.repeats.add(c)
                seen.add(key)
            self.bridged_cols |= self.repeats

    def get(self, r: int, c: int) -> str:
        return self.cells.get((r, c), "").strip()

    def uncomputed(self, r: int, c: int) -> bool:
        """Whether the cell holds a formula saved without its result."""
        return ((c, r) if self.transposed else (r, c)) in self.table.uncomputed

    def italic(self, r: int, c: int) -> bool:
        """Whether the cell as typed (not a merge's copy) is set in italics."""
        return ((c, r) if self.transposed else (r, c)) in self.table.italic and (r, c) in self.raw

    def ref(self, r: int, c: int) -> str:
        return cell_ref(self.table.name, *((c, r) if self.transposed else (r, c)))

    def range_ref(self, r1: int, c1: int, r2: int, c2: int) -> str:
        if self.transposed:
            r1, c1, r2, c2 = c1, r1, c2, r2
        return range_ref(self.table.name, r1, c1, r2, c2)

    def line(self, c: int) -> str:
        """How a person names view column ``c``: a letter, or a row number when transposed."""
        return str(c + 1) if self.transposed else col_letter(c)

    def row_name(self, r: int) -> str:
        return col_letter(r) if self.transposed else str(r + 1)


def blocks(table: Table) -> list[tuple[int, int]]:
    """Runs of non-blank rows of the sheet (inclusive), blank rows between; a run holding at most
    one text per row (a title, a sentence) is a preamble and joins the run that follows."""
    rows = sorted({r for r, _ in table.cells})
    runs: list[list[int]] = []
    for r in rows:
        if runs and all(x in table.bridged_rows for x in range(runs[-1][-1] + 1, r)):
            runs[-1].append(r)
        else:
            runs.append([r])
    per_row = Counter(r for r, _ in table.cells)
    out: list[tuple[int, int]] = []
    start: int | None = None
    for run in runs:
        if start is None:
            start = run[0]
        if all(per_row[r] <= 1 for r in run):
            continue  # preamble: keep it with the next run
        out.append((start, run[-1]))
        start = None
    return out


# -- one candidate layout ------------------------------------------------------------------------


@dataclass
class Layout:
    """Where the matrix is, in view coordinates; what the explicit options would say."""

    view: View
    table_no: int  # 1-based among the sheet's tables
    top: int
    bottom: int
    header: int
    levels: list[int]
    category: int
    group: int | None = None
    weight: int | None = None
    purpose: int | None = None
    skipped: list[int] = field(default_factory=list)
    names_row: int | None = None
    loose: list[int] = field(default_factory=list)  # label columns left out (see _with_levels)
    score: float = 0.0
    pattern: float = 0.0
    doubts: list[str] = field(default_factory=list)
    explicit: bool = False
    # the levels are read right to left, lowest first: their codes count down left to right, or
    # --level-order highest-first says so; ``order_told``: --level-order was given
    reverse: bool = False
    order_told: bool = False
    told_skip: frozenset[int] = frozenset()  # the lines --skip-col names
    banners: list[int] = field(default_factory=list)  # title lines above the header (_banners)

    @property
    def order(self) -> list[int]:
        """The level columns lowest level first, as the definition lists them."""
        return self.levels[::-1] if self.reverse else self.levels


@dataclass
class Explicit:
    """The options a person gives to say where the matrix is (any of them)."""

    header_row: int | None = None  # view row index
    levels: tuple[int, int] | None = None  # view columns, inclusive
    category: int | None = None
    group: int | None = None
    weight: int | None = None
    skip: tuple[int, ...] = ()
    # --table: which of the tables stacked on the sheet; it says where, not how the table is
    # laid out, so it does not count as a layout given either (a doubtful table is refused)
    table: int | None = None
    # --level-order: how the level columns run, told (None: read from the header). It settles
    # the order only; the other doubts stand, so it does not count as a layout given
    order: LevelOrder | None = None

    @property
    def given(self) -> bool:
        return any(v not in (None, ()) for k, v in vars(self).items()
                   if k not in ("order", "table"))


def _col_stats(view: View, rows: list[int], c: int) -> tuple[int, float, float, float]:
    """(non-empty count, mean length, distinct share, numeric share) of column ``c`` over rows."""
    vals = [view.get(r, c) for r in rows]
    vals = [v for v in vals if v]
    if not vals:
        return 0, 0.0, 0.0, 0.0
    return (len(vals), statistics.fmean(width(v) for v in vals), len(set(vals)) / len(vals),
            sum(bool(_NUMERIC.match(v)) for v in vals) / len(vals))


def _is_header_repeat(view: View, r: int, h: int, cols: list[int]) -> bool:
    """Whether row ``r`` repeats the header on row ``h`` over the level columns ``cols``,
    holding nothing the header does not (a header naming one more level, 'S0 | S1 | S2' under
    'S0 | S1', or another word over its names, 'Category' under 'Level', heads a table of its
    own)."""
    return r != h and all(view.get(r, c) == view.get(h, c) for c in cols) and any(
        view.get(h, c) for c in cols) and all(view.get(h, c) == x for c in view.by_row.get(r, [])
                                              if (x := view.get(r, c)))


def _group_row(view: View, r: int, lay_cols: list[int], label_cols: list[int]) -> str | None:
    """The name on a row that holds a single text in the label area and no descriptors, or a
    merge across the level columns: a group title."""
    if r in view.span:
        c1, c2 = view.span[r]
        if c2 >= lay_cols[0] and c1 < lay_cols[0]:
            return view.get(r, c1) or None
    if any(view.get(r, c) for c in lay_cols):
        return None
    texts = [view.get(r, c) for c in label_cols if view.get(r, c)]
    return texts[0] if len(set(texts)) == 1 else None


def _groups_of_one(head: str, values: list[str], mean: float, rows: int) -> bool:
    """Whether a column left of the category names, with a different text on every row, is a
    group column whose groups hold one category each: its header names a grouping ('Group',
    'Area', 'Pillar'; a 'Category' column left of the categories), never a note, and its texts
    are labels (short, on every row, no level codes counting up). Values that never repeat say
    nothing by themselves."""
    return (bool(head) and bool(_GROUP_HEAD.search(head)) and not _side_column(head)
            and not level_code(head) and len(values) >= 0.9 * rows and mean <= MAX_GROUP_WIDTH
            and not _code_line(values))


def _names_repeated(view: View, rows: list[int], c: int, seg_of: dict[int, int],
                    runs_allowed: bool) -> bool:
    """Whether column ``c`` reads as category names of which a few repeat: at least half of its
    names (within a group) are distinct and, unless ``runs_allowed``, no name repeats on the next
    row (a value repeated down consecutive rows is the shape of a group column, not of a slip)."""
    vals = [(seg_of[r], view.get(r, c)) for r in rows if view.get(r, c)]
    if len(vals) < 2 or len(set(vals)) < 0.5 * len(vals):
        return False
    return runs_allowed or all(a != b for a, b in zip(vals, vals[1:], strict=False))


def candidate(view: View, table_no: int, top: int, bottom: int, h: int,
              ex: Explicit | None = None) -> Layout | None:
    """The layout with its header on row ``h`` of the block top..bottom, or None."""
    ex = ex or Explicit()
    heads = {c: view.get(h, c) for c in range(view.ncols)}
    below = [r for r in range(h + 1, bottom + 1) if view.by_row.get(r)]
    if not below:
        return None
    skip = set(ex.skip)
    # the level columns: the best-scoring run of columns with headers and content below
    if ex.levels is not None:
        # --skip-col inside --levels leaves that column out (a hidden or retired level)
        levels = [c for c in range(ex.levels[0], ex.levels[1] + 1)
                  if c not in skip and c not in view.bridged_cols]
        if len(levels) < 2:
            return None
    else:
        cand = [c for c in range(view.ncols) if heads[c] and c not in skip and c not in (
            ex.category, ex.group, ex.weight) and not _WEIGHT.search(heads[c])
            and c not in view.repeats]
        runs: list[list[int]] = []
        for c in cand:
            if runs and all(x in view.bridged_cols for x in range(runs[-1][-1] + 1, c)):
                runs[-1].append(c)
            else:
                runs.append([c])
        options: list[tuple[float, int, list[int]]] = []
        for run in runs:
            for i in range(min(len(run), MAX_LEVELS)):
                for j in range(i + 2, min(len(run), i + MAX_LEVELS) + 1):
                    sub = run[i:j]
                    if sub[0] == 0 and ex.category is None:
                        continue  # no room for category names
                    hs = [heads[c] for c in sub]
                    p = pattern_score(hs)
                    if p < 0 or any(_NOTES.search(x) or (_LABEL.search(x) and not level_code(x)
                                                and not set(_words(x)) & _SENIORITY) for x in hs):
                        p = -1.0
                    if all(_NUMERIC.match(x) for x in hs) and any(
                            _WEIGHT.search(heads[c]) for c in range(sub[0]) if heads[c]) \
                            and not _numbered_header(hs, [heads[c] for c in range(sub[0])], [
                                heads[run[k]] for k in (i - 1, j) if 0 <= k < len(run)]):
                        p = -1.0  # a row of weights (0.5, 1, 2), not levels 1, 2
                    if (0 < p < 2.5 or p > 0 and as_level_words(hs) != hs) and _sliced(
                            hs, heads[run[i - 1]] if i > 0 else None,
                            heads[run[j]] if j < len(run) else None):
                        # a word before a number ('Engineer 1', 'Engineer 2' beside 'Senior
                        # Engineer 1') is a level word only over the whole run of headers
                        p = -1.0
                    if p >= 0:
                        options.append((p, len(sub), sub))
        # a sub-run that leaves out a neighbour continuing its pattern is no option: it would
        # drop a level silently (a sparse 'Level 1' column is a doubt, not a column to skip)
        options = [o for o in options if not any(
            q[0] >= o[0] and len(q[2]) > len(o[2]) and set(o[2]) < set(q[2]) for q in options)]
        options.sort(key=lambda o: (-o[0], -o[1]))
        for _, _, levels in options[:4]:
            lay = _with_levels(view, table_no, top, bottom, h, heads, below, levels, ex)
            if lay is not None:
                return lay
        return None
    return _with_levels(view, table_no, top, bottom, h, heads, below, levels, ex)


def _numbered_header(hs: list[str], left: list[str], beside: list[str]) -> bool:
    """Whether a row of plain numbers beside a 'Weight' header names levels 1..N rather than
    holding weights: the numbers count 1, 2, 3 (or 0, 1, 2) in order, or down to 1 (or 0), no
    number next to them is left out (``beside``: the run's neighbours), and a label header other
    than the weight's ('Category', 'Skill') heads a column left of them, as a header row has
    (a row of weights seen down the rows has only its 'Weight' label there)."""
    if not all(re.fullmatch(r"\d{1,2}", x.strip()) for x in hs) or any(
            _NUMERIC.match(x) for x in beside):
        return False
    nums = [int(x) for x in hs]
    if nums[-1] < nums[0]:
        nums = nums[::-1]
    if nums[0] not in (0, 1) or any(b != a + 1 for a, b in zip(nums, nums[1:], strict=False)):
        return False
    return any(x and not _WEIGHT.search(x) and not _NUMERIC.match(x) and _LABEL.search(x)
               for x in left)


# the label of a row of level names under a header of bare codes ('Name', 'Title', 'Job title')
_NAMES_LABEL = re.compile(r"^\s*((level|job|role)\s+)?(names?|titles?)\s*:?\s*$", re.I)


def _with_levels(view: View, table_no: int, top: int, bottom: int, h: int, heads: dict[int, str],
                 below: list[int], levels: list[int], ex: Explicit) -> Layout | None:
    """The layout once the level columns are chosen: labels, group, weight, notes."""
    skip = set(ex.skip)
    first = levels[0]
    banners = [c for c in _banners(view, top, bottom, h, levels) if c not in (
        ex.category, ex.group, ex.weight)]
    # names row: bare codes above a row of level names (sheetladder's own Matrix tab)
    names_row = None
    if all(re.fullmatch(r"[A-Za-z]{0,4}\d{1,3}", heads[c] or "") for c in levels) and below:
        r = below[0]
        if all(view.get(r, c) for c in levels) and all(
                not view.get(r, c) or _NAMES_LABEL.match(view.get(r, c))
                for c in range(first) if c not in banners):
            names_row = r
            below = below[1:]
    if names_row is None and h - 1 >= top and all(
            re.fullmatch(r"[A-Za-z]{0,4}\d{1,3}", heads[c] or "") for c in levels):
        # a row of level names right above the codes, labelled so ('Title' over 'Level')
        r = h - 1
        names = [view.get(r, c) for c in levels]
        labels = [x for c in range(first) if c not in banners and (x := view.get(r, c))]
        if all(names) and len(set(names)) == len(names) and labels \
                and all(_NAMES_LABEL.match(x) for x in labels) \
                and not any(parse_level_header(x) == (x, None) for x in names):
            names_row = r
    level_cols = set(levels)
    body = [r for r in below if not _is_header_repeat(view, r, h, levels)]
    label_area = [c for c in range(first) if c not in skip and c not in banners]
    data_rows = [r for r in body if _group_row(view, r, levels, label_area) is None]
    if not data_rows:
        return None
    stats = {c: _col_stats(view, data_rows, c) for c in range(view.ncols)}
    desc_len = statistics.fmean(stats[c][1] for c in levels)
    # names need only differ within a group: count distinct (group title row above, name) pairs
    segment, seg_of = 0, {}
    for r in body:
        if _group_row(view, r, levels, label_area) is not None:
            segment += 1
        seg_of[r] = segment

    def distinct_in_groups(c: int) -> float:
        vals = [(seg_of[r], view.get(r, c)) for r in data_rows if view.get(r, c)]
        return len(set(vals)) / len(vals) if vals else 0.0

    # label columns left of the levels: weight by header, the category the nearest short distinct
    # column, a group left of it whose values repeat
    weight = ex.weight
    purpose = None
    skipped: list[int] = sorted(skip)
    if weight is None:
        weight = next((c for c in range(view.ncols) if c not in level_cols and c not in skip
                       and c not in (ex.category, ex.group)
                       and heads[c] and _WEIGHT.search(heads[c])), None)
    category = ex.category
    if category is None:
        # the text columns left of the levels, nearest first, that may hold the category names
        # (not skipped, not the weights, mostly not numbers, not headed like notes)
        texts = [c for c in range(first - 1, -1, -1)
                 if c not in skip and c not in banners and c != weight and stats[c][0] and stats[c][3] < 0.5
                 and not (heads[c] and _NOTES.search(heads[c]) and not _LABEL.search(heads[c]))]
        short = max(desc_len * 0.8, 12)  # names are no longer than most descriptors
        category = next((c for c in texts if max(stats[c][2], distinct_in_groups(c)) >= 0.8
                         and stats[c][1] <= short), None)
        if category is None and pattern_score([heads[c] for c in levels]) >= 2.5:
            # levels named by codes or numbers: the nearest distinct text column names the
            # categories even when its names are longer than the descriptors (a doubt then)
            category = next((c for c in texts
                             if max(stats[c][2], distinct_in_groups(c)) >= 0.8), None)
        if category is None:
            # no column of distinct names: the nearest label column whose names mostly differ is
            # the category column with a name repeated (a doubt: the category names repeat), unless
            # it is shaped like a group column (its repeats follow each other) and a text column
            # left of it, more distinct, could hold the names it groups. Without this, one repeated
            # name drops the header it sits under, and a data row further down is taken for the
            # header instead.
            category = next((c for c in texts if stats[c][1] <= short
                             and _names_repeated(view, data_rows, c, seg_of, runs_allowed=not any(
                                 stats[x][0] and stats[x][3] < 0.5 and stats[x][2] > stats[c][2]
                                 for x in range(c) if x not in skip and x != weight))), None)
        if category is None:
            return None
    group = ex.group
    if group is None:
        for c in range(category - 1, -1, -1):
            n, mean, distinct, numeric = stats[c]
            if c in skip or c in banners or c == weight or n == 0 or numeric > 0.5:
                continue
            if n < len(data_rows) * 0.9 or distinct < 0.8:
                group = c
                break
            if _groups_of_one(heads[c], [view.get(r, c) for r in data_rows if view.get(r, c)],
                              mean, len(data_rows)):
                group = c
                break
    for c in range(view.ncols):
        if c in level_cols or c in (category, group, weight) or c in skip or c in view.repeats \
                or c in banners:
            continue
        if stats[c][0] or heads[c]:
            if purpose is None and heads[c] and _PURPOSE.search(heads[c]):
                purpose = c
            else:
                skipped.append(c)
    # a column left of the categories holding a label on every row, left out (not the group, no
    # notes header): a grouping the layout would drop silently
    loose = [c for c in skipped if c < category and c not in skip and stats[c][0] >= 0.9 * len(data_rows)
             and stats[c][3] < 0.5 and stats[c][1] <= MAX_GROUP_WIDTH
             and not (heads[c] and _side_column(heads[c]))]
    return Layout(view, table_no, top, bottom, h, levels, category, group, weight, purpose,
                  sorted(set(skipped)), names_row, loose=loose, told_skip=frozenset(skip),
                  banners=banners)


def _banners(view: View, top: int, bottom: int, h: int, levels: list[int]) -> list[int]:
    """The lines of a sheet, its levels down the rows, that each hold a single text typed at or
    left of the level column, alone or merged across the whole header (a title above it,
    'Rent the Runway Engineering Ladder' over 'Level | Title | Technical Skill …'): the
    ladder's name and notes about it, no group of its categories (a merge over some of the
    categories only may be a group). Seen the other way, such texts are rows above the
    header, already read as the title."""
    if not view.transposed:
        return []
    lines = [r for r in range(h + 1, bottom + 1) if any(view.get(r, c) for c in levels)]
    out: list[int] = []
    for c in range(levels[0]):
        typed = [r for (r, cc), v in view.raw.items() if cc == c and top <= r <= bottom and v.strip()]
        if len(typed) != 1 or typed[0] > h:
            continue
        filled = sum(bool(view.get(r, c)) for r in lines)
        if filled in (0, len(lines)):
            out.append(c)
    return out


# -- the detection a layout gives ----------------------------------------------------------------


def build(lay: Layout, source: str) -> Detection:
    """The matrix a layout describes, with a note for everything not placed."""
    view = lay.view
    notes: list[Note] = []
    sheet = view.table.name
    levels: list[DetectedLevel] = []
    codes_seen: dict[str, str] = {}
    order = lay.order  # lowest level first
    typed = [view.get(lay.header, c) for c in order]
    heads = as_level_words(typed)
    parsed = [level_code(x) for x in heads]
    use_codes = lay.pattern >= 3 or all(parsed) and len({p for p in parsed}) == len(parsed)
    for i, c in enumerate(order):
        text = _squash(heads[i])
        ref = view.ref(lay.header, c)
        p = parse_level_header(text)
        code: str
        name: str
        if use_codes and parsed[i]:
            if p is not None and p[1] is not None and re.fullmatch(r"[A-Za-z][A-Za-z0-9]{0,9}", p[0]) \
                    and not re.fullmatch(r"\d+", text):
                code, name = p[0], p[1]
            elif p is not None and p[1] is None:
                code, name = p[0], p[0]
            else:
                pre, num = parsed[i]  # type: ignore[misc]
                code, name = f"{pre or 'L'}{num}", text
        else:
            code, name = f"L{i + 1}", text
        if re.fullmatch(r"\d+", text):
            code, name = f"L{int(text)}", f"Level {int(text)}"
        if heads[i] != typed[i] and name == text:
            name = _squash(typed[i])  # 'Stufe 2' alone: its name as typed
        if lay.names_row is not None:
            name = _squash(view.get(lay.names_row, c)) or name
        if code.upper() in codes_seen:
            code = f"L{i + 1}"
        codes_seen[code.upper()] = ref
        levels.append(DetectedLevel(code, name or code, ref))
    if not use_codes and not all(re.fullmatch(r"\d+", h) for h in heads):
        notes.append(Note(view.range_ref(lay.header, lay.levels[0], lay.header, lay.levels[-1]),
                          f"the header names levels without codes; codes {levels[0].code}–"
                          f"{levels[-1].code} were made up", "level"))
    if lay.reverse:
        first, last = levels[0], levels[-1]
        said = ("--level-order highest-first: the levels run from the highest" if lay.order_told
                else "the level codes count down: the header names the levels from the highest")
        notes.append(Note(view.range_ref(lay.header, lay.levels[0], lay.header, lay.levels[-1]),
                          f"{said} ({last.code} at {last.ref}) to the lowest ({first.code} at "
                          f"{first.ref}); they are read lowest first, as a definition lists "
                          "them: " + ", ".join(lv.code for lv in levels)
                          + ("" if lay.order_told else
                             " (--level-order lowest-first would keep them as they stand)"),
                          "level"))
    codes = [lv.code for lv in levels]
    numbered = _code_numbers(codes)
    if numbered is not None:
        prefix, nums = numbered
        gaps = [f"{prefix}{n}" for n in range(min(nums), max(nums) + 1) if n not in nums]
        if gaps and _counting(nums):
            notes.append(Note(view.range_ref(lay.header, lay.levels[0], lay.header, lay.levels[-1]),
                              f"the level codes skip {', '.join(gaps[:4])} ({', '.join(codes)}): "
                              "a level left out of the sheet? the codes are kept as they stand",
                              "level"))
    label_area = [c for c in range(lay.levels[0]) if c not in lay.skipped and c not in lay.banners]
    start = max(lay.header, lay.names_row if lay.names_row is not None else -1) + 1
    rows = [r for r in range(start, lay.bottom + 1) if view.by_row.get(r)]
    title: str | None = None
    above = [r for r in range(lay.top, lay.header) if view.by_row.get(r) and r != lay.names_row]
    repeats = [r for r in rows if _is_header_repeat(view, r, lay.header, lay.levels)]
    groups: list[DetectedGroup] = []
    gids, cids = _Ids(), _Ids()
    bad_weights: list[Note] = []

    def open_group(name: str, ref: str | None) -> DetectedGroup:
        g = DetectedGroup(gids.make(name, ref or "", "group", notes), name, ref)
        groups.append(g)
        return g

    # a group title directly above the first header, when every repeat of the header has one too
    if repeats and above and above[-1] == lay.header - 1 and any(
            _group_row(view, r - 1, lay.levels, label_area) for r in repeats):
        r = above.pop()
        open_group(_squash(view.get(r, min(view.by_row[r]))), view.ref(r, min(view.by_row[r])))
    for c in lay.banners:  # a title above the header of a sheet with levels down the rows
        r = next(r for (r, cc), v in view.raw.items() if cc == c and v.strip())
        if title is None:
            title = _squash(view.raw[(r, c)])
        else:
            notes.append(Note(view.ref(r, c), "text above the matrix ignored: "
                              f"{_clip(view.raw[(r, c)])!r}", "stray"))
    for r in above:  # the cells as typed: a title merged across columns counts once
        typed = [view.raw.get((r, c), "").strip() for c in view.by_row[r] if c not in lay.banners]
        text = " ".join(t for t in typed if t)
        if not text:
            continue
        if title is None:
            title = _squash(text)
        else:
            notes.append(Note(view.ref(r, view.by_row[r][0]),
                              f"text above the matrix ignored: {_clip(text)!r}", "stray"))
    for r in repeats:
        notes.append(Note(view.ref(r, lay.levels[0]), "the level header repeated; skipped", "stray"))
    for c in sorted(view.repeats):
        if lay.levels[0] < c < lay.levels[-1]:
            notes.append(Note(view.ref(lay.header, c), "the header of the categories repeated; "
                              "skipped", "stray"))
    pending: tuple[str, str] | None = None
    italic_refs: list[str] = []  # descriptors in italics: marked drafted
    empty_groups = 0  # group titles with no category under them
    last_group_value: str | None = None
    totals: list[Note] = []  # rows labelled as a total that hold descriptors
    unnamed: list[Note] = []  # rows holding descriptors with no category name
    bad_cells: list[Note] = []  # errors and formulas without a result (see _not_text)
    overflow: list[Note] = []  # a CSV's texts right of its header's last column
    cat_rows: list[int] = []
    inner_headers: list[Note] = []  # rows under the header that read as a header of levels
    legends: list[Note] = []  # rows read as a legend with categories after them
    trailing: set[int] = set()  # legend rows under the last category: left out
    for r in reversed(rows):
        if r in repeats or _group_row(view, r, lay.levels, label_area) is not None:
            continue
        if _legend_row(view, r, lay) is None:
            break
        trailing.add(r)
    for r in rows:
        if r in repeats:
            continue
        if r in trailing:
            label = _legend_row(view, r, lay) or ""
            notes.append(Note(view.ref(r, lay.category), f"{_clip(label, 30)!r} under the "
                              "categories reads as a legend or a note about the sheet, not a "
                              "category: left out", "stray"))
            continue
        if (t := _total_row(view, r, lay, label_area)) is not None:
            notes.append(Note(view.ref(r, min(view.by_row[r])), f"{_clip(t, 30)!r} is a total, "
                              "not a category: left out", "stray"))
            continue
        gname = _group_row(view, r, lay.levels, label_area)
        if gname is not None:
            if pending:
                empty_groups += 1
                notes.append(Note(pending[1], f"{_clip(pending[0])!r} has no categories; ignored",
                                  "stray"))
            pending = (_squash(gname), view.ref(r, lay.category))
            continue
        label = _squash(view.get(r, lay.category))
        texts = {code: view.get(r, c) for code, c in zip(codes, order, strict=True)}
        heads_here = list(texts.values())
        corner = view.get(lay.header, lay.category)
        if (label.casefold() == corner.casefold() or _LABEL.fullmatch(label)) \
                and all(parse_level_header(t) for t in heads_here) \
                and pattern_score(heads_here) >= 2.5:
            # another header of levels: a table stacked on this one
            inner_headers.append(Note(view.ref(r, lay.category), " | ".join(
                _clip(t, 20) for t in texts.values()), "stray"))
            continue
        if _TOTAL.match(label):
            if not any(texts.values()):  # a sum of the weights under the matrix: no category
                notes.append(Note(view.ref(r, lay.category), f"{_clip(label, 30)!r} is a total, "
                                  "not a category: left out", "stray"))
                continue
            totals.append(Note(view.ref(r, lay.category), _clip(label, 30), "stray"))
        if not label:
            if view.uncomputed(r, lay.category) and (why := _not_text(view, r, lay.category)):
                bad_cells.append(Note(view.ref(r, lay.category), why, "stray"))
            elif any(texts.values()):
                unnamed.append(Note(view.ref(r, lay.category), "descriptors, no category name",
                                    "stray"))
                notes.append(Note(view.ref(r, lay.levels[0]),
                                  "descriptors in a row without a category name; ignored", "stray"))
            continue
        if _legend_row(view, r, lay) is not None:
            legends.append(Note(view.ref(r, lay.category), _clip(label, 30), "stray"))
        if lay.group is not None:
            gv = _squash(view.get(r, lay.group))
            if gv and gv != last_group_value:
                open_group(gv, view.ref(r, lay.group))
                last_group_value = gv
        if pending:
            open_group(pending[0], pending[1])
            pending = None
        if not groups:
            open_group("Categories", None)
            notes.append(Note(view.ref(r, lay.category), "no group header above the first "
                              "category; categories put in a group 'Categories'", "group"))
        ref = view.ref(r, lay.category)
        for c in (lay.category, *order):
            why = _not_text(view, r, c)
            if why:
                bad_cells.append(Note(view.ref(r, c), why, "stray"))
        cat = DetectedCategory(cids.make(label, ref, "category", notes), label, ref, {})
        for code, c in zip(codes, order, strict=True):
            text = texts[code]
            if view.uncomputed(r, c):
                cat.descriptors[code] = ""
            elif text:
                cat.descriptors[code] = _clean_text(view.cells.get((r, c), ""))
                if view.italic(r, c):  # sheetladder's Matrix sets a drafted descriptor so
                    cat.drafted.add(code)
                    italic_refs.append(view.ref(r, c))
            else:
                cat.descriptors[code] = PLACEHOLDER.format(category=label, code=code)
                cat.drafted.add(code)
                cat.empty.add(code)
                notes.append(Note(view.ref(r, c), f"empty: {label} at {code}; a placeholder marked "
                                                  "drafted was written", "empty"))
        if lay.weight is not None:
            wtext = view.get(r, lay.weight)
            w = _parse_weight(wtext) if wtext else None
            if not wtext:
                notes.append(Note(view.ref(r, lay.weight), f"no weight for {label}; 1 used",
                                  "weight"))
            elif w is None:
                bad_weights.append(Note(view.ref(r, lay.weight),
                                        f"weight {_clip(wtext, 20)!r} of {_clip(label, 40)!r} is "
                                        "not a positive number", "weight"))
            else:
                cat.weight = w
        if lay.purpose is not None and view.get(r, lay.purpose):
            cat.purpose = _clean_text(view.get(r, lay.purpose))
        groups[-1].categories.append(cat)
        cat_rows.append(r)
    if italic_refs:
        notes.append(Note(italic_refs[0] if len(italic_refs) == 1 else
                          f"{italic_refs[0]} and {len(italic_refs) - 1} more",
                          f"{len(italic_refs)} descriptor(s) set in italics (the Matrix's mark of "
                          "a draft): kept, and marked drafted", "stray"))
    if pending:
        empty_groups += 1
        notes.append(Note(pending[1], f"{_clip(pending[0])!r} has no categories; ignored", "stray"))
    numbers_left_out = [
        c for c in lay.skipped if lay.weight is None and c not in lay.told_skip and cat_rows
        and view.get(lay.header, c) and level_code(view.get(lay.header, c)) is None
        and not _INDEX_HEAD.fullmatch(view.get(lay.header, c))
        and _weights_maybe([_parse_weight(view.get(r, c)) for r in cat_rows])]
    for c in lay.skipped:
        h = view.get(lay.header, c)
        if h:
            notes.append(Note(view.ref(lay.header, c),
                              f"{'row' if view.transposed else 'column'} {_clip(h)!r} is not "
                              "part of the matrix; ignored", "stray"))
            continue
        for r in rows:  # a column without a header: each text it holds
            if view.raw.get((r, c), "").strip():
                notes.append(Note(view.ref(r, c), "stray text outside the matrix ignored: "
                                  f"{_clip(view.raw[(r, c)])!r}", "stray"))
                lines = view.table.csv_lines
                if lines is not None and not view.transposed and c > max(view.by_row[lay.header]):
                    overflow.append(Note(view.ref(r, c), f"line {lines.get(r, r + 1)}", "stray"))
    level_cols = set(lay.levels)
    for r1, c1, r2, c2 in view.merged:
        spanned = [lv.code for lv, c in zip(levels, order, strict=True) if c1 <= c <= c2]
        if r1 > lay.header and c1 in level_cols and len(spanned) > 1:
            notes.append(Note(view.range_ref(r1, c1, r2, c2), f"merged region spans levels "
                              f"{', '.join(spanned)}; its text is used for each", "merge"))
    groups = [g for g in groups if g.categories]
    head_rows = [lay.header, *([lay.names_row] if lay.names_row is not None else [])]
    if not groups:
        raise ImportFailed(f"{source or sheet}: levels found at "
                           f"{view.range_ref(lay.header, lay.levels[0], lay.header, lay.levels[-1])}"
                           " but no category rows with descriptors below them: " + _NO_ROWS)
    det = Detection(
        source=source, sheet=sheet, orientation="rows" if view.transposed else "columns",
        header_ref=view.range_ref(min(head_rows), lay.levels[0], max(head_rows), lay.levels[-1]),
        title=title, levels=levels, groups=groups,
        weight_ref=view.ref(lay.header, lay.weight) if lay.weight is not None else None,
        notes=notes, empty_groups=empty_groups, bad_weights=bad_weights, totals=totals,
        unnamed=unnamed, bad_cells=bad_cells, overflow=overflow,
        numbers_left_out=numbers_left_out, inner_headers=inner_headers, legends=legends)
    return det


# a header over numbers that count rows, not weights
_INDEX_HEAD = re.compile(r"\s*(#|id|no\.?|nr\.?|n°|num(ber)?|rank|index|order|row|item|s/?n)\s*",
                         re.I)


def _weights_maybe(values: list[float | None]) -> bool:
    """Whether a column's numbers could be weights that leaving it out would lose: positive
    numbers on every row, not all 1 (then they change nothing), and not a count 1, 2, 3 (or
    101, 102, 103) numbering the rows."""
    if not values or any(v is None for v in values):
        return False
    nums = [v for v in values if v is not None]
    if all(v == 1 for v in nums):
        return False
    return not (len(nums) > 1 and all(float(v).is_integer() for v in nums)
                and all(b - a == 1 for a, b in zip(nums, nums[1:], strict=False)))


# the error values Excel, LibreOffice and Google Sheets show in place of a formula's result
_ERROR_VALUE = re.compile(r"#(?:N/A|VALUE!|REF!|NAME\?|DIV/0!|NUM!|NULL!|SPILL!|CALC!|ERROR!|"
                          r"GETTING_DATA|FIELD!|BLOCKED!|CONNECT!|BUSY!|UNKNOWN!)|Err:\d{3}")


def _not_text(view: View, r: int, c: int) -> str | None:
    """Why a category or descriptor cell holds no text a person wrote (an error value, or a
    formula saved without its result), with what to do; None when it does."""
    if view.uncomputed(r, c):
        return ("a formula saved without its result (the file was written by a program, not "
                "saved by a spreadsheet): open and save it in Excel or LibreOffice, or type the "
                "text in place of the formula")
    text = view.get(r, c)
    if text and _ERROR_VALUE.fullmatch(text):
        return (f"the error {text!r} (a formula that failed, or text taken for one): type the "
                "text in its place")
    return None


# a row summing the matrix's weights or scores, labelled as such, is no category
_TOTAL = re.compile(r"^(grand |overall |sub-?|running )?(total|sum)s?( of (the )?weights?| weights?"
                    r"| scores?| points)?\s*:?$|^overall$", re.I)


def _total_row(view: View, r: int, lay: Layout, label_area: list[int]) -> str | None:
    """The label of a row that holds only a total or sum (a label such as 'Total' and numbers,
    no descriptors) in its label area, such as 'Total | 4' under the weights; else None."""
    if any(view.get(r, c) for c in lay.levels):
        return None
    texts = [view.get(r, c) for c in label_area if view.get(r, c)]
    words = [t for t in texts if not _NUMERIC.match(t)]
    if len(words) == 1 and _TOTAL.match(_squash(words[0])):
        return _squash(words[0])
    return None


# the label of a row that explains the matrix or says who keeps the sheet, no category: a
# legend or key, a scale, a review date, an owner, a version
_LEGEND = re.compile(
    r"^(legend|key|keys|colou?r key|rating scale|how to (read|use)( this)?|"
    r"(last |next )(reviewed|updated|modified|revised|review|update)( on| by| date)?|"
    r"(reviewed|updated|modified|revised)( on| by)?|"
    r"(review|update|effective|revision|creation|publication) date|date|dated|created( on| by)?|"
    r"owners?|owned by|authors?|written by|maintainers?|maintained by|approved( by)?|"
    r"approvers?|contacts?|version|revision|status|source|document (owner|version|status))"
    r"\s*[:.]?$", re.I)
# a legend's entry: a mark and what it stands for ('L = learning', '* = optional')
_LEGEND_ENTRY = re.compile(r"^\S{1,4}\s*=\s*\S")


def _legend_row(view: View, r: int, lay: Layout) -> str | None:
    """The label of a row that reads as a legend or a note about the sheet rather than a
    category: its label ('Legend', 'Key:', 'Last reviewed', 'Owner'), or cells under the levels
    that are mostly entries of a key ('L = learning'); else None."""
    label = _squash(view.get(r, lay.category))
    texts = [x for c in lay.levels if (x := view.get(r, c))]
    if label and _LEGEND.match(label):
        # a descriptor of three words or more under every level is a category's, whatever its
        # name ('Source | Finds candidates on LinkedIn | …', 'Status | Keeps …')
        if len(texts) == len(lay.levels) and all(
                len(x.split()) >= 3 and not _LEGEND_ENTRY.match(x) for x in texts):
            return None
        return label
    if len(texts) >= 2 and sum(bool(_LEGEND_ENTRY.match(x)) for x in texts) * 2 > len(texts):
        return label or texts[0]
    return None


_TINY = 3  # characters: a letter, a code or a mark, no description of a level


def doubts(lay: Layout, det: Detection) -> list[str]:
    """Why the detection may not be the matrix the sheet holds; [] when it is plausible."""
    out: list[str] = []
    cats = det.categories
    n_lv, n_cat = len(det.levels), len(cats)
    if n_lv < 2:
        out.append(f"only {n_lv} level found")
    if n_cat < (1 if lay.pattern >= 3 else 2):
        out.append(f"only {n_cat} category found")
    if lay.pattern <= 0:
        out.append("the level names share no pattern (codes, numbers counting up, seniority words "
                   "or a common word): " + ", ".join(repr(lv.name) for lv in det.levels[:6]))
    for lv in det.levels:
        if _NOTES.search(lv.name) or re.fullmatch(r"0+", lv.name.strip()):
            out.append(f"level {lv.name!r} ({lv.ref}) is named like a note or a count")
    texts = [c.descriptors[lv.code] for c in cats for lv in det.levels if lv.code not in c.empty]
    if n_cat:
        for c_lv, lv in zip(lay.order, det.levels, strict=True):
            have = sum(lv.code not in c.empty for c in cats)
            if have == 0:
                what = "row" if lay.view.transposed else "column"
                out.append(EmptyLevel(
                    f"level {lv.name!r} has descriptors for only 0 of {n_cat} categories: "
                    f"{what} {lay.view.line(c_lv)} (headed {lv.ref}) holds none; write its "
                    f"descriptors, or leave the {what} out with --skip-col "
                    f"{lay.view.line(c_lv)}", c_lv))
            elif have < 0.5 * n_cat:
                out.append(f"level {lv.name!r} has descriptors for only {have} of {n_cat} categories")
    for c_lv, lv in zip(lay.order, det.levels, strict=True):
        held = [x for c in cats if lv.code not in c.empty and (x := c.descriptors[lv.code].strip())]
        if len(held) >= 2 and all(_NUMERIC.match(x) for x in held):
            # weights (or scores) under a header not read as one ('Gewichtung', 'Faktor'): the
            # guess's command would write them as a level's descriptors
            v, what = lay.view, "row" if lay.view.transposed else "column"
            out.append(Against(
                f"level {lv.name!r} ({lv.ref}) holds only numbers ("
                + ", ".join(_clip(x, 10) for x in held[:4]) + f"), no descriptors: if {what} "
                f"{v.line(c_lv)} holds the weights, import with --weight-col {v.line(c_lv)}; if "
                f"it is no part of the ladder, with --skip-col {v.line(c_lv)}", free=True))
    if texts:
        numeric = sum(bool(_NUMERIC.match(t.strip())) for t in texts) / len(texts)
        refs = sum(bool(_CELLREF.match(t.strip())) for t in texts) / len(texts)
        if numeric > 0.2:
            out.append(f"{numeric:.0%} of the descriptors are numbers, dates or errors, not text")
        if refs > 0.2:
            out.append(f"{refs:.0%} of the descriptors look like cell references")
        distinct = len(set(texts)) / len(texts)
        if distinct < 0.4 and len(texts) > 3:
            out.append(f"only {distinct:.0%} of the descriptors differ from one another")
        tiny = sum(width(t.strip()) <= _TINY for t in texts) / len(texts)
        if tiny > 0.5:
            out.append(f"{tiny:.0%} of the descriptors are {_TINY} characters or fewer ("
                       + ", ".join(repr(_clip(t, 10)) for t in texts[:4])
                       + "): a ladder's descriptors say what a level looks like")
        mean_desc = statistics.fmean(width(t) for t in texts)
        mean_label = statistics.fmean(width(c.name) for c in cats) if cats else 0
        if mean_desc < 0.8 * mean_label and mean_desc < 25:
            out.append(f"descriptors ({mean_desc:.0f} characters on average) are no longer than "
                       f"category names ({mean_label:.0f})")
    for c in lay.loose:
        v = lay.view
        if _codes_down(lay, c):
            continue  # level codes: the levels the other way (see _unused_code_line), no group
        head = v.get(lay.header, c)
        what = "row" if v.transposed else "column"
        out.append(f"{what} {v.line(c)} ({f'{head!r}' if head else 'no header'}) holds a short "
                   f"text for every category, {'above' if v.transposed else 'left of'} the category "
                   f"names, and is left out: it may be a group {what} (--group-col {v.line(c)})")
    out.extend(_descriptors_left_out(lay, det))
    out.extend(_category_line_left_out(lay))
    if len(lay.skipped) > max(3, len(det.levels) // 2):
        out.append(f"{len(lay.skipped)} other {'rows' if lay.view.transposed else 'columns'} beside "
                   "the levels hold text: the levels found may be a slice of a larger table")
    level_names = [lv.name for lv in det.levels]
    seniority = sum(bool(set(_words(n)) & _SENIORITY) for n in level_names) >= 0.75 * len(level_names)
    if 0 < lay.pattern < 2.5 and texts and not seniority:
        shared = _shared_words(level_names) - _SENIORITY
        if shared:
            using = sum(bool(set(_words(t)) & shared) for t in texts) / len(texts)
            if using > 0.5:
                out.append(f"the level names share only the word(s) {', '.join(sorted(shared))}, "
                           f"which {using:.0%} of the descriptors use too")
    cats_coded = n_cat >= 2 and pattern_score([c.name for c in cats]) >= 2.5
    if cats_coded and _coded_lines_told_apart(lay, det):
        pass  # the level names say more than codes do, or the category names name areas
    elif cats_coded and lay.pattern >= 2.5 and n_cat <= MAX_LEVELS:
        # codes across and codes down ('L1', 'L2' over 'C1', 'C2'): nothing tells the levels,
        # not even the corner (over the codes down, it may name the row beside it)
        out.append(Against(
            f"the category names are codes counting up ({', '.join(c.name for c in cats[:4])}) "
            f"as the level names are ({', '.join(lv.name for lv in det.levels[:4])}): which "
            "holds the levels cannot be told" + _other_way_advice(lay, corner=False),
            other_way=True))
    elif _corner_settles(lay):
        pass  # the corner names the line it heads: category names counting up are still names
    elif cats_coded and lay.pattern < 2.5:
        out.append(Against("the category names are codes or numbers counting up ("
                           + ", ".join(c.name for c in cats[:4]) + "): the levels may run the "
                           "other way", other_way=True))
    elif (all(_NUMBER.match(lay.view.get(lay.header, c)) for c in lay.levels)
          and sum(bool(level_code(c.name)) and not _NUMBER.match(c.name) for c in cats) >= 2):
        # '#' over 1, 2, 3 numbering the rows, seen the other way: the row numbers become
        # levels and the real level header a row of categories
        shown = ", ".join(c.name for c in cats if level_code(c.name))
        out.append(Against(f"the levels found are plain numbers ({det.header_ref}) while "
                           f"categories are named like levels ({_clip(shown, 60)}): the numbers "
                           "may count the rows, and the levels run the other way",
                           other_way=True))
    elif n_cat > MAX_LEVELS and pattern_score([c.name for c in cats]) >= 2.5:
        out.append(Against(f"the {n_cat} category names are codes or numbers counting up ("
                           + ", ".join(c.name for c in cats[:3]) + ", …): they may be the levels, "
                           f"and a ladder has at most {MAX_LEVELS} levels (split it in two, or "
                           "leave the extra levels out of the sheet)", other_way=True, free=True))
    like_levels = [c.name for c in cats if _named_like_a_level(c.name)]
    if len(like_levels) < max(2, 0.75 * n_cat) and pattern_score([c.name for c in cats]) > 0:
        # 'Junior Engineer', 'Senior Engineer', 'Staff Engineer' down the rows under codes
        # across ('C1', 'Area 1') or other headers: names of levels by their seniority words
        # and shared word, a sign as strong as what the header found shares
        ranked = [c.name for c in cats if seniority_rank(c.name) is not None]
        if len(ranked) >= max(2, 0.75 * n_cat):
            like_levels = ranked
    if len(like_levels) < max(2, 0.75 * n_cat) and lay.pattern >= 2.5:
        # codes across may name categories ('C1', 'C2') when the names down rank by seniority
        # in order ('Intern', 'Junior Engineer', 'Engineer'): half of them is enough
        ranked = [c.name for c in cats if seniority_rank(c.name) is not None]
        ranks = [r for c in cats if (r := seniority_rank(c.name)) is not None]
        if len(ranked) >= max(2, 0.5 * n_cat) and (_counting(ranks) or _counting(ranks[::-1])):
            like_levels = [c.name for c in cats]
    if n_cat >= 2 and len(like_levels) >= max(2, 0.75 * n_cat):
        # 'L1 - Junior', 'Senior', 'Staff' down the rows: a header of levels seen the other way
        # (its codes, or generic category names such as 'Cat 0', 'Area 1', taken for the levels)
        out.append(Against("the category names read as level names ("
                           + ", ".join(_clip(x, 20) for x in like_levels[:4])
                           + "): the levels may run the other way" + _other_way_advice(lay),
                           other_way=True))
    if det.empty_groups and det.empty_groups * 2 >= n_cat:
        titles = [f"{n.ref} {n.message.removesuffix(' has no categories; ignored')}"
                  for n in det.notes if n.message.endswith(" has no categories; ignored")]
        lines = ("column" if lay.view.transposed else "row") + ("s" if det.empty_groups > 1 else "")
        out.append(Against(f"{det.empty_groups} {lines} with no descriptors under the levels found "
                           f"({', '.join(titles[:3])}{' and more' if len(titles) > 3 else ''}) "
                           + ("was read as a group title" if det.empty_groups == 1 else
                              "were read as group titles")
                           + f" without categories, against {n_cat} "
                           "categories: the levels found may be the wrong ones; if one is a "
                           "category, write its descriptors, and if it is no part of the "
                           "ladder, delete it"))
    unused = _unused_code_line(lay, det)
    if unused:
        out.append(unused)
    out.extend(_matrix_above(lay))
    out.extend(_levels_left_out(lay))
    numbered = _code_numbers([lay.view.get(lay.header, c) for c in lay.levels])
    if numbered is not None:
        nums = numbered[1]
        if len(set(nums)) == len(nums) and not _counting(nums) and not _counting(nums[::-1]):
            out.append(Against(
                "the level codes are out of order ("
                + ", ".join(lay.view.get(lay.header, c) for c in lay.levels[:6])
                + f", at {det.header_ref}): put the level {'rows' if lay.view.transposed else 'columns'}"
                " in order, lowest or highest first", free=True))
    out.extend(_repeated_names(det))
    out.extend(_same_codes(lay))
    out.extend(_level_order(lay, det))
    out.extend(_hidden_taken(lay))
    bare = [c for c in cats if det.levels and c.empty >= {lv.code for lv in det.levels}]
    if bare and len(bare) < n_cat:
        out.append(Free(
            f"{len(bare)} categor{'y' if len(bare) == 1 else 'ies'} without a single descriptor ("
            + ", ".join(f"{c.ref} {_clip(c.name, 30)!r}" for c in bare[:3])
            + (f" and {len(bare) - 3} more" if len(bare) > 3 else "") + "): if it is a group "
            "title, leave the row's other cells empty (a weight beside it makes it a category); "
            "else write its descriptors"))
    if det.unnamed:
        blank = [n.ref for n in det.unnamed]
        out.append(Against(
            f"{len(blank)} row(s) hold descriptors under the levels but no category name ("
            + ", ".join(blank[:3]) + (f" and {len(blank) - 3} more" if len(blank) > 3 else "")
            + " blank): each would be left out with its descriptors; type the category's "
            "name there, or delete the row if it belongs to no category", free=True,
            always=True))
    for n in det.inner_headers[:1]:
        out.append(Against(
            f"row {n.ref} reads as another header of levels ({n.message}): a second table "
            "stacked under the first with no blank row between; put a blank row above it, then "
            "import one table at a time with --table", free=True, always=True))
    for c in det.numbers_left_out:
        v = lay.view
        what = "row" if v.transposed else "column"
        out.append(Free(f"{what} {v.line(c)} ({v.get(lay.header, c)!r}, {v.ref(lay.header, c)}) holds "
                   "a positive number on every category's row and is left out, so every weight "
                   f"is 1: if it holds the weights, import with --weight-col {v.line(c)}; if "
                   f"not, with --skip-col {v.line(c)}"))
    if det.overflow:
        first = det.overflow[0]
        d = lay.view.table.csv_delimiter
        shown = {"\t": "tab", ",": "comma", ";": "semicolon", "|": "bar"}.get(d, repr(d))
        more = f" and {len(det.overflow) - 1} more" if len(det.overflow) > 1 else ""
        out.append(Against(
            f"{first.ref} ({first.message} of the file){more}: a row has more fields than the "
            f"header: a {shown} typed in a text that is not in double quotes splits it, and "
            "the cells after it shift to the right; put that text in double quotes, or remove "
            f"the extra {shown}", free=True, always=True))
    for n in det.legends[:1]:
        out.append(Free(f"category {n.message!r} ({n.ref}) reads as a legend or a note about "
                        "the sheet, not a category, yet category rows follow it: if it is no "
                        "category, delete the row or move it under the matrix; if it is one, "
                        "rename it"))
    for t in det.totals:
        out.append(f"{t.ref} {t.message!r} reads as a total, yet its row holds descriptors: "
                   "rename it if it is a category; a total row is no category (delete it)")
    # level names that are no progression: a doubt about what the header holds, not where the
    # matrix lies, so it costs the layout no score (another guess is not taken for it)
    for said in (_numbered_sections(lay), _different_roles(lay)):
        if said:
            out.append(Free(said))
    return out


# a name that is a grouping word and a number ('Area 1', 'Skill 2', 'Pillar 3'): a category's
_GROUPING_NUMBERED = re.compile(r"^\s*(" + _GROUPING + r")\s*#?\s*\d{1,3}\s*$", re.I)


def _said_to_be_levels(heads: list[str], names: list[str], coded: bool) -> bool:
    """Whether a line's headers say they are levels by more than a code counting up: a level
    word with each number ('Level 1', 'Grade 2'), or (beside codes) names ranked by seniority
    in order ('S0 - Intern', 'S1 - Junior Engineer', or a line of names under the codes)."""
    if heads and all(_WORD_LEVEL.match(h) for h in heads):
        return True
    ranks = [r for n in names if (r := seniority_rank(n)) is not None]
    return coded and len(ranks) >= max(2, 0.5 * len(names)) and _counting(ranks)


def _coded_lines_told_apart(lay: Layout, det: Detection) -> bool:
    """Whether, with the category names counting up as codes do ('C1', 'C2' or 'Area 1',
    'Area 2'), the two lines still say which one holds the levels: the level headers say so
    by more than a code (see _said_to_be_levels) where the category names do not, or the
    category names are a grouping word and a number ('Area 1') and no level header holds
    such a word. Codes alone across and down ('S1' over 'C1') tell nothing: still a doubt."""
    v = lay.view
    heads = [v.get(lay.header, c) for c in lay.levels]
    names = [c.name for c in det.categories]
    if _said_to_be_levels(names, names, coded=True):
        return False
    kinds = {got[0] for h in heads if (got := level_code(h))}
    if any((got := level_code(n)) and got[0] in kinds for n in names):
        return False  # codes of one kind on both lines ('Level 1' across, 'L2' down)
    if _said_to_be_levels(heads, [lv.name for lv in det.levels], coded=lay.pattern >= 2.5):
        return True
    return all(_GROUPING_NUMBERED.match(n) for n in names) and not any(
        re.search(r"\b(" + _GROUPING + r")\b", h, re.I) for h in heads)


# a header naming the line of category names itself, not a grouping of them
_CATEGORY_WORD = re.compile(r"^\s*(categor(y|ies)|skills?|competenc(y|ies)|criteri(a|on)|"
                            r"dimensions?|attributes?|behaviou?rs?|capabilit(y|ies)|"
                            r"parameters?)(\s+names?)?\s*:?\s*$", re.I)


def _category_line_left_out(lay: Layout) -> list[str]:
    """A doubt when a line headed 'Category' (or 'Skill', 'Competency') is left out while the
    category names are taken from a line headed otherwise ('Group' over it, say): the names
    found are likely the groups, and the categories dropped."""
    v = lay.view
    if _CATEGORY_WORD.match(v.get(lay.header, lay.category)):
        return []
    what = "row" if v.transposed else "column"
    out: list[str] = []
    for c in lay.skipped:
        head = v.get(lay.header, c)
        if c in lay.told_skip or not _CATEGORY_WORD.match(head) or c > lay.levels[0] \
                or _codes_down(lay, c):
            continue  # level codes under 'Category': the levels the other way, not the names
        rows = [r for r in range(lay.header + 1, lay.bottom + 1) if v.get(r, lay.category)]
        n, _, distinct, numeric = _col_stats(v, rows, c)
        if n < 0.75 * len(rows) or numeric > 0.5 or distinct < 0.5:
            continue  # no names there (numbers under a swapped header, say)
        found = v.get(lay.header, lay.category)
        out.append(Against(
            f"{what} {v.line(c)} ({head!r}, {v.ref(lay.header, c)}) is left out while the "
            f"category names are taken from {what} {v.line(lay.category)}"
            + (f" ({found!r})" if found else " (no header)") + ": if "
            f"{what} {v.line(c)} holds the categories, import with --levels-in "
            f"{'rows' if v.transposed else 'columns'} --category-col {v.line(c)}"
            + (f" --group-col {v.line(lay.category)}" if lay.category < c else "")))
    return out


def _descriptors_left_out(lay: Layout, det: Detection) -> list[str]:
    """A doubt for each line left out of the matrix (not told by --skip-col) that has a header
    and holds texts shaped like the descriptors on most category rows: as long, distinct, no
    numbers. It is a level (or a category, the matrix read the wrong way round) that the
    layout would drop with its descriptors; a notes or weight header ('Description',
    'Examples') is no such line."""
    v = lay.view
    rows = [r for r in range(lay.header + 1, lay.bottom + 1) if v.get(r, lay.category)
            and r != lay.names_row]
    texts = [c.descriptors[lv.code] for c in det.categories for lv in det.levels
             if lv.code not in c.empty]
    if len(rows) < 2 or not texts:
        return []
    desc_len = statistics.fmean(width(t) for t in texts)
    what = "row" if v.transposed else "column"
    out: list[str] = []
    for c in lay.skipped:
        head = v.get(lay.header, c)
        if c in lay.told_skip or c < lay.category or not head or _side_column(head) \
                or _header_word(head) or level_code(head) is not None:
            # left of the names: a label (see Layout.loose); headed like a level: see
            # _levels_left_out
            continue
        n, mean, distinct, numeric = _col_stats(v, rows, c)
        if n < 0.75 * len(rows) or distinct < 0.8 or numeric > 0 or mean < 0.6 * desc_len:
            continue
        lo, hi = min(c, lay.levels[0]), max(c, lay.levels[-1])
        other = "columns" if v.transposed else "rows"
        out.append(Against(
            f"{what} {v.line(c)} ({_clip(head, 30)!r}, {v.ref(lay.header, c)}) holds texts like "
            f"the descriptors on {n} of {len(rows)} category {'columns' if v.transposed else 'rows'}"
            f" and is left out of the levels found ({det.header_ref}): it may be a level (import "
            f"with --levels-in {'rows' if v.transposed else 'columns'} --levels "
            f"{v.line(lo)}:{v.line(hi)}), or the levels may run the other way (--levels-in "
            f"{other}); if it is neither, --skip-col {v.line(c)} leaves it out",
            other_way=True))
    return out


def _named_like_a_level(name: str) -> bool:
    """Whether a name reads as a level's: seniority words alone ('Senior', 'Staff Engineer' is
    not), after a level code if it has one ('L1 - Junior', 'Junior (E1)')."""
    parsed = parse_level_header(name)
    rest = parsed[1] if parsed is not None and parsed[1] is not None else name
    if parsed is not None and re.fullmatch(r"Level \d+", rest):
        return False  # a bare number: the line of plain numbers is judged elsewhere
    words = set(_words(rest)) - _FUNCTION_WORDS
    return bool(words) and words <= _SENIORITY


def _other_way_advice(lay: Layout, corner: bool = True) -> str:
    """What settles which line holds the levels: the option, or the corner cell's header word
    when it would (``corner``; see _corner_settles)."""
    v = lay.view
    other = "columns" if v.transposed else "rows"
    option = f"import with --sheet {_shq(v.table.name)} --levels-in {other}"
    word, names = ("Category", "category names") if v.transposed else ("Level", "levels")
    cell = v.ref(lay.header, lay.category)
    if not corner or v.get(lay.header, lay.category):
        return f"; if they do, {option}"
    return f"; if they do, {option}, or type {word!r} in {cell} (the header of the {names})"


def _header_word(text: str) -> bool:
    """Whether a cell reads as a header's word ('Weight', 'Category', 'Level', 'Notes')."""
    t = _squash(text)
    return bool(_WEIGHT.search(t) or _LABEL.fullmatch(t) or _LEVEL_CORNER.match(t)
                or _NOTES.fullmatch(t))


# a header over the category names that says they are ('Category', 'Skills', 'Competency'),
# naming no level
_CATEGORY_CORNER = re.compile(r"^\s*(" + _GROUPING + r")(\s+(name|names))?\s*$", re.I)


def _corner_settles(lay: Layout) -> bool:
    """Whether the corner cell (left of the level header, atop the category names) says which
    line is which. It heads the sheet's first column, as a header row's cells head theirs: with
    the levels across the columns, the column of category names ('Category', 'Skill'); with the
    levels down the rows, the column of levels ('Level'). Either way, names that count up on the
    other line (C1, C2 or Cat 0, Cat 1) are then no sign that the levels run the other way."""
    v = lay.view
    corner = v.get(lay.header, lay.category)
    if not corner:
        return False
    if any(_header_word(x) for r in range(lay.top, lay.header)
           if r != lay.names_row and (x := v.get(r, lay.category))):
        # 'Category' under 'Group': a column of labels naming the rows beside it (a group row
        # over a row of categories, the levels down the rows), not the header of a column of
        # names; it settles nothing
        return False
    names = [v.get(r, lay.category) for r in range(lay.header + 1, lay.bottom + 1)]
    if any(_header_word(x) for x in names if x):
        # 'Category' over 'Weight', 'S1', 'S2': a column naming the rows beside it (levels down
        # the rows under a row of categories and one of weights), not a column of names
        return False
    if v.transposed:
        return bool(_LEVEL_CORNER.match(corner))
    return bool(_CATEGORY_CORNER.match(corner))


class Against(str):
    """A doubt that the layout itself is wrong, not only unsure (the header may be another row,
    a level is left out, the levels run the other way, a hidden line is taken): the command line
    of that guess would write the wrong ladder it doubts, so it is never offered as advice.
    ``header`` (another header row), ``reverse`` (the levels read right to left) and
    ``other_way`` (the levels down the rows instead of across) describe the layout the doubt
    points at, when it points at one: that one is offered if it has no doubt."""

    header: int | None
    reverse: bool | None
    other_way: bool  # the levels may run the other way (down the rows, not across)
    free: bool  # costs the layout no score (see Free)
    # what the cells hold is wrong, whatever the layout (a row with no category name, a CSV row
    # wider than its header, a table stacked on another): refused even with layout options,
    # which cannot make it right
    always: bool

    def __new__(cls, text: str, header: int | None = None, reverse: bool | None = None,
                other_way: bool = False, free: bool = False, always: bool = False) -> Against:
        self = super().__new__(cls, text)
        self.header, self.reverse, self.other_way = header, reverse, other_way
        self.free, self.always = free, always
        return self


class EmptyLevel(str):
    """The doubt that a level line holds no descriptor at all: the import as found writes a
    placeholder in each of its cells. ``line`` (the view's column): the refusal offers the
    command that leaves it out with --skip-col as well as the guess's."""

    line: int

    def __new__(cls, text: str, line: int) -> EmptyLevel:
        self = super().__new__(cls, text)
        self.line = line
        return self


class Free(str):
    """A doubt about what the sheet holds rather than about where the matrix lies (a row with
    no category name, a number column left out, a CSV row wider than its header): it refuses
    the layout but costs it no score, so that a worse layout without it is not taken instead
    (the weights read as level names, say)."""

    free = True


def _same_codes(lay: Layout) -> list[str]:
    """Two cells of the level header (the levels found and the header cells beside them) naming
    one level code, 'L1 - Starter' beside 'L1 - Practitioner': a typo that would drop a level."""
    v, h = lay.view, lay.header
    others = {lay.category, lay.group, lay.weight, lay.purpose}

    def header_cell(c: int) -> bool:
        return 0 <= c < v.ncols and c not in others and bool(v.get(h, c)) \
            and not _side_column(v.get(h, c))

    lo, hi = lay.levels[0], lay.levels[-1]
    while header_cell(lo - 1):
        lo -= 1
    while header_cell(hi + 1):
        hi += 1
    seen: dict[tuple[str, int], int] = {}
    out: list[str] = []
    for c in range(lo, hi + 1):
        code = level_code(v.get(h, c)) if header_cell(c) else None
        if code is None:
            continue
        if code in seen:
            a, b = seen[code], c
            left_out = [x for x in (a, b) if x not in lay.levels]
            what = "row" if v.transposed else "column"
            hint = (f"; as found, {what} {v.line(left_out[0])} is left out with its descriptors"
                    if left_out else "")
            out.append(Against(
                f"header cells {v.ref(h, a)} ({_clip(v.get(h, a), 30)!r}) and {v.ref(h, b)} "
                f"({_clip(v.get(h, b), 30)!r}) name the same level {code[0]}{code[1]}{hint}: "
                f"correct the one that is wrong, or name the level {what}s with --levels (codes "
                f"are then made up) and leave one out with --skip-col"))
        else:
            seen[code] = c
    return out


def _level_order(lay: Layout, det: Detection) -> list[str]:
    """Levels that may be written highest first (unless --level-order told the order): level
    names without codes whose seniority words run from senior to junior ('Senior', 'Mid',
    'Junior'; 'Senior Engineer', 'Engineer', 'Junior Engineer': see ladder_ranks), or names
    running junior to senior left to right over codes counting down (codes and names
    disagree). Codes counting up are taken as they stand, whatever the names say."""
    if lay.order_told or len(det.levels) < 2:
        return []
    v = lay.view
    codes = [level_code(v.get(lay.header, c)) for c in lay.levels]
    coded = all(codes) and len({c[0] for c in codes if c}) == 1
    if coded and not lay.reverse:
        return []
    ranks = ladder_ranks([lv.name for lv in det.levels])
    known = [r for r in ranks if r is not None]
    # the first and the last name ranked at least: names with words of their own between them
    # ('Lead Engineer') leave the order the others show
    if ranks[0] is None or ranks[-1] is None \
            or not all(a > b for a, b in zip(known, known[1:], strict=False)):
        return []
    cells = v.range_ref(lay.header, lay.levels[0], lay.header, lay.levels[-1])
    if coded:
        names = ", ".join(f"{_clip(lv.name, 20)} {lv.ref}" for lv in det.levels[::-1])
        return [Against(
            f"the level codes in {cells} count down left to right, but the names run from "
            f"junior to senior ({names}): which level is the lowest cannot be told; correct the "
            "codes or the names, or say how the levels run with --level-order lowest-first "
            "(the lowest on the left) or highest-first")]
    names = ", ".join(f"{_clip(lv.name, 20)} {lv.ref}" for lv in det.levels)
    return [Against(
        f"the level names in {cells} run from senior to junior ({names}), and a definition "
        "lists levels lowest first: --level-order highest-first reads them right to left, "
        "lowest first (--level-order lowest-first keeps them as they stand)", reverse=True)]


def _hidden_taken(lay: Layout) -> list[str]:
    """Hidden rows or columns of an .xlsx that the layout takes (a level, a category, the
    names, groups or weights): no one who opens the sheet sees them, so whether they belong to
    the ladder cannot be told from it."""
    v = lay.view
    if not v.hidden_rows and not v.hidden_cols:
        return []
    row_word, col_word = ("column", "row") if v.transposed else ("row", "column")
    cols: dict[int, str] = {c: f"level {_clip(v.get(lay.header, c), 25)!r}" for c in lay.levels}
    cols[lay.category] = "the category names"
    if lay.group is not None:
        cols[lay.group] = "the group names"
    if lay.weight is not None:
        cols[lay.weight] = "the weights"
    found = [f"{col_word} {v.line(c)} ({v.ref(lay.header, c)}, {what})"
             for c, what in sorted(cols.items()) if c in v.hidden_cols]
    for r in range(lay.header, lay.bottom + 1):
        if r in v.hidden_rows and any(v.get(r, c) for c in cols):
            label = v.get(r, lay.category)
            found.append(f"{row_word} {v.row_name(r)} ({v.ref(r, lay.category)}"
                         + (f", {'the header' if r == lay.header else repr(_clip(label, 25))}"
                            if label else "") + ")")
    if not found:
        return []
    return [HiddenTaken("the matrix takes hidden " + "; ".join(found[:4])
                    + (f" and {len(found) - 4} more" if len(found) > 4 else "")
                    + ", which no one who opens the sheet sees: --hidden skip leaves the hidden "
                    "rows and columns out, --hidden take imports them as if shown")]


class HiddenTaken(Against):
    """The doubt that a layout takes hidden lines (see _hidden_taken): the matrix may be right,
    but whether the hidden lines belong to it is for --hidden to say. Another table left out
    for it alone is named when one is imported instead (see _left_out)."""


def _levels_left_out(lay: Layout) -> list[str]:
    """A doubt for each line outside the matrix headed like one of its levels (a code of the same
    kind: 'L1 - Starter' beside L2 and L3), unless --skip-col names it. A blank or other column
    between level columns splits them, and the levels on one side would be dropped without a
    word; so would a level written out of order, or levels beyond the most a ladder holds."""
    v = lay.view
    kinds = {got[0] for c in lay.levels if (got := level_code(v.get(lay.header, c)))}
    what = "row" if v.transposed else "column"
    left_out = [c for c in lay.skipped if c not in lay.told_skip
                and (head := v.get(lay.header, c)) and not _NOTES.search(head)
                and (got := level_code(head)) is not None and got[0] in kinds]
    if not left_out:
        return []
    found = v.range_ref(lay.header, lay.levels[0], lay.header, lay.levels[-1])
    if len(lay.levels) + len(left_out) > MAX_LEVELS:
        return [Against(f"the header has {len(lay.levels) + len(left_out)} {what}s headed like "
                        f"levels ({found} and {len(left_out)} more): a ladder has at most "
                        f"{MAX_LEVELS} levels (split it in two, or leave the extra levels out of "
                        "the sheet)", free=True)]
    out: list[str] = []
    for c in left_out:
        head = v.get(lay.header, c)
        lo, hi = min(c, lay.levels[0]), max(c, lay.levels[-1])
        between = [x for x in range(lo, hi + 1)
                   if x != c and x not in lay.levels and x not in left_out]
        text = (f"{what} {v.line(c)} ({head!r}, {v.ref(lay.header, c)}) is headed like a level "
                f"but is not one of the levels found ({found})")
        if between:
            text += (f": {what}{'s' if len(between) > 1 else ''} "
                     f"{', '.join(v.line(x) for x in between)} between them "
                     f"{'hold' if len(between) > 1 else 'holds'} no level; put the level "
                     f"{what}s side by side")
            if not any(v.get(lay.header, x) for x in between):  # blank lines: skip them
                text += (f", or import with --levels-in {'rows' if v.transposed else 'columns'} "
                         f"--levels {v.line(lo)}:{v.line(hi)} "
                         + " ".join(f"--skip-col {v.line(x)}" for x in between))
        else:
            text += (f": the level codes are out of order; put the level {what}s in order, "
                     "lowest or highest first")
        out.append(Against(text + f" (--skip-col {v.line(c)} if it is no level of this ladder)",
                           free=True))
    return out


def _repeated_names(det: Detection) -> list[str]:
    """A doubt for each category name found twice (or more) in one group, naming its cells: the
    ladder would hold two categories of one name, and which is meant cannot be told."""
    out: list[str] = []
    for g in det.groups:
        cells: dict[str, list[DetectedCategory]] = {}
        for c in g.categories:
            cells.setdefault(category_key(c.name), []).append(c)
        for same in cells.values():
            if len(same) > 1:
                refs = [c.ref for c in same]
                where = ", ".join(refs[:-1]) + " and " + refs[-1]
                # no option makes two categories of one name a definition: no command offered
                out.append(Against(f"category {_clip(same[0].name, 40)!r} appears "
                                   f"{'twice' if len(same) == 2 else f'{len(same)} times'} in "
                                   f"group {_clip(g.name, 40)!r} ({where}): rename one, or "
                                   "merge the rows if they are one category"))
    first: dict[str, tuple[DetectedGroup, DetectedCategory]] = {}
    for g in det.groups:  # one name in two groups: the exports show a category by its name
        seen_here: set[str] = set()
        for c in g.categories:
            key = category_key(c.name)
            if key in first and first[key][0] is not g and key not in seen_here:
                og, oc = first[key]
                out.append(Against(f"category {_clip(c.name, 40)!r} is in group "
                                   f"{_clip(og.name, 40)!r} ({oc.ref}) and in group "
                                   f"{_clip(g.name, 40)!r} ({c.ref}): the matrix and the exports "
                                   "show a category by its name, so give each its own (say, "
                                   f"'{_clip(c.name, 30)} ({_clip(g.name, 20)})')", free=True))
            seen_here.add(key)
            first.setdefault(key, (g, c))
    return out


def _code_line(values: list[str]) -> bool:
    """Whether a row or column reads as level codes counting up (most of its texts, of one
    prefix: three or more, or two that follow each other, 'M1', 'M2', beside at most a label)."""
    codes = [level_code(v) for v in values]
    got = [c for c in codes if c]
    if len(got) < 2 or len(got) < 0.6 * len(values) or len({p for p, _ in got}) != 1:
        return False
    if len(got) == 2:
        return bool(got[0][0]) and got[1][1] == got[0][1] + 1
    return all(b[1] > a[1] for a, b in zip(got, got[1:], strict=False))


def _codes_down(lay: Layout, c: int) -> bool:
    """Whether view column ``c`` holds level codes counting up ('S1', 'S2') while the levels
    found are named by a weaker pattern than codes: the line of levels seen the other way
    (see _unused_code_line), not a line of names or groups left out."""
    if lay.pattern >= 3:
        return False
    v = lay.view
    return _code_line([v.raw[(r, c)].strip() for r in range(lay.top, lay.bottom + 1)
                       if (r, c) in v.raw and v.raw[(r, c)].strip()])


def _unused_code_line(lay: Layout, det: Detection) -> str | None:
    """A row or column of level codes in the table that is not the levels found: the levels
    found by a weaker pattern (a shared word, seniority words) are then likely the wrong line."""
    if lay.pattern >= 3:
        return None
    v = lay.view
    rows = range(lay.top, lay.bottom + 1)
    own = {lay.header, *([lay.names_row] if lay.names_row is not None else [])}
    for r in rows:
        if r in own:
            continue
        vals = [v.raw[(r, c)].strip() for c in range(v.ncols)
                if (r, c) in v.raw and v.raw[(r, c)].strip()]
        if _code_line(vals) and not _coded_category(lay, r):
            where = f"{'column' if v.transposed else 'row'} {v.row_name(r)}"
            return Against(f"{where} holds level codes ({', '.join(vals[:4])}) but the levels "
                           "found are another line: the levels may be there", header=r)
    for c in range(v.ncols):
        if c == lay.category and _coded_lines_told_apart(lay, det):
            continue  # the levels say more than codes do, or the category names name areas
        if c == lay.category and _corner_settles(lay) and _level_like(
                [v.get(lay.header, x) for x in lay.levels]):
            # the corner says what the category line holds: codes there are names, beside
            # levels named as levels are (codes, numbers, seniority words); headers that only
            # share a word ('Product Impact', 'Org Impact') are no match for a line of codes,
            # whatever the corner says
            continue
        if _codes_down(lay, c):
            vals = [x for r in rows if (x := v.raw.get((r, c), "").strip())
                    and not _header_word(x)]
            return Against(f"{'row' if v.transposed else 'column'} {v.line(c)} holds level "
                           f"codes ({', '.join(vals[:4])}): the levels may run the other way",
                           other_way=True)
    return None


def _coded_category(lay: Layout, r: int) -> bool:
    """Whether row ``r`` under the header, its codes counting up ('Tier 1 support', 'Tier 2
    support'), is a category whose descriptors are coded, not the header of levels: the corner
    names the category column ('Competency') over level names (seniority words, codes), and
    the row's name is no header word ('Support') and every text under the levels carries it."""
    v = lay.view
    corner, label = v.get(lay.header, lay.category), v.get(r, lay.category)
    if r <= lay.header or not _CATEGORY_CORNER.match(corner) or not label or _header_word(label) \
            or not _level_like([v.get(lay.header, c) for c in lay.levels]):
        return False
    name = set(_words(label)) - _FUNCTION_WORDS
    return bool(name) and all(name & set(_words(v.get(r, c))) for c in lay.levels)


# a heading word and a number that count sections, lessons or periods, not career levels:
# 'Section 2', 'Part 1', 'Module 3', 'Step 4', 'Week 1', 'Q3', 'H1', 'FY2024', 'Year 2'
_SEQUENCE_HEAD = re.compile(
    r"^\s*(part|section|sec|chapter|module|unit|lesson|step|phase|week|wk|day|month|quarter|qtr|"
    r"q|half|h|year|yr|fy|term|semester|sprint|round|session|wave|iteration|page|item|question|"
    r"task|exercise|slide|period|cycle|block|topic|appendix)\.?\s*[-_#.:]?\s*(\d{1,4})(?!\d)",
    re.I)


def _numbered_sections(lay: Layout) -> str | None:
    """A doubt when every level header is a heading word and a number that counts sections or
    periods ('Section 1'..'Section 4', 'Week 1', 'Q1'..'Q4', 'FY2023'): a sequence, but no career
    progression. Stronger signs of a ladder lift it: a corner naming the line of levels
    ('Level', 'Grade', 'Stage'), or seniority words in three in four of the headers ('Step 1 -
    Junior')."""
    v = lay.view
    heads = [v.get(lay.header, c) for c in lay.levels]
    found = [_SEQUENCE_HEAD.match(h) for h in heads]
    if len(heads) < 2 or not all(found):
        return None
    words = {m.group(1).lower() for m in found if m}
    nums = [int(m.group(2)) for m in found if m]
    if len(words) != 1:
        return None
    word = next(iter(words))
    if (word == "q" and max(nums) > 4) or (word == "h" and max(nums) > 2):
        return None  # not quarters or halves: codes of a ladder ('Q7', 'H4')
    corner = v.get(lay.header, lay.category)
    if corner and _LEVEL_CORNER.match(corner):
        return None
    rest = [set(_words(h[m.end():])) for h, m in zip(heads, found, strict=True) if m]
    if sum(bool(r & _SENIORITY) for r in rest) >= 0.75 * len(heads):
        return None
    return _headers_doubt(lay, heads, "level headers", 20, (
        "number sections or periods, not the levels of a career ladder (codes such as L1 or "
        "IC2, 'Level 1', or titles such as Junior and Senior)"))


def _roman(word: str) -> bool:
    return bool(re.fullmatch(r"[ivxlc]+", word))


def _different_roles(lay: Layout) -> str | None:
    """A doubt when level names found by seniority words or a shared word name different roles
    or functions rather than steps of one progression ('Account Executive', 'Sales Engineer',
    'Customer Success Manager', 'Solutions Architect'; or 'Sales Engineer', 'Data Engineer',
    'Platform Engineer'): three in four of them carry words of their own, beside the words they
    share and the seniority words, no two share such a word, and their seniority words do not
    rank them in order. A real ladder's names differ by seniority ('Junior Engineer', 'Senior
    Engineer'), or keep one role across levels ('Consultant', 'Senior Consultant')."""
    if not 0 < lay.pattern < 2.5:
        return None  # codes or numbers: the levels are numbered, whatever their names
    v = lay.view
    heads = [v.get(lay.header, c) for c in lay.levels]
    shared = _shared_words(heads)
    rest = [{w for w in _words(h) if len(w) > 2 and not _roman(w)} - _SENIORITY - _FUNCTION_WORDS
            - shared for h in heads]
    if sum(bool(r) for r in rest) < max(2, 0.75 * len(heads)):
        return None
    if any(k > 1 for k in Counter(w for r in rest for w in r).values()):
        return None
    ranks = [r for h in heads if (r := seniority_rank(h)) is not None]
    if len(ranks) >= 2 and _counting(ranks):
        return None
    return _headers_doubt(lay, heads, "level names", 24, (
        "name different things (roles, functions, topics), not steps of one progression: each "
        "has words of its own that no other shares, and no seniority words (Junior, Senior, "
        "Staff) rank them in order"))


def _headers_doubt(lay: Layout, heads: list[str], what: str, clip: int, why: str) -> str:
    """A doubt naming the level headers' cells and the first four of them, then ``why``."""
    cells = lay.view.range_ref(lay.header, lay.levels[0], lay.header, lay.levels[-1])
    return (f"the {what} in {cells} ({', '.join(repr(_clip(h, clip)) for h in heads[:4])}"
            f"{', …' if len(heads) > 4 else ''}) {why}")


def _level_like(heads: list[str]) -> bool:
    """Whether level headers read as levels by more than a shared word: codes or numbers, or
    seniority words or a code on three in four of them."""
    if pattern_score(heads) >= 2.5:
        return True
    return sum(bool(level_code(h)) or bool(set(_words(h)) & _SENIORITY)
               for h in heads) >= 0.75 * len(heads)


def _matrix_above(lay: Layout) -> list[str]:
    """Why the header found may lie inside the matrix rather than on top of it: a line above it,
    over the same level columns, names levels by a stronger pattern (codes where the header found
    shares a word), or rows above it hold a name and text under the levels as category rows do
    (a title, a sentence or one row of remarks above a header is common; rows of them are not)."""
    v = lay.view
    out: list[str] = []
    what, where = ("column", "left of") if v.transposed else ("row", "above")
    above = [r for r in range(lay.top, lay.header) if v.by_row.get(r) and r != lay.names_row]
    corner = v.get(lay.header, lay.category)
    for r in above:
        heads = [v.raw.get((r, c), "").strip() for c in lay.levels]
        p = pattern_score(heads) if all(heads) else 0.0
        named = [x for x in heads if x]
        if not p and len(named) >= max(2, 0.5 * len(heads)):
            # a header over most of the level columns: the header found may take the category
            # column as a level (a category row whose texts share its name's words)
            p = pattern_score(named)
        found_codes = [level_code(v.get(lay.header, c)) for c in lay.levels]
        if p >= 3 and p == lay.pattern and all(heads) and all(found_codes) \
                and [level_code(x) for x in heads] == found_codes:
            # the same codes above: the header found is a row whose texts carry them ('C1
            # Level 2' under 'C1'), a category row, and the header is above
            out.append(Against(f"{what} {v.row_name(r)} {where} the header names the same "
                               "level codes (" + ", ".join(_clip(x, 20) for x in heads[:4])
                               + "): the header may be there", header=r))
            break
        if p > lay.pattern:
            out.append(Against(f"{what} {v.row_name(r)} {where} the header names the same "
                               "levels by a stronger pattern (" + ", ".join(_clip(x, 20) for x
                                                                            in heads[:4])
                               + "): the header may be there", header=r))
            break
        label = v.raw.get((r, lay.category), "").strip()
        if label and _LABEL.search(label) and lay.pattern < 2.5 and len(set(heads)) == len(heads) \
                and all(re.fullmatch(r"\d{1,2}", x) for x in heads):
            # a header row naming levels by numbers the header found lies under ('Category',
            # 'Weight', 2, 1, 0): taken for weights, it left a category row to be the header
            out.append(Against(f"{what} {v.row_name(r)} {where} the header reads as a header "
                               f"({_clip(label, 20)!r} over levels named "
                               + ", ".join(heads[:4]) + "): the header may be there", header=r))
            break
        if p > 0 and label and (_header_word(label) or _CATEGORY_CORNER.match(label)) \
                and all(heads) and corner and not _header_word(corner) \
                and not _CATEGORY_CORNER.match(corner):
            # a header over the category names ('Competency') beside level names, above a row
            # named like a category ('Support') whose texts count up as codes do ('Tier 1
            # support', 'Tier 2 support'): that row is a category, the header is above
            out.append(Against(f"{what} {v.row_name(r)} {where} the header reads as a header "
                               f"({_clip(label, 20)!r} over levels named "
                               + ", ".join(_clip(x, 20) for x in heads[:4])
                               + f"), where the header found has {_clip(corner, 30)!r}, a "
                               "category's name: the header may be there", header=r))
            break
        if p > 0 and p == lay.pattern and corner and not _LABEL.search(corner):
            # as good a pattern, where the header found has a name, not a header word ('Skill',
            # 'Category'), over its category column: a header row over a matrix whose first
            # category row was taken for the header
            out.append(Against(f"{what} {v.row_name(r)} {where} the header names levels as "
                               "well (" + ", ".join(_clip(x, 20) for x in heads[:4])
                               + (f") beside {label!r}" if label else ")") + ", where the header "
                               f"found has {_clip(corner, 30)!r}: the header may be there",
                               header=r))
            break
    like_categories = [r for r in above if v.raw.get((r, lay.category), "").strip() and sum(
        bool(v.raw.get((r, c), "").strip()) for c in lay.levels) * 2 >= len(lay.levels)]
    if len(like_categories) >= 2:
        out.append(Against(f"{len(like_categories)} {what}s {where} the header hold a name and "
                           f"text for the levels, as category {what}s do: the header found may be "
                           f"a category {what}", header=above[0]))
    return out


def score(lay: Layout, det: Detection, dbt: list[str]) -> float:
    """Higher is likelier: the level pattern, the matrix's size, the corner's word; doubts cost."""
    corner = lay.view.get(lay.header, lay.category)
    s = 3 * lay.pattern + min(len(det.levels) * len(det.categories), 200) / 50
    if corner and _LEVEL_CORNER.match(corner) and lay.view.transposed:
        s += 4  # 'Level' heads the column of levels: they run down the rows
    if corner and _LEVEL_CORNER.match(corner) and not lay.view.transposed and lay.pattern < 3:
        s -= 4
    return s - 5 * sum(not getattr(d, "free", False) for d in dbt)


# -- the whole search ----------------------------------------------------------------------------


@dataclass
class Found:
    layout: Layout
    detection: Detection
    doubts: list[str]
    score: float


def layouts(table: Table, source: str, levels_in: Orientation | None = None,
            ex: Explicit | None = None) -> list[Found]:
    """Every candidate layout on one sheet, best first."""
    ex = ex or Explicit()
    out: list[Found] = []
    bl = blocks(table)
    spans: list[tuple[View, int, int, int]] = []  # a view, its table's number and sheet rows
    for transposed in ((False, True) if levels_in is None else (levels_in == "rows",)):
        if not transposed:
            across = View(table, False)
            spans += [(across, i, top, bottom) for i, (top, bottom) in enumerate(bl, 1)]
        elif len(bl) == 1:
            spans.append((View(table, True), 1, *bl[0]))
        else:
            # with the levels down the rows a blank row is spacing between level rows: a
            # table is a block with the blocks after it that go on with it, each seen alone
            spans += [(View(table, True, (top, bottom)), i, top, bottom)
                      for i, top, bottom in _row_tables(table, bl)]
    for view, i, top, bottom in spans:
        if ex.table is not None and i != ex.table:
            continue
        if view.ncols > MAX_LINES or _out_of_range(view, ex):
            continue
        if bottom - top > MAX_ROWS and not view.transposed:
            continue
        vb = (top, bottom) if not view.transposed else (0, view.nrows - 1)
        heads = [ex.header_row] if ex.header_row is not None else [
            r for r in range(vb[0], vb[1] + 1) if len(view.by_row.get(r, [])) >= 2][:6]
        for h in heads:
            lay = candidate(view, i, vb[0], vb[1], h, ex)
            if lay is None:
                continue
            if not view.transposed:
                # category rows after a blank row (or a header repeated after one) go on
                # the matrix: a blank row is spacing, not the end of the ladder
                more = _continued(view, lay, bl[i:])
                if more > lay.bottom:
                    lay = candidate(view, i, vb[0], more, h, ex) or lay
            heads_found = [view.get(h, c) for c in lay.levels]
            lay.pattern = pattern_score(heads_found)
            lay.order_told = ex.order is not None
            lay.reverse = (ex.order == "highest-first" if ex.order is not None
                           else _descending_codes(heads_found))
            try:
                det = build(lay, source)
            except ImportFailed:
                continue
            dbt = doubts(lay, det)
            if not view.transposed and (dropped := _dropped_below(view, lay, bl[i:])):
                dbt.append(dropped)
            out.append(Found(lay, det, dbt, score(lay, det, dbt)))
    _inside_another(out)
    out.sort(key=lambda f: -f.score)
    return out


def _row_tables(table: Table, bl: list[tuple[int, int]]) -> list[tuple[int, int, int]]:
    """The tables of a sheet read with the levels down the rows, as (number, first sheet row,
    last): each block of rows (``bl``, numbered as --table counts them) starts one, unless it
    goes on with the table above it (see _goes_on), level rows spaced by blank rows."""
    by_row: dict[int, dict[int, str]] = {}
    for (r, c), v in table.cells.items():
        if v.strip():
            by_row.setdefault(r, {})[c] = v.strip()
    out: list[tuple[int, int, int]] = []
    for i, (top, bottom) in enumerate(bl, 1):
        if out and _goes_on(by_row, out[-1][1], out[-1][2], top):
            out[-1] = (out[-1][0], out[-1][1], bottom)
        else:
            out.append((i, top, bottom))
    return out


def _goes_on(by_row: dict[int, dict[int, str]], first: int, last: int, top: int) -> bool:
    """Whether the block starting on sheet row ``top`` goes on with the table on rows
    first..last, the levels down the rows: its first row repeats a row of that table (its
    header typed again), or holds a name in the table's first column and text beside it, as a
    level row does. A title, a blank first cell or a header word there ('Level', 'Category')
    starts a table of its own."""
    row = by_row.get(top, {})
    if len(row) < 2:
        return False
    above = [by_row[x] for x in range(first, last + 1) if x in by_row]
    if row in above:
        return True
    left = min((c for cells in above for c in cells), default=0)
    name = row.get(left, "")
    return bool(name) and not _header_word(name)


def sheet_rows(lay: Layout) -> tuple[int, int]:
    """The first and last sheet rows a layout reads: its block (and the blocks it goes on
    across) with the levels across the columns; the rows of its view with them down the rows."""
    return lay.view.rows if lay.view.transposed else (lay.top, lay.bottom)


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] <= b[1] and b[0] <= a[1]


def _inside_another(found: list[Found]) -> None:
    """A doubt for a layout whose header row lies among the category rows of another layout of
    the same view (spaced from it by blank rows) whose header above names the levels by a
    stronger pattern: the header found is likely a category row whose texts share a word."""
    for f in found:
        lay = f.layout
        over = next((g for g in found if g is not f and g.layout.view is lay.view
                     and g.layout.header < lay.header <= g.layout.bottom
                     and g.layout.pattern > lay.pattern), None)
        if over is None:
            continue
        v, o = lay.view, over.layout
        what = "column" if v.transposed else "row"
        heads = [v.get(o.header, c) for c in o.levels]
        d = Against(f"{what} {v.row_name(lay.header)} taken for the header lies under {what} "
                    f"{v.row_name(o.header)}, which names levels by a stronger pattern ("
                    + ", ".join(_clip(x, 20) for x in heads[:4]) + "): the header may be "
                    "there", header=o.header)
        f.doubts.append(d)
        f.score -= 5


def _own_header(view: View, lay: Layout, r: int) -> bool:
    """Whether row ``r``, first of a block under the matrix of ``lay``, heads a table of its
    own: level codes under the levels, or a header word over its names ('Category', 'Skill')
    beside cells that read as level names (a shared pattern, or short labels), not beside
    descriptors (a category named 'Scope' is no header)."""
    first = [x for c in lay.levels if (x := view.get(r, c))]
    if pattern_score(first) >= 2.5:
        return True
    if not any(_header_word(view.get(r, c)) for c in range(lay.levels[0])):
        # a header word over the names, or over the column left of them ('Category' over a
        # table whose levels run down the rows, stacked under one read across)
        return False
    return pattern_score(first) > 0 or bool(first) and all(
        width(x) <= 25 and len(x.split()) <= 3 for x in first)


def _dropped_below(view: View, lay: Layout, later: list[tuple[int, int]]) -> str | None:
    """A doubt when the block right under the matrix (after blank rows) is no table of its own
    yet holds rows with a category name and text under the levels, which the matrix did not
    take (they are not shaped like its category rows all through): each would be dropped with
    its descriptors."""
    for top, end in later:
        if end <= lay.bottom:
            continue
        multi = [r for r in range(top, end + 1) if len(view.by_row.get(r, [])) >= 2]
        if multi and _is_header_repeat(view, multi[0], lay.header, lay.levels):
            multi = multi[1:]
        if not multi:
            return None
        if _own_header(view, lay, multi[0]):
            # another table, when a layout is found under its header; else rows dropped
            if candidate(view, lay.table_no, top, end, multi[0]) is not None:
                return None
            multi = multi[1:] if pattern_score([x for c in lay.levels
                                                if (x := view.get(multi[0], c))]) >= 2.5 else multi
        rows = [r for r in multi if view.get(r, lay.category)
                and any(view.get(r, c) for c in lay.levels)]
        if not rows:
            return None
        where = (f"row {rows[0] + 1}" if len(rows) == 1 else f"rows {rows[0] + 1}–{rows[-1] + 1}")
        return Against(
            f"{where} below a blank row under the matrix (from {view.ref(rows[0], lay.category)}"
            f", {_clip(view.get(rows[0], lay.category), 30)!r}) "
            f"{'holds' if len(rows) == 1 else 'hold'} a name and text under the levels but "
            f"{'is' if len(rows) == 1 else 'are'} not read as categories: if they belong to "
            "the matrix, delete the blank row above them (and fill their name and level "
            "cells); if they are another table, put a header row of levels over them")
    return None


def _continued(view: View, lay: Layout, later: list[tuple[int, int]]) -> int:
    """The last row of the matrix of ``lay`` once the blocks after it (``later``, blocks of rows
    between blank rows) that go on with it are taken: blocks whose rows each hold a category
    name and text under the levels (most of the level cells filled), after group titles and
    after a repeat of the header if it has one. A block with a header of its own (level codes,
    a header word such as 'Category' over its names, or no name) is another table: it ends
    the matrix."""
    bottom = lay.bottom
    longest = max((width(view.get(r, lay.category)) for r in range(lay.header + 1, lay.bottom + 1)),
                  default=0)
    extent = max(view.by_row.get(lay.header, [0]))
    own = [width(x) for r in range(lay.header + 1, lay.bottom + 1) for c in lay.levels
           if (x := view.get(r, c))]
    mean_desc = statistics.fmean(own) if own else 0.0
    for top, end in later:
        multi = [r for r in range(top, end + 1) if len(view.by_row.get(r, [])) >= 2]
        if multi and _is_header_repeat(view, multi[0], lay.header, lay.levels):
            multi = multi[1:]
        if multi and all(_legend_row(view, r, lay) is not None for r in multi):
            # a legend or the sheet's review date and owner: taken, to be left out with a note
            # (see build), never dropped unsaid or read as categories
            bottom = end
            continue
        if not multi:
            break
        if _own_header(view, lay, multi[0]):
            break  # a table of its own under a header
        if any(not view.get(r, lay.category) or not any(view.get(r, c) for c in lay.levels)
               for r in multi):
            break
        if any(width(view.get(r, lay.category)) > max(30, 2 * longest) for r in multi):
            break  # a text in the names' column far longer than a name: another table's
        if any(c > extent for r in multi for c in view.by_row.get(r, [])):
            break  # text right of the header's last column: a wider table of its own
        here = [width(x) for r in multi for c in lay.levels if (x := view.get(r, c))]
        if mean_desc > 25 and here and statistics.fmean(here) < 0.5 * mean_desc:
            break  # labels where the matrix has descriptors: another table's header and rows
        filled = sum(bool(view.get(r, c)) for r in multi for c in lay.levels)
        if filled * 2 < len(multi) * len(lay.levels):
            break
        bottom = end
    return bottom


def _out_of_range(view: View, ex: Explicit) -> str | None:
    """What an explicit option names beyond the sheet's last row or column, or None."""
    cols = [("--levels", ex.levels[1] if ex.levels else None), ("--category-col", ex.category),
            ("--group-col", ex.group), ("--weight-col", ex.weight)]
    for option, c in cols:
        if c is not None and c >= view.ncols:
            return (f"{option} names {'row' if view.transposed else 'column'} {view.line(c)}, but "
                    f"the sheet's last is {view.line(view.ncols - 1)}")
    if ex.header_row is not None and ex.header_row >= view.nrows:
        return (f"--header-row names {'column' if view.transposed else 'row'} "
                f"{view.row_name(ex.header_row)}, but the sheet's last is {view.row_name(view.nrows - 1)}")
    return None


def command(found: Found, source: str) -> str:
    """The command line that imports exactly this layout."""
    lay = found.layout
    v = lay.view
    parts = ["sheetladder", "import", _shq(source), "--sheet", _shq(v.table.name)]
    if v.transposed:
        parts += ["--levels-in", "rows"]
    else:
        parts += ["--levels-in", "columns"]
    parts += ["--header-row", v.row_name(lay.header),
              "--levels", f"{v.line(lay.levels[0])}:{v.line(lay.levels[-1])}",
              "--category-col", v.line(lay.category)]
    if lay.group is not None:
        parts += ["--group-col", v.line(lay.group)]
    if lay.weight is not None:
        parts += ["--weight-col", v.line(lay.weight)]
    for c in lay.skipped:
        parts += ["--skip-col", v.line(c)]
    if len(blocks(v.table)) > 1:
        parts += ["--table", str(lay.table_no)]
    if lay.reverse or lay.order_told:
        parts += ["--level-order", "highest-first" if lay.reverse else "lowest-first"]
    if v.table.bridged_rows or v.table.bridged_cols:
        parts += ["--hidden", "skip"]
    return " ".join(parts)


def _shq(text: str) -> str:
    return text if re.fullmatch(r"[A-Za-z0-9_./:=@%+-]+", text) else "'" + text.replace("'", "'\\''") + "'"


# what to do when no matrix is found, or a header of levels has nothing under it
_NO_MATRIX = ("A matrix is a header row naming two or more levels ('L1', 'Level 2', 'Junior') "
              "over rows that each hold a category name and a descriptor under each level, or "
              "the same turned on its side. `sheetladder import {source} --list` shows every "
              "table found; to point at the matrix, give --sheet, --levels-in columns|rows, "
              "--header-row, --levels and --category-col.")
_NO_ROWS = ("put the category rows right under that header (a name, then a descriptor under "
            "each level), or point at the matrix with --sheet, --levels-in columns|rows, "
            "--header-row and --levels (`--list` shows every table found)")


class ImportDoubtful(ImportFailed):
    """The best layout found did not pass the plausibility checks."""

    def __init__(self, message: str, found: Found | None):
        super().__init__(message)
        self.found = found


def detect(table: Table, levels_in: Orientation | None = None, source: str = "",
           explicit: Explicit | None = None) -> Detection:
    """The matrix on one sheet; ImportDoubtful (an ImportFailed) when it cannot be trusted."""
    if not table.cells:
        raise ImportFailed(f"{source or table.name}: sheet {table.name!r} is empty: give the "
                           "sheet holding the matrix with --sheet (`--list` shows every sheet "
                           "and its tables)")
    return _choose([table], source or table.name, levels_in, explicit, sheet_given=True)


HiddenLines = Literal["skip", "take"]


def import_matrix(source: str, sheet: str | None = None, levels_in: Orientation | None = None,
                  explicit: Explicit | None = None, hidden: HiddenLines | None = None) -> Detection:
    """Read ``source`` and find its matrix: on ``sheet`` if named, else on the visible sheet
    whose best layout scores highest. Explicit options (``explicit``, or ``sheet`` with
    ``levels_in``) are obeyed even when the result is doubtful; the doubts become notes.
    ``hidden`` (--hidden): the hidden rows and columns of an .xlsx or .ods are left out ("skip") or read
    as if shown ("take"); by default a matrix that takes one is doubtful."""
    tables = read_tables(source)
    if not tables:
        raise ImportFailed(f"{source}: the workbook holds no sheets: open it in Excel or "
                           "LibreOffice, put the matrix on a sheet and save it again")
    hidden_notes: dict[int, list[Note]] = {}
    for t in tables:
        rows, cols = sorted(t.hidden_rows), sorted(t.hidden_cols)
        if not rows and not cols:
            continue
        lines = ([f"row {r + 1}" for r in rows[:3]] + [f"column {col_letter(c)}" for c in cols[:3]])
        more = len(rows) + len(cols) - len(lines)
        said = ", ".join(lines) + (f" and {more} more" if more > 0 else "")
        if hidden == "skip":
            gone = t.skip_hidden()
            if gone:
                hidden_notes[id(t)] = [Note(_quote_sheet(t.name), f"hidden {said} left out "
                                            f"(--hidden skip): {len(gone)} cell(s) not read", "stray")]
        elif hidden == "take":
            t.hidden_rows, t.hidden_cols = set(), set()
            hidden_notes[id(t)] = [Note(_quote_sheet(t.name), f"hidden {said} read as if shown "
                                        "(--hidden take)", "stray")]
    if sheet is not None:
        chosen = [t for t in tables if t.name == sheet] or [
            t for t in tables if t.name.lower() == sheet.lower()]
        if not chosen:
            raise ImportFailed(f"{source}: no sheet named {sheet!r}; sheets: "
                               + ", ".join(repr(t.name) for t in tables)
                               + ": give one of them with --sheet")
        tables = chosen
        if not any(t.cells for t in tables):
            raise ImportFailed(f"{source}: sheet {tables[0].name!r} is empty: give the sheet "
                               "holding the matrix with --sheet (`--list` shows every sheet and "
                               "its tables)")
    else:
        tables = [t for t in tables if t.visible and t.cells] or [t for t in tables if t.cells]
    if not tables:
        raise ImportFailed(f"{source}: every sheet is empty: type the matrix in the cells of a "
                           "sheet (a picture or a chart of it cannot be read), or import the "
                           "file that holds it")
    det = _choose(tables, source, levels_in, explicit, sheet_given=sheet is not None)
    chosen_table = next((t for t in tables if t.name == det.sheet), None)
    if chosen_table is not None:
        det.notes.extend(hidden_notes.get(id(chosen_table), []))
    return det


def _weights_refused(best: Found, source: str, doubtful: bool) -> ImportDoubtful:
    """The refusal of a matrix whose weight column holds cells that are no positive number,
    explicit options or not: a weight of 1 put in their place would be a wrong ladder. It names
    the cells, and gives the command line that leaves the weight column out."""
    from .emit import found_lines

    lay, det = best.layout, best.detection
    v = lay.view
    assert lay.weight is not None
    col = v.line(lay.weight)
    what = "row" if v.transposed else "column"
    bad = det.bad_weights
    lines = [f"{source}: the weight {what} (headed {v.ref(lay.header, lay.weight)}) has "
             + ("a cell that is" if len(bad) == 1 else f"{len(bad)} cells that are")
             + " not a positive number:"]
    lines += [f"  - {n}" for n in bad[:5]]
    if len(bad) > 5:
        lines.append(f"  … and {len(bad) - 5} more")
    lines.append("The matrix found:")
    lines += ["  " + x for x in found_lines(det, None)]
    if doubtful:
        lines.append("Doubtful because:")
        lines += [f"  - {d}" for d in best.doubts[:5]]
    if doubtful and any(isinstance(d, Against) for d in best.doubts):
        lines.append("A weight is a positive number (1, 2, 0.5, 50%): fix the cell(s); no command "
                     "is offered, as a doubt above says the layout found is wrong.")
        return ImportDoubtful("\n".join(lines), best)
    skip_weights = Found(replace(lay, weight=None, skipped=sorted({*lay.skipped, lay.weight})),
                         det, best.doubts, best.score)
    lines.append(f"A weight is a positive number (1, 2, 0.5, 50%): fix the cell(s), or leave the "
                 f"weight {what} out (every weight 1) with --skip-col {col}:")
    lines.append("  " + command(skip_weights, source))
    return ImportDoubtful("\n".join(lines), best)


def _cells_refused(best: Found, source: str) -> ImportDoubtful:
    """The refusal of a matrix with category or descriptor cells that hold an error or a formula
    without its result, explicit options or not: an error's text or a placeholder in their place
    would be a wrong ladder, and only the source can be mended."""
    from .emit import found_lines

    bad = best.detection.bad_cells
    lines = [f"{source}: " + ("a cell of the matrix holds" if len(bad) == 1
                              else f"{len(bad)} cells of the matrix hold")
             + " no text a person wrote:"]
    lines += [f"  - {n}" for n in bad[:8]]
    if len(bad) > 8:
        lines.append(f"  … and {len(bad) - 8} more")
    lines.append("The matrix found:")
    lines += ["  " + x for x in found_lines(best.detection, None)]
    lines.append("Mend the cell(s) in the spreadsheet and import it again; nothing was written.")
    return ImportDoubtful("\n".join(lines), best)


def _pointed_at(best: Found, doubt: Against, source: str) -> Found | None:
    """The layout a doubt points at (its header row, the levels read right to left, or down the
    rows instead of across), when detection finds it there with no doubt at all; else None."""
    lay = best.layout
    v = lay.view
    if doubt.other_way:
        flipped = [f for f in layouts(v.table, source, "columns" if v.transposed else "rows")
                   if f.layout.table_no == lay.table_no]
        return flipped[0] if flipped and not flipped[0].doubts \
            and not flipped[0].detection.bad_weights else None
    tries: list[Explicit] = []
    if doubt.header is not None:
        tries = [Explicit(header_row=doubt.header, table=lay.table_no),
                 Explicit(header_row=doubt.header, levels=(lay.levels[0], lay.levels[-1]),
                          table=lay.table_no)]
    elif doubt.reverse is not None:
        tries = [Explicit(order="highest-first" if doubt.reverse else "lowest-first")]
    for ex in tries:
        for f in layouts(v.table, source, "rows" if v.transposed else "columns", ex):
            if f.layout.table_no != lay.table_no:
                continue
            if not f.doubts and not f.detection.bad_weights:
                return f
            break
    return None


def _advice(best: Found, source: str) -> list[str]:
    """What a refusal offers to run. The guess's own command only when its doubts leave the
    guess possibly right as it stands; when a doubt says the layout itself is wrong (another
    header row, a level left out, levels highest first, a hidden line), the guess's command
    would write that wrong ladder with exit 0, so the layout the doubt points at is offered
    instead when it has no doubt, else no command at all."""
    against = [d for d in best.doubts if isinstance(d, Against)]
    if any(d.always for d in against):
        return ["No option makes it right as it stands: correct the cells named in the "
                "spreadsheet, then import it again."]
    if not against:
        lines = ["If that guess is right, import it explicitly with:", "  " + command(best, source)]
        empty = [d.line for d in best.doubts if isinstance(d, EmptyLevel)]
        lay = best.layout
        if empty and len(lay.levels) - len(empty) >= 2:
            what = "rows" if lay.view.transposed else "columns"
            left = replace(lay, skipped=sorted({*lay.skipped, *empty}))
            lines += [f"If the empty level {what} are no levels of this ladder, leave them out "
                      "with:" if len(empty) > 1 else
                      f"If the empty level {what[:-1]} is no level of this ladder, leave it out "
                      "with:", "  " + command(Found(left, best.detection, best.doubts,
                                                      best.score), source)]
        return lines
    for d in against:
        alt = _pointed_at(best, d, source)
        if alt is not None:
            from .emit import found_lines

            return (["Read as that doubt says, the matrix has no doubt:"]
                    + ["  " + x for x in found_lines(alt.detection)[:2]]
                    + ["If it is the matrix, import it with:", "  " + command(alt, source)])
    return ["No command is offered for that guess: a doubt says its layout is wrong, and "
            "importing it as found would write that. Correct the cells named, or give the "
            "option named (`--list` shows every table found and its layout)."]


def _choose(tables: list[Table], source: str, levels_in: Orientation | None,
            explicit: Explicit | None, sheet_given: bool) -> Detection:
    ex = explicit or Explicit()
    found: list[Found] = []
    for t in tables:
        found.extend(layouts(t, source, levels_in, ex))
    if not found:
        if ex.table is not None:
            few = [(t, n) for t in tables if (n := len(blocks(t))) < ex.table]
            if len(few) == len(tables):
                held = "; ".join(f"sheet {t.name!r} holds {n}" for t, n in few[:4])
                raise ImportFailed(f"{source}: --table {ex.table}: {held} table(s) (blocks of "
                                   "rows with blank rows between); `--list` shows them")
            for t in tables if levels_in != "columns" else []:
                bl = blocks(t)
                if len(bl) < ex.table:
                    continue
                top, bottom = bl[ex.table - 1]
                goes_on = next((k for k, a, b in _row_tables(t, bl) if k < ex.table
                                and a <= top <= b), None)
                if goes_on is not None:
                    raise ImportFailed(
                        f"{source}: --table {ex.table}: on sheet {t.name!r}, "
                        + (f"row {top + 1} goes" if top == bottom else
                           f"rows {top + 1}–{bottom + 1} go")
                        + f" on with table {goes_on} read with the levels down the "
                        f"rows (level rows a blank row apart); import it with --table {goes_on} "
                        "(`--list` shows the tables)")
        beyond = [(t, why) for t in tables if levels_in is not None
                  and (why := _out_of_range(View(t, levels_in == "rows"), ex))]
        if beyond:
            t, why = beyond[0]
            raise ImportFailed(f"{source}: sheet {t.name!r}: {why}: give lines within the "
                               "sheet (`--list` shows each table's bounds)")
        for t in tables:  # a header of levels with nothing under it says more than 'none found'
            v = View(t, False)
            for r, cols in v.by_row.items():
                heads = [v.get(r, c) for c in cols[1:]]
                if pattern_score(heads) >= 2.5 and not any(rr > r for rr in v.by_row):
                    raise ImportFailed(f"{source}: levels found at {v.range_ref(r, cols[1], r, cols[-1])}"
                                       " but no category rows with descriptors below them: "
                                       + _NO_ROWS)
        raise ImportFailed(f"{source}: no descriptor matrix found: no sheet has a header row of at "
                           "least two levels over rows of categories ("
                           + ", ".join(repr(t.name) for t in tables) + "). "
                           + _NO_MATRIX.format(source=_shq(source)))
    # the best layout of each sheet by score; among sheets, a plausible one before a doubtful one
    found.sort(key=lambda f: -f.score)
    per_sheet: dict[int, Found] = {}
    for f in found:
        per_sheet.setdefault(id(f.layout.view.table), f)
    best = min(per_sheet.values(), key=lambda f: (bool(f.doubts), -f.score))
    explicit_given = ex.given or (levels_in is not None and sheet_given)
    if levels_in is None and not ex.given and any(getattr(d, "other_way", False)
                                                 for d in best.doubts) \
            and not any(getattr(d, "always", False) for d in best.doubts):
        # a guess doubting its orientation gives way to the other reading of the same table
        # when that one has no doubt (when it has, both are doubtful: refused below)
        flipped = next((f for f in found if f.layout.view.table is best.layout.view.table
                        and f.layout.view.transposed != best.layout.view.transposed
                        and f.layout.table_no == best.layout.table_no
                        and not f.doubts and not f.detection.bad_weights
                        and not f.detection.bad_cells), None)
        if flipped is not None:
            others_way = "; ".join(str(d) for d in best.doubts if getattr(d, "other_way", False))
            flipped.detection.notes.append(Note(
                flipped.detection.header_ref, "read with the levels "
                + ("down the rows" if flipped.layout.view.transposed else "across the columns")
                + f": the other reading doubted its orientation ({_clip(others_way, 160)})",
                "level"))
            best = flipped
    if best.detection.bad_cells:
        raise _cells_refused(best, source)
    if best.detection.bad_weights:
        raise _weights_refused(best, source, doubtful=bool(best.doubts) and not explicit_given)
    if best.doubts and (not explicit_given or any(getattr(d, "always", False)
                                                  for d in best.doubts)):
        from .emit import found_lines

        lines = [f"{source}: no matrix found that can be trusted. The best guess:"]
        lines += ["  " + x for x in found_lines(best.detection, None)]
        lines.append("Doubtful because:")
        lines += [f"  - {d}" for d in best.doubts[:5]]
        lines += _advice(best, source)
        raise ImportDoubtful("\n".join(lines), best)
    det = best.detection
    det.notes.extend(_left_out(best, found))
    for d in best.doubts:
        det.notes.append(Note(det.header_ref, f"doubtful: {d}", "level"))
    for text in best.layout.view.table.notes:  # a library's warnings: shown, never printed raw
        det.notes.append(Note(_quote_sheet(det.sheet), f"the reader noted: {text}", "stray"))
    return det


def _left_out(best: Found, found: list[Found]) -> list[Note]:
    """A note for each other matrix found (another table of the sheet, another sheet) that the
    import leaves out: one with no doubt, or one doubted only for taking hidden lines (which
    would otherwise switch the import to another matrix without a word)."""
    out: list[Note] = []
    seen: set[tuple[int, int]] = set()
    here = best.layout.view.table
    for f in found:
        lay, det = f.layout, f.detection
        same = lay.view.table is here
        if f is best or same and (lay.table_no == best.layout.table_no
                                  or _overlap(sheet_rows(best.layout), sheet_rows(lay))):
            continue
        key = (id(lay.view.table), lay.table_no if same else 0)
        hidden = [d for d in f.doubts if isinstance(d, HiddenTaken)]
        if key in seen or len(hidden) != len(f.doubts) or det.bad_weights or det.bad_cells:
            continue
        seen.add(key)
        where = f"table {lay.table_no}" if same else f"sheet {lay.view.table.name!r}"
        option = (f"--table {lay.table_no}" if same else f"--sheet {_shq(lay.view.table.name)}"
                  + (f" --table {lay.table_no}" if len(blocks(lay.view.table)) > 1 else ""))
        size = f"{len(det.levels)} levels x {len(det.categories)} categories"
        if hidden:
            out.append(Note(det.header_ref, f"another matrix ({where}, {size}) was left out "
                            f"because it {hidden[0].removeprefix('the matrix ')}; import it "
                            f"with {option} and one of those", "stray"))
        else:
            out.append(Note(det.header_ref, f"another matrix ({where}, {size}) was left out; "
                            f"import it with {option}", "stray"))
    return out


# -- explicit options and the table list -----------------------------------------------------------


def _line(text: str, letters: bool, what: str) -> int:
    """A 0-based index from a column letter (``letters``) or a 1-based row number."""
    t = text.strip().upper()
    if letters and re.fullmatch(r"[A-Z]{1,3}", t):
        n = 0
        for ch in t:
            n = n * 26 + ord(ch) - 64
        return n - 1
    if not letters and re.fullmatch(r"\d{1,7}", t) and int(t) >= 1:
        return int(t) - 1
    want = "a column letter such as C" if letters else "a row number such as 3"
    raise BadInput(f"{what} {text!r}: expected {want}")


def explicit_options(levels_in: Orientation | None, header_row: str | None = None,
                     levels: str | None = None, category: str | None = None,
                     group: str | None = None, weight: str | None = None,
                     skip: tuple[str, ...] = (), table: int | None = None,
                     order: LevelOrder | None = None) -> Explicit:
    """The CLI's layout options as view coordinates (``order``: --level-order). With levels in
    rows, rows and columns swap: --levels and the *-col options name rows (numbers),
    --header-row a column (a letter)."""
    rows = levels_in == "rows"
    if (levels or category or group or weight or skip or header_row) and levels_in is None:
        raise BadInput("--header-row, --levels and the --*-col options need --levels-in columns|rows")
    span: tuple[int, int] | None = None
    if levels is not None:
        m = re.fullmatch(r"\s*([A-Za-z]+|\d+)\s*:\s*([A-Za-z]+|\d+)\s*", levels)
        if not m:
            raise BadInput(f"--levels {levels!r}: expected a range such as C:G (or 3:7 for rows)")
        a, b = _line(m.group(1), not rows, "--levels"), _line(m.group(2), not rows, "--levels")
        if b <= a:
            raise BadInput(f"--levels {levels!r}: needs at least two levels, first to last")
        span = (a, b)
    ex = Explicit(
        header_row=_line(header_row, rows, "--header-row") if header_row else None,
        levels=span,
        category=_line(category, not rows, "--category-col") if category else None,
        group=_line(group, not rows, "--group-col") if group else None,
        weight=_line(weight, not rows, "--weight-col") if weight else None,
        skip=tuple(_line(x, not rows, "--skip-col") for x in skip), table=table,
        order=order)
    _one_role_each(ex, rows)
    return ex


def _one_role_each(ex: Explicit, rows: bool) -> None:
    """BadInput when the options give one line two roles (--category-col C inside --levels
    C:E, the same column as --weight-col and --group-col, a --skip-col that is also given a
    role): whichever won, the ladder written would not be the one asked for."""
    def line(c: int) -> str:
        return str(c + 1) if rows else col_letter(c)

    roles: dict[int, str] = {}
    given = [("--category-col", ex.category), ("--group-col", ex.group),
             ("--weight-col", ex.weight)] + [("--skip-col", c) for c in ex.skip]
    for option, c in given:
        if c is None:
            continue
        if c in roles and not (option == roles[c] == "--skip-col"):
            raise BadInput(f"{option} {line(c)} is also given as "
                           f"{roles[c]}: give each {'row' if rows else 'column'} one role")
        roles[c] = option
        if ex.levels is not None and ex.levels[0] <= c <= ex.levels[1] and option != "--skip-col":
            what = "row" if rows else "column"
            raise BadInput(f"{option} {line(c)} is inside --levels {line(ex.levels[0])}:"
                           f"{line(ex.levels[1])}: give each {what} one role (leave it out of "
                           "--levels, or give it no other option)")


def list_lines(source: str, sheet: str | None = None,
               levels_in: Orientation | None = None) -> list[str]:
    """Every table found on every sheet, with its bounds and the best layout read there."""
    lines: list[str] = []
    for t in read_tables(source):
        if sheet is not None and t.name.lower() != sheet.lower():
            continue
        bl = blocks(t)
        lines.append(f"sheet {t.name!r}{'' if t.visible else ' (hidden)'}: {len(bl)} table(s)")
        found = layouts(t, source, levels_in)
        part_of: dict[int, Found] = {}  # block -> the reading of a table above that takes it
        for i, (top, bottom) in enumerate(bl, 1):
            # the reading import would take: one without doubt (best first), else the best
            # reading across the columns, else any
            best = next((f for f in found if f.layout.table_no == i and not f.doubts), None) \
                or next((f for f in found if f.layout.table_no == i
                         and not f.layout.view.transposed), None) \
                or next((f for f in found if f.layout.table_no == i), None)
            above = part_of.get(i)
            if best is not None and above is None:
                # a matrix goes on across blank rows (category rows after one, the header
                # repeated, level rows a blank row apart): the blocks it takes are its own
                bottom = max(bottom, sheet_rows(best.layout)[1])
                part_of.update({k: best for k, (a, _) in enumerate(bl, 1) if k > i and a <= bottom})
            cols = [c for (r, c) in t.cells if top <= r <= bottom]
            head = f"  table {i}: {range_ref(t.name, top, min(cols), bottom, max(cols))}: "
            if above is not None:
                n = above.layout.table_no
                head += (f"part of table {n} ("
                         + ("its levels down the rows, level rows a blank row apart"
                            if above.layout.view.transposed else "the matrix goes on after a "
                            "blank row") + f"; --table {n})")
                if best is None:
                    lines.append(head)
                    continue
                head += "; alone, "
            elif best is None:
                lines.append(head + "no matrix")
                continue
            d = best.detection
            verdict = "doubtful: " + best.doubts[0] if best.doubts else "plausible"
            lines.append(f"{head}{len(d.levels)} levels x {len(d.categories)} categories "
                         f"({verdict})")
            if not any(isinstance(x, Against) for x in best.doubts):
                lines.append(f"    {command(best, source)}")
                continue
            # a doubt that says the layout is wrong: its command would write that; the layout
            # the doubt points at instead, when it has no doubt
            alt = next((a for x in best.doubts if isinstance(x, Against)
                        and (a := _pointed_at(best, x, source)) is not None), None)
            lines.append(f"    {command(alt, source)}" if alt is not None else
                         "    (no command: a doubt says this layout is wrong; `sheetladder "
                         f"import {_shq(source)}` without --list names the cells to mend and "
                         "the options that settle it)")
    if not any(x.startswith("    ") for x in lines):
        lines.append("No matrix found. " + _NO_MATRIX.format(source=_shq(source)))
    return lines
