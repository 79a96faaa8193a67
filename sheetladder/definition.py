"""Ladder definitions: the pydantic models, YAML loading with line numbers, and precise errors.

A definition is the one input every other module works from, so it is validated strictly:
unknown keys are errors (they are usually typos), and every problem is reported as
``FILE:LINE:COL: message`` pointing at the YAML node that caused it.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from typing_extensions import Self

from .errors import SheetladderError
from .period import PeriodScheme

FORMAT_VERSION = 1
DROPDOWN_LIMIT = 255  # Excel refuses a list dropdown whose items add up to more characters

# -- limits -------------------------------------------------------------------------------------
# One set of limits, checked by validate and documented in the definition format, chosen so that
# everything validate accepts renders, opens in Excel/LibreOffice/Google and reads back: the
# reader's own limits (rows per sheet, part and file sizes) sit well above a ladder at all of
# these at once. A definition past any of them is refused with the node it concerns.
MAX_TEXT = 10000  # a descriptor, purpose, summary...: far below a cell's 32,767 characters
MAX_NAME = 200  # a name, title or version
MAX_LEVELS = 26
MAX_CATEGORIES = 1000  # in all groups together
MAX_GROUPS = 200
MAX_ROLES = 20
MAX_RATERS = 20  # rater tabs in one workbook: the ladder's default raters, or those given
MAX_WEIGHT = 100.0  # a category's or a role's weight
MAX_POINTS = 1000.0  # points per level; totals stay below 1e8, exact to 6 decimals
MAX_THRESHOLD = MAX_POINTS * MAX_WEIGHT * MAX_CATEGORIES
MAX_FILE_BYTES = 2 * 2**20  # a definition file; the bundled ones are about 20 KB
MAX_DEPTH = 32  # nesting of YAML mappings and lists; a definition needs 7
MAX_NODES = 200_000  # YAML values once aliases are expanded (an alias bomb expands to billions)
MIN_PEERS = 3  # peer anonymity's default threshold (results/anonymity.py)

LIMITS: tuple[tuple[str, str], ...] = (  # what docs/definition-format.md lists
    ("definition file", f"{MAX_FILE_BYTES // 2**20} MiB"),
    ("levels", f"{MAX_LEVELS}; their codes at most {DROPDOWN_LIMIT} characters together"),
    ("categories (all groups together)", f"{MAX_CATEGORIES:,}"),
    ("groups", f"{MAX_GROUPS}"),
    ("rater roles", f"{MAX_ROLES}"),
    ("raters (the roles' counts together, or those given when rendering)", f"{MAX_RATERS}"),
    ("a descriptor, purpose, summary, description, source or criterion",
     f"{MAX_TEXT:,} characters (a cell holds 32,767)"),
    ("a name, title or version", f"{MAX_NAME} characters (a role's name: 24, it names a tab)"),
    ("an id", "64 characters"),
    ("job titles of a level; promotion criteria", "20; 100"),
    ("a weight (category or role)", f"more than 0, at most {MAX_WEIGHT:g}"),
    ("points per level", f"at most {MAX_POINTS:g}"),
    ("a threshold", f"at most {MAX_THRESHOLD:g}"),
    ("nesting of YAML mappings and lists", f"{MAX_DEPTH} levels"),
    ("YAML values, aliases expanded", f"{MAX_NODES:,}"),
    ("characters", "no control characters but tab and line breaks; no U+FFFE, U+FFFF"),
)


def has_text(v: str) -> str:
    if v and not v.strip():
        raise ValueError("is only whitespace")
    return v


Text = Annotated[str, Field(max_length=MAX_TEXT), AfterValidator(has_text)]
Name = Annotated[str, Field(min_length=1, max_length=MAX_NAME), AfterValidator(has_text)]


def _positive(v: float) -> float:
    if not v > 0:
        raise ValueError(f"weight must be positive, got {v:g}")
    if v > MAX_WEIGHT:
        raise ValueError(f"weight must be at most {MAX_WEIGHT:g}, got {v:g}")
    return v


Weight = Annotated[float, Field(strict=True), AfterValidator(_positive)]


def _peer_threshold(v: int) -> int:
    if not 0 <= v <= MAX_RATERS:
        raise ValueError(f"must be a number of peers from 0 (anonymity off) to {MAX_RATERS}, "
                         f"got {v}")
    return v
Points = Annotated[float, Field(strict=True, le=MAX_POINTS)]
Threshold = Annotated[float, Field(strict=True, le=MAX_THRESHOLD)]
SLUG = r"^[a-z0-9][a-z0-9-]*$"
SLUG_MAX = 64  # the longest id a definition takes
POOL_ROLE = "others"  # the role id of the pooled non-self raters in results (results/anonymity.py)
LEVEL_CODE = r"^[A-Za-z][A-Za-z0-9]{0,9}$"
Slug = Annotated[str, Field(pattern=SLUG, max_length=SLUG_MAX)]


NONCHARACTERS = ("\ufffe", "\uffff")
# What XML 1.0 (and so .xlsx and Google Sheets) cannot hold: C0 controls but tab, LF and CR,
# and the two noncharacters. Writers would put them in raw (a corrupt file) or escaped as
# _x0007_, which a reader cannot tell from the same characters typed.
_UNHOLDABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# Two spellings of .xlsx's escape of a character (_x0041_ for 'A') that share an underscore:
# xlsxwriter escapes only the first of the two, so '_x0041_x0042_' written reads back as
# '_x0041B' in Excel and here (ECMA-376's ST_Xstring, decoded left to right).
_OVERLAPPING_ESCAPES = re.compile("_x[0-9A-Fa-f]{4}_x[0-9A-Fa-f]{4}_")


def xlsx_unwritable(text: str) -> str | None:
    """What in ``text`` the .xlsx writer (xlsxwriter) would not write as it is, though a
    spreadsheet can hold it, or None: two escape-like codes sharing an underscore (see
    :data:`_OVERLAPPING_ESCAPES`), or a text that starts with ``<r>`` and ends with ``</r>``,
    which xlsxwriter takes for its own rich-text markup and writes raw (an empty cell, or a
    file no program opens). Asked of what a definition or a person being rendered gives (a
    text already held, in a history or a Google Sheet, is never refused for it)."""
    if "_x" in text and (m := _OVERLAPPING_ESCAPES.search(text)) is not None:
        return (f"contains {m.group()!r}: two of the codes an .xlsx file spells characters "
                "with, sharing an underscore, which the .xlsx writer cannot write so that they "
                "read back as typed: put a space between them")
    if text.startswith("<r>") and text.endswith("</r>"):
        return ("starts with '<r>' and ends with '</r>', which the .xlsx writer takes for its "
                "own markup and would not write as text: leave out the '<r>' or the '</r>'")
    return None


AUTHORING = "authoring"  # the validation context of a definition file being loaded (load_text)
_INVISIBLE = re.compile("[\u00ad\u180e\u200b-\u200f\u2060-\u2064\ufeff]")


def category_key(name: str) -> str:
    """How two category names are told apart: Unicode-normalised, case, spacing and invisible characters
    (a zero-width space, a soft hyphen) ignored, so that 'Clos\u200bing' is 'Closing'."""
    import unicodedata

    text = _INVISIBLE.sub("", unicodedata.normalize("NFKC", name))
    return " ".join(text.split()).casefold()


def unholdable(text: str) -> str | None:
    """A description of the first character of ``text`` no spreadsheet can hold, or None."""
    m = _UNHOLDABLE.search(text)
    if m is None:
        return None
    ch = m.group()
    if ch in NONCHARACTERS:
        return "contains U+FFFE or U+FFFF, characters no spreadsheet can hold"
    return f"contains control character U+{ord(ch):04X}, which no spreadsheet can hold"


def _strings(value: Any, path: tuple[Any, ...]) -> Iterator[tuple[tuple[Any, ...], str]]:
    """Every string in ``value`` (a model's dump: dicts, lists), with the path to it."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(v, (*path, k))
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            yield from _strings(v, (*path, i))


def refuse_noncharacters(value: Any) -> Any:
    """Refuse control characters and U+FFFE/U+FFFF anywhere in ``value`` (strings, nested in
    lists and dicts): text holding them would corrupt a workbook or not read back as written."""
    if isinstance(value, str):
        why = unholdable(value)
        if why:
            raise ValueError(why)
    elif isinstance(value, dict):
        for k, v in value.items():
            refuse_noncharacters(k)
            refuse_noncharacters(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            refuse_noncharacters(v)
    return value


class _Model(BaseModel):
    """Frozen, so derived views can be computed once per object: a ``functools.cached_property``
    keeps its value in the instance's __dict__, which pydantic leaves out of equality and dumps.
    ``model_copy`` drops those values, since an update can change what they derive from.
    Frozen means not reassigned: the lists and dicts a model holds must not be changed in place
    either (nothing in sheetladder does); make a changed copy with ``model_copy(update=...)``."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    @field_validator("*")
    @classmethod
    def _no_noncharacters(cls, v: Any) -> Any:
        return refuse_noncharacters(v)

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        copied = super().model_copy(update=update, deep=deep)
        for cls in type(self).__mro__:
            for name, attr in vars(cls).items():
                if isinstance(attr, functools.cached_property):
                    copied.__dict__.pop(name, None)
        return copied


class Level(_Model):
    """One rung of the ladder, e.g. ``S3 Mid Sales Executive``."""

    code: Annotated[str, Field(pattern=LEVEL_CODE, description="Short code shown in dropdowns, e.g. S3.")]
    name: Annotated[Name, Field(description="The level's name, e.g. Mid Sales Executive.")]
    titles: Annotated[list[Name], Field(max_length=20)] = Field(
        default_factory=list, description="Job titles that sit at this level.")
    summary: Text | None = Field(default=None, description="What this level looks like overall.")


class Descriptor(_Model):
    """What a category looks like at one level."""

    text: Annotated[Text, Field(min_length=1)]
    drafted: bool = Field(
        default=False,
        description="True when this project wrote the text; false when it restates the source.",
    )


class Category(_Model):
    """A skill that is rated at one level per rater."""

    id: Annotated[Slug, Field(description="Stable id, a lowercase slug.")]
    name: Annotated[Name, Field(description="Shown in every tab.")]
    purpose: Text | None = Field(default=None, description="Why the category matters.")
    weight: Weight = Field(default=1, description="Points multiplier; 1 by default.")
    drafted: bool = Field(
        default=False, description="Shorthand: every descriptor of this category is drafted."
    )
    descriptors: dict[str, Text | Descriptor] = Field(
        description="One descriptor per level code: a string, or {text, drafted}."
    )

    def descriptor(self, code: str) -> Descriptor:
        """The descriptor for level ``code`` with the category-wide ``drafted`` flag applied."""
        return self._resolved[code]

    @functools.cached_property
    def _resolved(self) -> dict[str, Descriptor]:
        out: dict[str, Descriptor] = {}
        for code, d in self.descriptors.items():
            if isinstance(d, str):
                out[code] = Descriptor(text=d, drafted=self.drafted)
            elif self.drafted and not d.drafted:
                out[code] = Descriptor(text=d.text, drafted=True)
            else:
                out[code] = d
        return out


class Group(_Model):
    """A heading that gathers categories, e.g. Hard Skills."""

    id: Annotated[Slug, Field(description="Stable id, a lowercase slug.")]
    name: Annotated[Name, Field(description="The group's heading.")]
    categories: Annotated[list[Category], Field(min_length=1, max_length=MAX_CATEGORIES,
                                                description="In display order.")]


class Role(_Model):
    """A kind of rater. Raters of one role are averaged first, then roles are weighted."""

    id: Annotated[Slug, Field(description="self, manager, peer, or another slug (not "
                                          f"{POOL_ROLE!r}: the pooled raters' id).")]
    name: Annotated[str, Field(
        min_length=1, max_length=24,
        description="Tab name for an unnamed rater (no []:*?/\\ or quotes, at most 24 characters).",
    ), AfterValidator(has_text)]
    count: int = Field(default=1, ge=0, le=20, strict=True,
                       description="How many raters of this role by default.")
    weight: Weight = Field(default=1, description="Weight of this role's mean in the consensus.")

    @field_validator("name")
    @classmethod
    def _usable_as_tab(cls, v: str) -> str:
        bad = sorted(set(v) & set("[]:*?/\\'"))
        if bad:
            raise ValueError(f"{v!r} names a tab, which cannot hold {' '.join(bad)}")
        return v


def _default_roles() -> list[Role]:
    return [
        Role(id="self", name="Self"),
        Role(id="manager", name="Manager"),
        Role(id="peer", name="Peer", count=2),
    ]


class Gate(_Model):
    """A level only counts when a category's consensus is at least ``min_level``."""

    level: Annotated[str, Field(max_length=MAX_NAME, description="The level code this gate guards.")]
    category: Annotated[str, Field(max_length=MAX_NAME, description="Category id.")]
    min_level: Annotated[str, Field(max_length=MAX_NAME,
                                    description="Minimum level code the category must reach.")]


class Scoring(_Model):
    """How ratings become points and points become a level; every key is optional."""

    points: list[Points] | None = Field(
        default=None,
        description="Points per level (times the category weight). Default: the level number.",
    )
    thresholds: list[Threshold] | None = Field(
        default=None,
        description="Total needed for each level. Default: points of the level x sum of weights.",
    )
    gates: Annotated[list[Gate], Field(max_length=MAX_CATEGORIES * MAX_LEVELS)] = Field(
        default_factory=list)


class Ladder(_Model):
    """A whole career ladder: levels x categories, with scoring and raters."""

    format: int = Field(default=FORMAT_VERSION, strict=True, description="Definition format version.")
    id: Annotated[Slug, Field(description="Stable id, a lowercase slug.")]
    name: Annotated[Name, Field(description="The ladder's title.")]
    version: Annotated[Name, Field(description="Your version of this ladder.")]
    description: Text | None = Field(default=None, description="What the ladder is for.")
    source: Text | None = Field(default=None, description="Where the content comes from.")
    levels: Annotated[
        list[Level], Field(min_length=1, max_length=MAX_LEVELS, description="Lowest first.")
    ]
    groups: Annotated[list[Group], Field(min_length=1, max_length=MAX_GROUPS,
                                          description="Groups of categories.")]
    scoring: Scoring = Field(default_factory=Scoring, description="Default: the linear rule.")
    raters: list[Role] = Field(
        default_factory=_default_roles,
        min_length=1,
        max_length=MAX_ROLES,
        description="Rater roles. Default: self, manager, two peers, equal weights.",
    )
    promotion_criteria: Annotated[list[Text], Field(max_length=100)] = Field(
        default_factory=list, description="Qualities people promoted typically show."
    )
    periods: PeriodScheme | None = Field(default=None, description=(
        "The organisation's own period labels (e.g. fiscal halves FY27-H1), declared once. "
        "Default: calendar periods, 2026-Q4, 2026-H1, 2026-03, 2026."))
    min_peers: Annotated[int, AfterValidator(_peer_threshold)] = Field(
        default=MIN_PEERS, strict=True, description=(
        "Peer anonymity: when fewer peers (role id peer) than this rated a person, exports and "
        "read's text show the peers only pooled with the other non-self raters (one Others "
        "figure, comments unattributed), never by name or one by one. 0 turns it off."))

    @field_validator("format")
    @classmethod
    def _known_format(cls, v: int) -> int:
        if v != FORMAT_VERSION:
            raise ValueError(f"unsupported format {v}; this sheetladder reads format {FORMAT_VERSION}")
        return v

    # -- derived views (computed once per ladder; see _Model) ----------------------------------
    # build_plan and the scoring rule ask for them thousands of times per workbook.
    @functools.cached_property
    def codes(self) -> tuple[str, ...]:
        return tuple(lv.code for lv in self.levels)

    @functools.cached_property
    def categories(self) -> tuple[Category, ...]:
        return tuple(c for g in self.groups for c in g.categories)

    @functools.cached_property
    def total_weight(self) -> float:
        return sum(c.weight for c in self.categories)

    @functools.cached_property
    def _points(self) -> tuple[float, ...]:
        if self.scoring.points is not None:
            return tuple(self.scoring.points)
        return tuple(float(i + 1) for i in range(len(self.levels)))

    @functools.cached_property
    def _thresholds(self) -> tuple[float, ...]:
        if self.scoring.thresholds is not None:
            values = list(self.scoring.thresholds)
        else:
            w = self.total_weight
            values = [p * w for p in self._points]
        return tuple(round(v, 6) for v in values)

    @functools.cached_property
    def _by_id(self) -> dict[str, Category]:
        return {c.id: c for c in self.categories}

    @functools.cached_property
    def _points_by_category(self) -> dict[str, tuple[float, ...]]:
        return {c.id: tuple(p * c.weight for p in self._points) for c in self.categories}

    def category_points(self, cid: str) -> tuple[float, ...]:
        """The points of a rating of category ``cid`` at each level, in level order: the
        level's points times the category's weight (the scoring rule's one product, computed
        once per ladder: scoring and storing ask for it for every rating)."""
        return self._points_by_category[cid]

    def level_points(self) -> tuple[float, ...]:
        """Points per unit of weight for each level, in level order."""
        return self._points

    def level_thresholds(self) -> tuple[float, ...]:
        """Total points needed to reach each level, in level order.

        Rounded to 6 decimals like the totals they are compared with, so weights such as 0.1
        cannot leave a threshold a hair above the total it should accept (0.30000000000000004).
        """
        return self._thresholds

    def level_index(self, code: str) -> int:
        """1-based position of a level code."""
        return self.codes.index(code) + 1

    def category(self, cid: str) -> Category:
        return self._by_id[cid]

    def canonical_json(self) -> str:
        """A stable serialisation, used for embedding in workbooks and for the hash."""
        return self._canonical

    def content_hash(self) -> str:
        return self._hash

    @functools.cached_property
    def _canonical(self) -> str:
        data = self.model_dump(mode="json", exclude_defaults=False)
        if data.get("periods") is None:  # ladders without a scheme keep the hash they had
            data.pop("periods", None)
        if data.get("min_peers") == MIN_PEERS:  # so do ladders at the default anonymity
            data.pop("min_peers", None)
        return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))

    @functools.cached_property
    def _hash(self) -> str:
        return hashlib.sha256(self._canonical.encode("utf-8")).hexdigest()

    # -- cross-checks ----------------------------------------------------------------------------
    @model_validator(mode="after")
    def _cross_check(self, info: ValidationInfo) -> Ladder:
        problems: list[tuple[tuple[Any, ...], str]] = []
        # checks only a definition being written is held to (load_text's context): a ladder
        # already embedded in a workbook or a history must keep loading, so that what was
        # filled in on it can still be read
        authoring = bool(info.context and info.context.get(AUTHORING))
        codes = self.codes
        seen: dict[str, int] = {}
        for i, code in enumerate(codes):
            if code.upper() in seen:
                problems.append((("levels", i, "code"), f"duplicate level code {code!r}"))
            seen[code.upper()] = i
        if len(",".join(codes)) > DROPDOWN_LIMIT:
            problems.append((("levels",), f"level codes add up to more than {DROPDOWN_LIMIT} "
                             "characters, too long for a spreadsheet dropdown; use shorter codes"))
        gids: set[str] = set()
        cids: set[str] = set()
        names: dict[str, str] = {}  # a category name as compared -> the category id holding it
        for gi, g in enumerate(self.groups):
            if g.id in gids:
                problems.append((("groups", gi, "id"), f"duplicate group id {g.id!r}"))
            gids.add(g.id)
            for ci, c in enumerate(g.categories):
                where = ("groups", gi, "categories", ci)
                if c.id in cids:
                    problems.append(((*where, "id"), f"duplicate category id {c.id!r}"))
                cids.add(c.id)
                key = category_key(c.name)
                if authoring and key in names and names[key] != c.id:
                    # the matrix, the rater tabs and every export show a category by its name
                    problems.append(((*where, "name"), f"category name {c.name!r} is also the "
                                     f"name of category {names[key]!r} (case, spacing and "
                                     "invisible characters aside): give each its own"))
                names.setdefault(key, c.id)
                for code in c.descriptors:
                    if code not in codes:
                        problems.append(
                            (
                                (*where, "descriptors", code),
                                f"descriptor for unknown level {code!r} (levels: {', '.join(codes)})",
                            )
                        )
                missing = [code for code in codes if code not in c.descriptors]
                if missing:
                    problems.append(
                        ((*where, "descriptors"), f"no descriptor for level(s) {', '.join(missing)}")
                    )
        if authoring:  # (a ladder embedded in a workbook or held keeps loading)
            for path, text in _strings(self.model_dump(), ()):
                why = xlsx_unwritable(text)
                if why:
                    problems.append((path, f"{'.'.join(map(str, path))}: {why}"))
        lookalike = self.periods.calendar_lookalike() if authoring and self.periods else None
        if lookalike is not None:
            # the history, status, export and file names read such a label as the calendar's
            label, calendar = lookalike
            problems.append((("periods", "pattern"), (
                f"the label {label!r} of this scheme reads as the calendar period "
                f"{calendar.label}: status, export and the history could not tell the two "
                "apart (an export of it would hold both); give the labels a mark of its own, "
                "e.g. FY{year:4}-Q{quarter:1:1-4}")))
        n = len(codes)
        for key, values in (("points", self.scoring.points), ("thresholds", self.scoring.thresholds)):
            if values is None:
                continue
            if len(values) != n:
                problems.append(
                    (("scoring", key), f"{key} has {len(values)} entries but the ladder has {n} levels")
                )
            for i in range(1, len(values)):
                if not values[i] > values[i - 1]:
                    problems.append(
                        (("scoring", key, i), f"{key} must increase: {values[i]:g} after {values[i - 1]:g}")
                    )
            if values and values[0] <= 0:
                problems.append((("scoring", key, 0), f"{key} must be positive"))
        for i, gate in enumerate(self.scoring.gates):
            if gate.level not in codes:
                problems.append((("scoring", "gates", i, "level"), f"gate on unknown level {gate.level!r}"))
            if gate.category not in cids:
                problems.append(
                    (("scoring", "gates", i, "category"), f"gate on unknown category {gate.category!r}")
                )
            if gate.min_level not in codes:
                problems.append(
                    (("scoring", "gates", i, "min_level"), f"gate needs unknown level {gate.min_level!r}")
                )
        rids: set[str] = set()
        for i, r in enumerate(self.raters):
            if r.id in rids:
                problems.append((("raters", i, "id"), f"duplicate rater role {r.id!r}"))
            if r.id == POOL_ROLE:
                problems.append((("raters", i, "id"), (
                    f"{POOL_ROLE!r} is the id results give the manager and peers pooled (when "
                    "fewer peers than min_peers rated someone); give this role another id")))
            rids.add(r.id)
        if "min_peers" in self.model_fields_set and self.min_peers > 0 and "peer" not in rids:
            problems.append((("min_peers",), (
                f"min_peers counts raters of role 'peer', and this ladder has none (roles: "
                f"{', '.join(sorted(rids))}): give the peers' role the id peer, or set "
                "min_peers: 0")))
        if sum(r.count for r in self.raters) > MAX_RATERS:
            problems.append((("raters",), f"more than {MAX_RATERS} raters in all (the counts of "
                             "the roles add up to more); a workbook holds one tab per rater"))
        if len(self.categories) > MAX_CATEGORIES:
            problems.append((("groups",), f"{len(self.categories)} categories; a ladder may have "
                             f"at most {MAX_CATEGORIES}"))
        if problems:
            raise CrossCheckError(problems)
        return self


