"""Generate the hostile and broken inputs of every command but ``read`` (whose workbooks are
in make_bad_files.py): definitions, names, rosters, output paths, databases.

Nothing is committed but this generator: the tests call :func:`make_cases` into a temporary
folder and run every case through the CLI in a subprocess with a memory and time limit
(tests/test_hostile_inputs.py). Run it by hand to look at the inputs:
``python tests/make_bad_inputs.py OUT_DIR``.

Each case says which command line to run, the exit code it must give and a fragment of its
one-line message, which must also name ``names`` (the file, database or option at fault).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SMALL = """\
id: small
name: Small ladder
version: "1"
levels:
  - {code: L1, name: One}
  - {code: L2, name: Two}
  - {code: L3, name: Three}
groups:
  - id: g
    name: Group G
    categories:
      - {id: a, name: Alpha, descriptors: {L1: a one, L2: a two, L3: a three}}
      - {id: b, name: Beta, weight: 2, descriptors: {L1: b one, L2: b two, L3: b three}}
"""


@dataclass
class Case:
    """One command line, what it must answer, and the files it may create."""

    name: str
    args: list[str]  # after ``sheetladder``; run in the case's folder
    code: int
    fragment: str  # in the one line naming ``names``
    names: str  # the file (or option) the message must name
    files: dict[str, bytes] = field(default_factory=dict)  # inputs, relative to the folder
    setup: Callable[[Path], None] | None = None  # links, databases... made after the files
    fsize: int | None = None  # RLIMIT_FSIZE in bytes: a disk that fills up
    env: dict[str, str] = field(default_factory=dict)
    may_create: tuple[str, ...] = ()  # paths (relative) the case may write

    def __post_init__(self) -> None:
        # render without --period uses the current quarter and says so in a line of its own:
        # give the period, so that the one line printed is the answer to the hostile input
        if self.args and self.args[0] == "render" and "--period" not in self.args:
            self.args = [*self.args, "--period", "2026-Q4"]
    may_change: tuple[str, ...] = ()  # inputs it may change (a database that takes files)
    hidden: str | None = None  # text that must appear nowhere in the output (a password)
    check: Callable[[Path], None] | None = None  # after the run: e.g. the database is consistent


# -- definitions --------------------------------------------------------------------------------


def alias_bomb(levels: int = 9, fan: int = 9) -> str:
    """The billion laughs in YAML: each anchor a list of ``fan`` aliases of the one before."""
    lines = ["lol0: &a0 [" + ", ".join(['"lol"'] * fan) + "]"]
    for i in range(1, levels + 1):
        lines.append(f"lol{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * fan) + "]")
    return SMALL + "\n".join(lines) + "\n"


def merge_key_bomb(levels: int = 30) -> str:
    """Merge keys doubling at each level: 2**30 keys once expanded."""
    lines = ["x0: &m0 {k0: v}"]
    for i in range(1, levels + 1):
        lines.append(f"x{i}: &m{i} [*m{i - 1}, *m{i - 1}]")
    return SMALL + "\n".join(lines) + "\n"


def deep_flow(depth: int) -> str:
    return SMALL.replace("version: \"1\"", "version: " + "[" * depth + "]" * depth)


def deep_block(depth: int) -> str:
    body = "".join("  " * i + f"k{i}:\n" for i in range(depth)) + "  " * depth + "v\n"
    return SMALL + "extra:\n" + "".join("  " + line + "\n" for line in body.splitlines())


def with_category_field(text: str) -> str:
    return SMALL.replace("{id: a, name: Alpha,", "{id: a, name: Alpha, " + text + ",")


def many_categories(n: int) -> str:
    cats = "".join(f"      - {{id: c{i}, name: C{i}, descriptors: {{L1: x, L2: y, L3: z}}}}\n"
                   for i in range(n))
    head = SMALL[: SMALL.index("      - {id: a")]
    return head + cats


def definition_cases() -> list[Case]:
    """Definitions every command that loads one must refuse in one located line."""
    d: list[tuple[str, str | bytes, str]] = [
        # (file name, content, fragment)
        ("alias-bomb.yaml", alias_bomb(), "aliases are expanded"),
        ("alias-bomb-merge.yaml", merge_key_bomb(), "aliases are expanded"),
        ("deep-flow-250.yaml", deep_flow(250), "nested more than"),
        ("deep-flow-5000.yaml", deep_flow(5000), "nested more than"),
        ("deep-block-300.yaml", deep_block(300), "nested more than"),
        ("control-raw-bel.yaml", SMALL.replace("name: One", "name: O\x07ne"),
         "control character U+0007"),
        ("control-raw-esc-in-comment.yaml", SMALL.replace("levels:", "# \x1b[31m\nlevels:"),
         "control character U+001B"),
        ("control-raw-c1.yaml", SMALL.replace("a two", "a t\x9bwo"), "control character U+009B"),
        ("control-escaped-soh.yaml", SMALL.replace("{code: L1, name: One}",
                                                    '{code: L1, name: "O\\x01ne"}'),
         "levels.0.name: contains control character U+0001"),
        ("control-escaped-nul.yaml", SMALL.replace("a two", '"a\\0two"'),
         "contains control character U+0000"),
        ("control-escaped-vt.yaml", SMALL.replace("name: Small ladder", 'name: "Small\\vladder"'),
         "name: contains control character U+000B"),
        ("nonchar-escaped.yaml", SMALL.replace("a two", '"a\\uFFFEtwo"'), "U+FFFE"),
        ("weight-1e308.yaml", with_category_field("weight: 1e308"), "weight must be at most"),
        ("weight-inf.yaml", with_category_field("weight: .inf"), "weight"),
        ("weight-true.yaml", with_category_field("weight: true"), "true is not a number"),
        ("weight-string.yaml", with_category_field("weight: '2'"), "weight"),
        ("points-huge.yaml", SMALL.replace("levels:", "scoring: {points: [1, 2, 1e300]}\nlevels:"),
         "scoring.points.2"),
        ("thresholds-huge.yaml",
         SMALL.replace("levels:", "scoring: {thresholds: [1, 2, 1e300]}\nlevels:"),
         "scoring.thresholds.2"),
        ("count-true.yaml", SMALL + "raters:\n  - {id: self, name: Self, count: true}\n",
         "true is not a number"),
        ("too-many-raters.yaml", SMALL + "raters:\n  - {id: self, name: Self}\n"
                                         "  - {id: peer, name: Peer, count: 20}\n",
         "more than 20 raters"),
        ("whitespace-name.yaml", SMALL.replace("name: Alpha", 'name: "   "'), "only whitespace"),
        ("whitespace-descriptor.yaml", SMALL.replace("a two", '" \\t "'), "only whitespace"),
        ("text-over-a-cell.yaml", SMALL.replace("a two", "x" * 32768), "at most 10000"),
        ("name-too-long.yaml", SMALL.replace("name: Alpha", "name: " + "A" * 201), "at most 200"),
        ("too-many-categories.yaml", many_categories(1001), "at most 1000"),
        ("too-large.yaml", SMALL + "# " + "x" * (2 * 2**20) + "\n", "larger than a definition"),
        # kept from before: these were already refused in one line
        ("not-utf8.yaml", SMALL.encode("utf-8").replace(b"Alpha", b"Alph\xe9"), "not UTF-8"),
        ("not-a-mapping.yaml", "- just\n- a list\n", "must be a YAML mapping"),
        ("syntax-error.yaml", SMALL.replace("{code: L2, name: Two}", "{code: L2, name: Two"),
         "YAML syntax error"),
        ("duplicate-key.yaml", SMALL.replace("name: Small ladder", "name: A\nname: B"),
         "YAML syntax error"),
        ("unknown-key.yaml", SMALL.replace("weight: 2", "wieght: 2"), "unknown key 'wieght'"),
        ("empty.yaml", "", "must be a YAML mapping"),
    ]
    cases: list[Case] = []
    for file, content, fragment in d:
        blob = content if isinstance(content, bytes) else content.encode("utf-8")
        cases.append(Case(f"validate {file}", ["validate", file], 1, fragment, file, {file: blob}))
        # every command that loads a definition refuses it the same way
        cases.append(Case(f"render {file}", ["render", file, "--person", "Ann Lee", "-o", "out"],
                          1, fragment, file, {file: blob}))
    cases.append(Case("validate a missing file", ["validate", "missing.yaml"], 1, "no such file",
                      "missing.yaml"))
    cases.append(Case("validate a folder", ["validate", "folder.yaml"], 1, "directory",
                      "folder.yaml", setup=lambda d: (d / "folder.yaml").mkdir()))
    return cases


# -- names and rosters --------------------------------------------------------------------------

C0 = [c for c in range(0x20) if c not in (0x09, 0x0A, 0x0D)]


def name_cases() -> list[Case]:
    """Control characters in every name a workbook holds: refused, naming the field."""
    small = {"small.yaml": SMALL.encode()}
    cases: list[Case] = []
    for c in C0:
        if c == 0:
            continue  # an argument cannot hold NUL; the roster cases below carry it
        ch = chr(c)
        cases.append(Case(f"render --person U+{c:04X}",
                          ["render", "small.yaml", "--person", f"Ann{ch}Lee", "-o", "out"], 1,
                          f"person: contains control character U+{c:04X}", "person", dict(small)))
    cases.append(Case("render --rater name U+0007",
                      ["render", "small.yaml", "--person", "Ann Lee", "--rater", "self",
                       "--rater", "manager:Bo\x07Chen", "-o", "out"], 1,
                      "name: contains control character U+0007", "rater", dict(small)))
    cases.append(Case("render with 21 raters",
                      ["render", "small.yaml", "--person", "Ann Lee", "-o", "out",
                       *[a for i in range(21) for a in ("--rater", f"peer:Peer {i}")]], 1,
                      "at most 20", "21 raters", dict(small)))
    cases.append(Case("render --period U+001B",
                      ["render", "small.yaml", "--person", "Ann Lee", "--period", "2026\x1b[2J",
                       "-o", "out"], 1, "is not a period", "period",
                      dict(small)))
    for c in (0x00, 0x07, 0x01, 0x1B):
        roster = f"person,email,manager,peers\nAnn Lee,,Bo Chen,Cy{chr(c)} Park\n".encode()
        cases.append(Case(f"render --roster peer U+{c:04X}",
                          ["render", "small.yaml", "--roster", "team.csv", "-o", "out"], 1,
                          f"name: contains control character U+{c:04X}",
                          "team.csv", {**small, "team.csv": roster}))
        roster = f"person,email,manager\nAnn{chr(c)}Lee,,Bo Chen\n".encode()
        cases.append(Case(f"render --roster person U+{c:04X}",
                          ["render", "small.yaml", "--roster", "team.csv", "-o", "out"], 1,
                          f"team.csv:2: person: contains control character U+{c:04X}",
                          "team.csv", {**small, "team.csv": roster}))
    cases.append(Case("new --name U+0007", ["new", "new.yaml", "--id", "n", "--name", "N\x07",
                                            "--levels", "A=One", "--group", "G: C"], 1,
                      "control character U+0007", "new.yaml"))
    return cases


# -- output paths -------------------------------------------------------------------------------


def _plant_links(d: Path) -> None:
    """Symlinks where the output (or an old-style temp file) goes, pointing outside."""
    outside = d / "outside"
    outside.mkdir()
    (outside / "victim.txt").write_bytes(b"precious\n")
    (d / "out").mkdir()
    (d / "out" / "ann-lee-2026-q4.xlsx").symlink_to(outside / "victim.txt")
    (d / "schema.json").symlink_to(outside / "victim.txt")
    (d / "dangling.json").symlink_to(outside / "nothing-here.json")
    (d / "new.yaml").symlink_to(outside / "victim.txt")


def output_cases() -> list[Case]:
    small = {"small.yaml": SMALL.encode()}
    return [
        Case("render onto a planted symlink", ["render", "small.yaml", "--person", "Ann Lee",
                                               "-o", "out"], 1, "already exists",
             "ann-lee-2026-q4.xlsx", dict(small), setup=_plant_links),
        Case("schema onto a planted symlink", ["schema", "-o", "schema.json"], 1,
             "already exists", "schema.json", setup=_plant_links),
        Case("schema onto a dangling symlink", ["schema", "-o", "dangling.json"], 1,
             "already exists", "dangling.json", setup=_plant_links),
        Case("new onto a planted symlink", ["new", "new.yaml", "--id", "n", "--name", "N",
                                            "--levels", "A=One", "--group", "G: C"], 1,
             "already exists", "new.yaml", setup=_plant_links),
        # a full disk: the write fails, and neither the temp file nor a partial file is left
        Case("render on a full disk", ["render", "small.yaml", "--person", "Ann Lee", "-o", "out"],
             1, "ann-lee-2026-q4.xlsx", "ann-lee-2026-q4.xlsx", dict(small), fsize=4096),
        Case("schema on a full disk", ["schema", "-o", "schema.json"], 1, "schema.json",
             "schema.json", fsize=1024),
        Case("new on a full disk", ["new", "new.yaml", "--id", "n", "--name", "N",
                                    "--levels", "A=One", "--group", "G: C"], 1, "new.yaml",
             "new.yaml", fsize=64),
    ]


# -- ladders at the limits -----------------------------------------------------------------------


def ladder_at_the_limits(*, long_text: bool) -> str:
    """A definition at every count limit at once (26 levels, 1,000 categories in 200 groups,
    20 raters), or at the text limits (10,000-character descriptors, repetitive as pasted text
    often is, 200-character names) within the file size limit."""
    from sheetladder.definition import (
        MAX_CATEGORIES,
        MAX_FILE_BYTES,
        MAX_GROUPS,
        MAX_LEVELS,
        MAX_NAME,
        MAX_TEXT,
    )

    codes = [f"L{i}" for i in range(1, MAX_LEVELS + 1)]
    out = ["id: limits", f"name: {'N' * MAX_NAME}", "version: '1'", "levels:"]
    out += [f"  - {{code: {c}, name: {(c + ' ') * (MAX_NAME // 4)}}}" for c in codes]
    out += ["raters:", "  - {id: self, name: Self}", "  - {id: manager, name: Manager, count: 3}",
            "  - {id: peer, name: Peer, count: 16}", "groups:"]
    if long_text:
        per_category = MAX_LEVELS * (MAX_TEXT + 20)
        groups, per_group = 1, (MAX_FILE_BYTES - 10_000) // per_category
    else:
        groups, per_group = MAX_GROUPS, MAX_CATEGORIES // MAX_GROUPS
    for g in range(groups):
        out += [f"  - id: g{g}", f"    name: Group {g}", "    categories:"]
        for k in range(per_group):
            cid = f"c{g}-{k}"
            out += [f"      - id: {cid}", f"        name: Category {cid}", "        descriptors:"]
            for c in codes:
                text = ("=a & <b> " * (MAX_TEXT // 9))[:MAX_TEXT].strip() if long_text \
                    else f"Does {cid} at {c}."
                out.append(f"          {c}: '{text}'")
    return "\n".join(out) + "\n"


# -- ratings that were not typed -----------------------------------------------------------------


def untyped_ratings() -> dict[str, tuple[bytes, str, str]]:
    """Filled workbooks whose rating cells were merged over or computed:
    name -> (bytes, the cell, a fragment of its error finding)."""
    import io

    import openpyxl

    from .make_bad_files import good_workbook

    good = good_workbook()  # the Self tab rates its first two categories, in D5 and D6

    def edited(change: Callable[[object], None]) -> bytes:
        wb = openpyxl.load_workbook(io.BytesIO(good))
        change(wb["Self"])
        out = io.BytesIO()
        wb.save(out)
        return out.getvalue()

    return {
        # as Excel does it: merging keeps the top-left value, so the rating in D6 is gone
        "merged-over-rating.xlsx": (edited(lambda ws: ws.merge_cells("C6:D6")), "Self!D6",
                                    "inside merged cells C6:D6"),
        "merged-from-rating.xlsx": (edited(lambda ws: ws.merge_cells("D7:D8")), "Self!D7",
                                    "inside merged cells D7:D8"),
        "formula-in-rating.xlsx": (edited(lambda ws: ws.__setitem__("D7", '="S7"')), "Self!D7",
                                   "holds a formula"),
        "formula-over-rating.xlsx": (edited(lambda ws: ws.__setitem__("D5", '=IF(1,"S3")')),
                                     "Self!D5", "holds a formula"),
    }


# -- databases ----------------------------------------------------------------------------------

DB_FILES = ("h.sqlite", "h.sqlite-wal", "h.sqlite-shm", "h.sqlite-journal")


def filled_workbooks(n: int, start: int = 0) -> dict[str, bytes]:
    """``n`` filled workbooks of different people (the bundled sales ladder)."""
    from sheetladder.context import make_context
    from sheetladder.definition import load
    from sheetladder.plan import build_plan
    from sheetladder.xlsx.write import to_bytes

    ladder = load(ROOT / "definitions" / "sales-s1-s7.yaml")
    cats = [c.id for c in ladder.categories]
    out: dict[str, bytes] = {}
    for i in range(start, start + n):
        ctx = make_context(ladder, f"Person {i}", "2026-Q1")
        ratings = {"Self": {c: 1 + (i + j) % 7 for j, c in enumerate(cats)}}
        out[f"wb/p{i:03d}.xlsx"] = to_bytes(build_plan(ladder, ctx, ratings=ratings))
    return out


def _sqlite(sql: str, name: str = "h.sqlite") -> Callable[[Path], None]:
    def setup(d: Path) -> None:
        import sqlite3

        conn = sqlite3.connect(d / name)
        conn.executescript(sql)
        conn.close()
    return setup


def _collected(d: Path) -> None:
    """A history holding the first five workbooks, as a collect leaves it."""
    from sheetladder.results.collect import collect
    from sheetladder.results.store import History

    with History(str(d / "h.sqlite")) as h:
        collect(h, [str(d / "wb" / f"p{i:03d}.xlsx") for i in range(5)], jobs=1)


def consistent(expect_at_least: int) -> Callable[[Path], None]:
    """The history passes SQLite's integrity check, every assessment has its sources, ratings
    and scores, and the ones collected before are all there."""
    def check(d: Path) -> None:
        import sqlite3

        conn = sqlite3.connect(d / "h.sqlite")
        try:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            n = conn.execute("SELECT count(*) FROM assessments").fetchone()[0]
            assert n >= expect_at_least, f"{n} assessments, {expect_at_least} were collected"
            for table in ("sources", "ratings", "scores"):
                orphans = conn.execute(
                    f"SELECT count(*) FROM assessments a WHERE NOT EXISTS (SELECT 1 FROM {table} t "
                    "WHERE t.assessment_id = a.id)").fetchone()[0]
                assert orphans == 0, f"{orphans} assessment(s) without {table}"
        finally:
            conn.close()
    return check


def database_cases() -> list[Case]:
    wb = filled_workbooks(5)
    more = {**wb, **filled_workbooks(30, start=5)}
    foreign = _sqlite("CREATE TABLE people (x TEXT); INSERT INTO people VALUES ('mine');")
    orphan_version = _sqlite("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, "
                             "applied_at DATETIME, note TEXT); "
                             "INSERT INTO schema_version VALUES (1, '2026-01-01', 'x');")
    cases = [
        Case("collect into postgresql://u:pw@127.0.0.1:notaport/x",
             ["collect", "wb", "--db", "postgresql://u:pw@127.0.0.1:notaport/x"], 2,
             "cannot use this database URL", "127.0.0.1", dict(wb), hidden="pw@"),
        Case("export from postgresql://u:pw@127.0.0.1:notaport/x",
             ["export", "--db", "postgresql://u:pw@127.0.0.1:notaport/x"], 2,
             "cannot use this database URL", "127.0.0.1", hidden="pw@"),
        Case("collect into a database with a foreign people table",
             ["collect", "wb", "--db", "h.sqlite"], 2, "did not create", "h.sqlite", dict(wb),
             setup=foreign),
        Case("export from a database with a foreign people table",
             ["export", "--db", "h.sqlite"], 2, "no history database here", "h.sqlite",
             setup=foreign),
        Case("collect into a schema_version row without its tables",
             ["collect", "wb", "--db", "h.sqlite"], 2, "is missing although", "h.sqlite",
             dict(wb), setup=orphan_version),
        Case("history of a schema_version row without its tables",
             ["history", "Person 1", "--db", "h.sqlite"], 2, "is missing although", "h.sqlite",
             setup=orphan_version),
        Case("export from a database that is not there", ["export", "--db", "h.sqlite"], 2,
             "no such file", "h.sqlite"),
        Case("export from a file that is not a database", ["export", "--db", "h.sqlite"], 2,
             "cannot open the database", "h.sqlite", {"h.sqlite": b"name,level\nAnn,S3\n"}),
        # a disk that fills up while the history is created, then while files go in
        Case("collect onto a full disk (new database)", ["collect", "wb", "--db", "h.sqlite"], 2,
             "cannot open the database", "h.sqlite", dict(wb), fsize=8192,
             may_create=DB_FILES),
        Case("collect onto a disk that fills up", ["collect", "wb", "--db", "h.sqlite", "-j", "1"],
             2, "database error", "h.sqlite", dict(more), setup=_collected,
             fsize=400_000, may_create=DB_FILES, may_change=DB_FILES, check=consistent(5)),
    ]
    return cases


def make_cases(out_dir: Path) -> list[tuple[Case, Path]]:
    """Every case with its own folder under ``out_dir``, inputs written and set up."""
    made: list[tuple[Case, Path]] = []
    for i, case in enumerate([*definition_cases(), *name_cases(), *output_cases(),
                              *database_cases()]):
        d = out_dir / f"{i:03d}"
        d.mkdir(parents=True)
        for rel, blob in case.files.items():
            (d / rel).parent.mkdir(parents=True, exist_ok=True)
            (d / rel).write_bytes(blob)
        if case.setup:
            case.setup(d)
        made.append((case, d))
    return made


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print("usage: python tests/make_bad_inputs.py OUT_DIR", file=sys.stderr)
        sys.exit(2)
    for case, folder in make_cases(Path(sys.argv[1])):
        print(f"{folder}: sheetladder {' '.join(map(repr, case.args))}  "
              f"(expect exit {case.code}: {case.fragment})")