class CrossCheckError(ValueError):
    """Several cross-field problems, each with the path of the node it concerns."""

    def __init__(self, problems: list[tuple[tuple[Any, ...], str]]):
        super().__init__("; ".join(m for _, m in problems))
        self.problems = problems


# ---------------------------------------------------------------------------------------------
# Loading


@dataclass(frozen=True)
class Problem:
    """One problem in a definition file, located as precisely as the YAML allows."""

    file: str
    line: int
    col: int
    message: str
    loc: tuple[Any, ...] = ()  # the field, as a path into the definition's data, when known

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}: {self.message}"


class DefinitionError(SheetladderError):
    """A definition could not be loaded; ``problems`` says where and why (FILE:LINE:COL each)."""

    def lines(self) -> list[str]:
        return [str(p) for p in self.problems]

    def __init__(self, problems: list[Problem]):
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


def _locate(root: Any, path: tuple[Any, ...]) -> tuple[int, int]:
    """Line and column (1-based) of the deepest node of ``path`` found in a ruamel tree."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    node = root
    line, col = 0, 0
    if hasattr(node, "lc"):
        line, col = node.lc.line, node.lc.col
    for key in path:
        if isinstance(node, CommentedMap) and key in node:
            try:
                line, col = node.lc.key(key)
            except (KeyError, TypeError):
                pass
            node = node[key]
        elif isinstance(node, CommentedSeq) and isinstance(key, int) and 0 <= key < len(node):
            try:
                line, col = node.lc.item(key)
            except (KeyError, TypeError, IndexError):
                pass
            node = node[key]
        else:
            break
    return line + 1, col + 1


def _message(err: Any) -> str:
    loc = ".".join(str(p) for p in err["loc"])
    kind = err["type"]
    if kind == "extra_forbidden":
        where = ".".join(map(str, err["loc"][:-1]))
        return f"unknown key {err['loc'][-1]!r}" + (f" in {where}" if where else "")
    if kind == "missing":
        return f"missing required key {loc!r}"
    if kind in ("float_type", "int_type") and isinstance(err.get("input"), bool):
        return f"{loc}: {str(err['input']).lower()} is not a number"
    msg = str(err["msg"])
    msg = msg.removeprefix("Value error, ")
    return f"{loc}: {msg}" if loc else msg


def _clean_loc(loc: tuple[Any, ...]) -> tuple[Any, ...]:
    """Drop pydantic's union-branch markers (``str``, ``Descriptor``) from an error location."""
    markers = ("str", "constrained-str", "Descriptor", "list[float]", "float", "int")
    return tuple(p for p in loc if p not in markers
                 and not (isinstance(p, str) and p.startswith("function-after[")))


def problems_from_validation(path: str, root: Any, exc: ValidationError) -> list[Problem]:
    out: list[Problem] = []
    seen: set[tuple[Any, ...]] = set()
    for err in exc.errors():
        ctx = err.get("ctx") or {}
        error = ctx.get("error")
        if isinstance(error, CrossCheckError):
            for sub_path, message in error.problems:
                line, col = _locate(root, sub_path)
                out.append(Problem(path, line, col, message, tuple(sub_path)))
            continue
        loc = _clean_loc(tuple(err["loc"]))
        if loc in seen:
            continue  # a union field reports once per branch; one message is enough
        seen.add(loc)
        err = {**err, "loc": loc}
        line, col = _locate(root, loc)
        out.append(Problem(path, line, col, _message(err), loc))
    return out


def _plain(node: Any) -> Any:
    """ruamel's round-trip containers to plain dicts and lists (pydantic wants plain data)."""
    if isinstance(node, dict):
        return {str(k) if not isinstance(k, str) else k: _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    return node


# YAML's printable characters (YAML 1.2, 5.1); ruamel refuses the others with an unlocated error
_NOT_YAML = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _position(text: str, pos: int) -> tuple[int, int]:
    """1-based line and column of offset ``pos`` in ``text``."""
    return text.count("\n", 0, pos) + 1, pos - text.rfind("\n", 0, pos)


def _check_text(text: str, path: str) -> None:
    """Refuse oversized text and characters YAML cannot hold, before parsing anything."""
    if len(text) > MAX_FILE_BYTES:
        raise DefinitionError([Problem(path, 1, 1, f"larger than a definition may be "
                                                   f"({MAX_FILE_BYTES // 2**20} MiB)")])
    bad = _NOT_YAML.search(text)
    if bad:
        line, col = _position(text, bad.start())
        ch = ord(bad.group())
        kind = "control character" if ch < 0x20 or 0x7F <= ch <= 0x9F else "character"
        raise DefinitionError([Problem(path, line, col,
                                       f"{kind} U+{ch:04X} is not allowed in a definition")])


def _budget(path: str) -> Callable[[Any], None]:
    """What watches the parser's events as the composer takes them, one by one: it refuses
    nesting deeper than MAX_DEPTH (the composer recurses, one level at a time, so it is stopped
    at the level too deep) and aliases that expand past MAX_NODES values (an alias bomb; the
    composer shares an alias's node, nothing is expanded before the document is whole). It
    needs no recursion and no memory beyond the anchors' sizes, and the text is parsed once."""
    from ruamel.yaml.events import (
        AliasEvent,
        CollectionEndEvent,
        CollectionStartEvent,
        NodeEvent,
    )

    def fail(event: Any, message: str) -> DefinitionError:
        mark = event.start_mark
        return DefinitionError([Problem(path, mark.line + 1, mark.column + 1, message)])

    sizes: dict[str, int] = {}  # anchor -> values it expands to
    stack: list[tuple[str | None, int]] = []  # open collections: (anchor, values so far)
    total = 0

    def see(event: Any) -> None:
        nonlocal total
        if not isinstance(event, (NodeEvent, CollectionEndEvent)):
            return
        if isinstance(event, CollectionEndEvent):
            anchor, size = stack.pop()
            if anchor is not None:
                sizes[anchor] = size
            if stack:
                stack[-1] = (stack[-1][0], stack[-1][1] + size)
            return
        if isinstance(event, AliasEvent):
            size = sizes.get(event.anchor, 1)
        elif isinstance(event, CollectionStartEvent):
            if len(stack) >= MAX_DEPTH:
                raise fail(event, f"nested more than {MAX_DEPTH} levels deep")
            stack.append((event.anchor, 1))
            total += 1
            return
        else:
            size = 1
            if event.anchor is not None:
                sizes[event.anchor] = 1
        total += size
        if total > MAX_NODES:
            raise fail(event, f"more than {MAX_NODES:,} values once aliases are expanded"
                              + (" (an alias bomb?)" if isinstance(event, AliasEvent) else ""))
        if stack:
            stack[-1] = (stack[-1][0], stack[-1][1] + size)

    return see


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _syntax_error(e: Any, path: str) -> DefinitionError:
    mark = e.problem_mark or e.context_mark
    line = mark.line + 1 if mark else 1
    col = mark.column + 1 if mark else 1
    what = _one_line(str(e.problem or e))
    if "mapping values are not allowed" in what:  # 'L1: Does: things'
        what += ("; a text holding ': ' (a colon and a space) must be in quotes, as in "
                 "L1: \"Does: things\"")
    return DefinitionError([Problem(path, line, col, f"YAML syntax error: {what}")])


def parse_yaml(text: str, path: str) -> Any:
    """Parse YAML keeping line numbers; syntax errors become a located DefinitionError, and
    what would exhaust the loader (:func:`_check_text`, :func:`_budget`) is refused before
    anything is built from it."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    _check_text(text, path)
    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = False
    see = _budget(path)

    class Parser(yaml.Parser):  # type: ignore[name-defined]
        def get_event(self) -> Any:  # each event, as the composer takes it
            event = super().get_event()
            see(event)
            return event

    yaml.Parser = Parser
    try:
        return yaml.load(text)
    except MarkedYAMLError as e:
        raise _syntax_error(e, path) from None
    except YAMLError as e:
        raise DefinitionError([Problem(path, 1, 1, f"YAML error: {_one_line(str(e))}")]) from None


def load_text(text: str, path: str = "<string>", authoring: bool = True) -> Ladder:
    """A definition from its YAML text. ``authoring`` holds it to the checks a definition
    being written is held to (distinct category names); a ladder trusted for reading workbooks
    already made on it is not (see ``Ladder._cross_check``)."""
    root = parse_yaml(text, path)
    if not isinstance(root, dict):
        raise DefinitionError([Problem(path, 1, 1, "a definition must be a YAML mapping (key: value)")])
    try:
        return Ladder.model_validate(_plain(root), context={AUTHORING: authoring})
    except ValidationError as exc:
        raise DefinitionError(problems_from_validation(path, root, exc)) from None


def load(path: str | Path, authoring: bool = True) -> Ladder:
    """Load and validate one definition file (at most MAX_FILE_BYTES are ever read);
    ``authoring``: see :func:`load_text`."""
    p = Path(path)
    try:
        if p.is_dir():
            raise DefinitionError([Problem(str(path), 1, 1, "is a directory, not a definition")])
        with p.open("rb") as f:
            raw = f.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise DefinitionError([Problem(str(path), 1, 1, "no such file")]) from None
    except OSError as e:
        raise DefinitionError([Problem(str(path), 1, 1, e.strerror or str(e))]) from None
    if len(raw) > MAX_FILE_BYTES:
        raise DefinitionError([Problem(str(path), 1, 1, f"larger than a definition may be "
                                                        f"({MAX_FILE_BYTES // 2**20} MiB)")])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line, col = _position(raw.decode("utf-8", "replace"), len(raw[: e.start].decode("utf-8")))
        if raw.startswith(b"PK\x03\x04") or raw.startswith(b"\xd0\xcf\x11\xe0"):
            raise DefinitionError([Problem(str(path), 1, 1, "a spreadsheet, not a definition (a "
                                           "YAML file): `sheetladder import` turns a "
                                           "spreadsheet's matrix into one")]) from None
        raise DefinitionError([Problem(str(path), line, col, f"not UTF-8 text ({e.reason})")]) from None
    return load_text(text.removeprefix("\ufeff"), str(path), authoring)


def from_json(text: str) -> Ladder:
    """A ladder from its canonical JSON (as embedded in a workbook)."""
    return Ladder.model_validate_json(text)


def validate_files(paths: list[str]) -> Iterator[Problem]:
    for path in paths:
        try:
            load(path)
        except DefinitionError as e:
            yield from e.problems


# ---------------------------------------------------------------------------------------------
# Placeholders: a definition that loads but is not finished

PLACEHOLDER = re.compile(r"^\s*(TODO|TBD|FIXME|XXX)\b", re.I)
PLACEHOLDERS_SHOWN = 5


def is_placeholder(text: str) -> bool:
    """Empty text, or text starting with TODO/TBD/FIXME/XXX (what ``new`` and ``import``
    leave to fill)."""
    return not text.strip() or bool(PLACEHOLDER.match(text))


def placeholders(ladder: Ladder, path: str = "<ladder>", root: Any = None) -> list[Problem]:
    """Every placeholder descriptor of ``ladder``, located in ``root`` (its YAML tree) when
    given, else at line 1."""
    out: list[Problem] = []
    for gi, g in enumerate(ladder.groups):
        for ci, c in enumerate(g.categories):
            for code, d in c.descriptors.items():
                text = d if isinstance(d, str) else d.text
                if is_placeholder(text):
                    line, col = (_locate(root, ("groups", gi, "categories", ci, "descriptors", code))
                                 if root is not None else (1, 1))
                    what = "empty" if not text.strip() else repr(text.strip()[:40])
                    out.append(Problem(path, line, col,
                                       f"placeholder descriptor {c.id}.{code}: {what}"))
    return out


@dataclass(frozen=True)
class Checked:
    """A loaded definition and its warnings (placeholders: it is valid but not finished)."""

    ladder: Ladder
    warnings: list[Problem]

    def summary(self) -> str | None:
        """One line for a command's output: the count and the first locations, or None."""
        return placeholder_summary(self.warnings)


def placeholder_summary(warnings: list[Problem]) -> str | None:
    """``warning: N placeholder descriptor(s) ..., first at FILE:LINE, ...``, or None."""
    if not warnings:
        return None
    first = ", ".join(f"{p.file}:{p.line}" for p in warnings[:PLACEHOLDERS_SHOWN])
    more = " ..." if len(warnings) > PLACEHOLDERS_SHOWN else ""
    return (f"warning: {len(warnings)} placeholder descriptor(s) (TODO or empty) still to "
            f"write, first at {first}{more}")


def load_checked(path: str | Path) -> Checked:
    """Load and validate one definition (raises DefinitionError) and find its placeholders."""
    ladder = load(path)
    text = Path(path).read_text(encoding="utf-8")
    return Checked(ladder, placeholders(ladder, str(path), parse_yaml(text, str(path))))


def check_files(paths: list[str]) -> tuple[list[Problem], list[Problem]]:
    """(errors, warnings) of definition files; a file with errors gets no warnings."""
    errors: list[Problem] = []
    warnings: list[Problem] = []
    for path in paths:
        try:
            warnings.extend(load_checked(path).warnings)
        except DefinitionError as e:
            errors.extend(e.problems)
    return errors, warnings


# ---------------------------------------------------------------------------------------------
# Schema and scaffolding


def json_schema() -> dict[str, Any]:
    schema = Ladder.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "sheetladder ladder definition"
    return schema


def schema_text() -> str:
    return json.dumps(json_schema(), indent=2, sort_keys=True) + "\n"


def slugify(text: str, room: int = 0) -> str:
    """An id made from a name: lowercase words joined by hyphens, at most :data:`SLUG_MAX`
    characters less ``room`` (kept for a suffix such as ``-2``), cut between words when a word
    boundary is near enough."""
    s = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    most = SLUG_MAX - room
    if len(s) > most:
        cut = s[:most]
        if s[most] != "-" and "-" in cut[most // 2:]:
            cut = cut[:cut.rindex("-")]
        s = cut.strip("-")
    return s or "item"


def scaffold(
    ladder_id: str,
    name: str,
    levels: list[tuple[str, str]],
    groups: list[tuple[str, list[str]]],
) -> str:
    """YAML text of a new definition with empty descriptors marked TODO."""
    from io import StringIO

    from ruamel.yaml import YAML

    data: dict[str, Any] = {
        "id": ladder_id,
        "name": name,
        "version": "0.1.0",
        "description": "TODO: what this ladder is for.",
        "levels": [{"code": c, "name": n} for c, n in levels],
        "groups": [
            {
                "id": slugify(g),
                "name": g,
                "categories": [
                    {
                        "id": slugify(c),
                        "name": c,
                        "descriptors": {code: f"TODO: {c} at {code}." for code, _ in levels},
                    }
                    for c in cats
                ],
            }
            for g, cats in groups
        ],
        "raters": [r.model_dump(exclude_defaults=True) for r in _default_roles()],
    }
    yaml = YAML()
    yaml.default_flow_style = False
    yaml.width = 100
    buf = StringIO()
    buf.write("# yaml-language-server: $schema=schema.json\n")
    yaml.dump(data, buf)
    return buf.getvalue()
