"""The sheetladder command line: a thin click layer over the library.

Each command parses options and calls the library. Errors are the library's
:class:`~sheetladder.errors.SheetladderError`; one handler (:meth:`_Main.invoke`) prints them
as one-line messages and exits with their code. Tracebacks are never shown for bad input.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click
from click.core import ParameterSource

from . import __version__
from .errors import BadInput, OutputError, SheetladderError
from .files import write_new
from .process import tune
from .terminal import console as terminal_console
from .terminal import shown

if TYPE_CHECKING:  # imported where used: a command imports only what it needs (collect starts
    # its reader processes before it imports the reader: they import it meanwhile)
    from .results.collect import CollectOutcome, OpenElsewhere
    from .results.readers import Readers
    from .results.store import History, IngestResult
    from .results.trust import TrustedLadders

def _echo(message: str = "", err: bool = False, nl: bool = True) -> None:
    """A line for people (on stdout, or stderr with ``err``): what it quotes of people's text
    shows its control characters rather than sending them to the terminal (:func:`shown`)."""
    click.echo(shown(message), err=err, nl=nl)


HELP_WIDTH = 100  # the width --help is printed at; docs/cli.md is made at the same width


class _Main(click.Group):
    """The command group, and the one place where errors become messages and exit codes."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except SheetladderError as e:
            for line in e.lines():
                _echo(line, err=True)
            ctx.exit(e.exit_code)
        except BrokenPipeError:
            # the reader of our output stopped early (``| head``): the output is incomplete, so
            # exit 1 as rich's console does then, but say nothing; stdout goes to /dev/null so
            # that flushing it at exit cannot fail again
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            ctx.exit(1)
        except OSError as e:  # a file the library did not expect to fail: one line, not a trace
            _echo(f"error: {e.filename or ''}{': ' if e.filename else ''}{e.strerror or e}",
                       err=True)
            ctx.exit(1)


def _exit(code: int) -> NoReturn:
    """End a command with ``code`` (a result, such as a refused workbook: not an error)."""
    click.get_current_context().exit(code)


@click.group(cls=_Main, context_settings={"help_option_names": ["-h", "--help"],
                                          "max_content_width": HELP_WIDTH})
@click.version_option(__version__, prog_name="sheetladder")
def main() -> None:
    """Turn career-ladder definitions into spreadsheets people fill in, and read them back."""
    tune()  # this process is ours: the collector is set for batches of workbooks


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path())  # load names a folder
@click.option("--strict", is_flag=True,
              help="Placeholder descriptors (TODO..., empty) are errors too: for the CI of a "
                   "ladder repository.")
def validate(files: tuple[str, ...], strict: bool) -> None:
    """Check ladder definitions; print FILE:LINE:COL: message for each problem.

    Placeholder descriptors (empty, or starting with TODO) are warnings, with their lines.
    Exits 1 when any file has a problem (or, with --strict, a placeholder), 0 otherwise.
    """
    from .definition import check_files, placeholder_summary

    errors, warnings = check_files(list(files))
    for problem in errors:
        _echo(str(problem))
    for w in warnings:
        _echo(f"{w}" + (" (error: --strict)" if strict else " (warning)"))
    summary = placeholder_summary(warnings)
    if summary:
        # with --strict they are errors, as each line above says
        _echo(summary.replace("warning: ", "error: ", 1) if strict else summary, err=True)
    bad = len(errors) + (len(warnings) if strict else 0)
    if bad:
        _echo(f"{bad} problem(s) found", err=True)
        _exit(1)
    _echo(f"{len(files)} definition(s) valid")


def _load_warning(definition: str) -> Any:
    """Load a definition for render or publish, warning (stderr) of its placeholders."""
    from .definition import load_checked

    checked = load_checked(definition)
    summary = checked.summary()
    if summary:
        _echo(summary, err=True)
    return checked.ladder


def _split_list(text: str) -> list[str]:
    return [s.strip() for s in text.split(",") if s.strip()]


@main.command()
@click.argument("output", type=click.Path(dir_okay=False))
@click.option("--id", "ladder_id", required=True, help="Ladder id (a lowercase slug).")
@click.option("--name", required=True, help="Ladder name.")
@click.option("--levels", required=True,
              help='Comma-separated levels as CODE=Name, e.g. "S1=Junior,S2=Mid,S3=Senior".')
@click.option("--group", "groups", multiple=True, required=True,
              help='A group and its categories: "Group name: Category A, Category B". Repeatable.')
@click.option("--force", is_flag=True, help="Replace OUTPUT if it exists.")
def new(output: str, ladder_id: str, name: str, levels: str, groups: tuple[str, ...],
        force: bool) -> None:
    """Scaffold a new definition with every descriptor left to fill (marked TODO)."""
    from .definition import load_text, scaffold

    parsed_levels: list[tuple[str, str]] = []
    for item in _split_list(levels):
        code, _, lname = item.partition("=")
        parsed_levels.append((code.strip(), (lname or code).strip()))
    parsed_groups: list[tuple[str, list[str]]] = []
    for g in groups:
        gname, sep, cats = g.partition(":")
        if not sep or not _split_list(cats):
            raise click.BadParameter(f"{g!r}: expected 'Group: Category, Category'",
                                     param_hint="--group")
        parsed_groups.append((gname.strip(), _split_list(cats)))
    text = scaffold(ladder_id, name, parsed_levels, parsed_groups)
    load_text(text, output)  # check before writing, so a bad --id leaves no file behind
    out = write_new(output, text.encode("utf-8"), force)
    _echo(f"wrote {out}")


@main.command()
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="Write the schema here instead of printing it.")
@click.option("--force", is_flag=True, help="Replace OUTPUT if it exists.")
def schema(output: str | None, force: bool) -> None:
    """Print the JSON Schema of the definition format (definitions/schema.json)."""
    from .definition import schema_text

    text = schema_text()
    if output:
        write_new(output, text.encode("utf-8"), force)
    else:
        click.echo(text, nl=False)


# -- further commands are added below, one section each --------------------------------------


@main.command()
@click.argument("source", type=click.Path(dir_okay=False))
@click.option("-o", "--output", "out_dir", default="output/preview", show_default=True,
              type=click.Path(file_okay=False), help="Folder for the pages.")
@click.option("--format", "fmt", type=click.Choice(["png", "pdf"]), default="png",
              show_default=True)
@click.option("--force", is_flag=True, help="Replace pages that already exist.")
@click.option("--dpi", type=int, default=110, show_default=True, help="Resolution of PNG pages.")
@click.option("--page", type=click.IntRange(min=1), help="Only this page (1 is the first).")
@click.option("--paper", type=click.Choice(["a4", "letter"]), default="a4", show_default=True,
              help="Paper of a definition's sample workbook (a workbook prints on its own).")
def preview(source: str, out_dir: str, fmt: str, force: bool, dpi: int, page: int | None,
            paper: str) -> None:
    """Show what a workbook (or a definition's workbook) looks like, as PDF or PNG pages.

    Needs LibreOffice (and pdftoppm for PNG); says how to install them when missing.
    """
    from .preview import preview as run_preview

    pages = run_preview(Path(source), Path(out_dir), fmt, force=force,  # type: ignore[arg-type]
                        dpi=dpi, page=page, paper=paper)  # type: ignore[arg-type]
    for written in pages:
        _echo(str(written))


# -- render -------------------------------------------------------------------------------------

_RENDER_HELP = """Render DEFINITION into .xlsx workbooks people fill in offline.

\b
One person:
  sheetladder render definitions/sales-s1-s7.yaml --person "Ana Diaz" --period 2026-Q4 \\
      --rater self --rater manager:"Bo Chen":bo@example.com --rater peer:Cy --rater peer:Di
A roster, one workbook per row (add --split for one file per rater):
  sheetladder render definitions/sales-s1-s7.yaml --roster people.csv --period 2026-Q4

\b
Without --rater, the ladder's default raters are used (e.g. Self, Manager, Peer 1, Peer 2).
Files are named from the person and period (ana-diaz-2026-q4.xlsx; with --split the
rater's tab is appended) and an existing file is never replaced without --force.

\b
Roster (a CSV in UTF-8 or UTF-16, or the .xlsx or .ods itself): a header row, then one
row per person. Columns (any order, any case):
  person            required; also the Self rater
  email             the person's email (and the Self rater's)
  period            empty -> --period
  team              the person's team (exports group and filter on it)
  manager           manager name(s), separated by ';'
  manager_email     their email(s), same order
  peers             peer names separated by ';'   (any role id of the ladder works: ROLE or ROLEs)
  peer_emails       their emails separated by ';', same order
An empty role cell gives the ladder's default raters of that role, unnamed; '-' gives none.
A rater given no email who has a row of their own (a peer in the roster) gets that email.
Any other column is an error naming the closest known one (nothing is written); a column
kept on purpose goes through with --allow-column NAME. A bad row (an email that is not one,
a period that is not one, a person twice for one period, the person as one of their own
raters, one rater named twice, a rater with the person's or another rater's email, an email
another person or rater of any row has, a rater given another email than their own row or an
earlier row gives them, a ',' in a list cell of a ';'-separated file) is reported as FILE:LINE
and the other rows still render; the exit code is then 1. People whose names differ only in
accents (Ana Diaz, Ana Díaz) are warned of: probably one person listed twice; so is a person
without a team when others have one (export --team would leave them out). A roster run adds every tab it
wrote to manifest.csv in the output folder (person, period, tab, role, rater, email, file),
which `sheetladder status` and `collect` use to tell who has not returned; a workbook
rendered again replaces its rows there.

\b
Periods: 2026-Q4 (also 2026q4, 2026 Q4, Q4 2026, 2026/Q4), 2026-H1, 2026-03, 2026; stored
as written here. Without --period the current calendar quarter is used, and said so; a
ladder declaring its own periods (periods: in the definition) takes only those.
--force replaces only a blank workbook of the same person (case and spacing ignored): one
that holds ratings or comments is never replaced.
"""


@main.command(help=_RENDER_HELP)
@click.argument("definition", type=click.Path(dir_okay=False))
@click.option("--person", help="The person assessed (one workbook).")
@click.option("--email", help="The person's email (with --person).")
@click.option("--team", help="The person's team (with --person; a roster has a team column).")
@click.option("--period", help="Assessment period, e.g. 2026-Q4; the roster's default.")
@click.option("--rater", "raters", multiple=True, metavar="ROLE[:NAME[:EMAIL]]",
              help="A rater of --person; repeat for each. ROLE: self, manager, peer, ...")
@click.option("--roster", type=click.Path(dir_okay=False),
              help="CSV, .xlsx or .ods of people, one workbook each (columns above).")
@click.option("--split", is_flag=True, help="One file per rater holding only that rater's tab.")
@click.option("-o", "--output-dir", default="output", show_default=True,
              type=click.Path(file_okay=False), help="Directory to write into.")
@click.option("--force", is_flag=True, help="Replace existing blank workbooks of the same "
              "person (one holding ratings or comments is never replaced).")
@click.option("--password", envvar="SHEETLADDER_PASSWORD",
              help="Protect the sheets with this password (or set SHEETLADDER_PASSWORD).")
@click.option("-j", "--jobs", type=click.IntRange(min=0), default=0, show_default=True,
              help="Worker processes for --roster; 0 picks one per CPU core for big rosters.")
@click.option("--paper", type=click.Choice(["a4", "letter"]), default="a4", show_default=True,
              help="Paper the workbook prints on (landscape).")
@click.option("--allow-column", "allow_columns", multiple=True, metavar="NAME",
              help="A roster column kept on purpose (notes, ...): ignored instead of refused. "
                   "Repeatable.")
@click.option("--keep-existing", is_flag=True,
              help="With --roster: leave a person whose files are all there as they are (files "
                   "and manifest rows), and render the others: people added to the roster since.")
def render(definition: str, person: str | None, email: str | None, team: str | None,
           period: str | None, raters: tuple[str, ...], roster: str | None, split: bool,
           output_dir: str, force: bool, password: str | None, jobs: int, paper: str,
           allow_columns: tuple[str, ...], keep_existing: bool) -> None:
    from .render import choose_period, render_one, render_roster

    if bool(person) == bool(roster):
        raise click.UsageError("give either --person NAME or --roster FILE.csv")
    if keep_existing and not roster:
        raise click.UsageError("--keep-existing goes with --roster")
    if roster and (raters or email or team):
        raise click.UsageError("--rater, --email and --team go with --person; a roster names "
                               "its raters and teams")
    ladder = _load_warning(definition)
    chosen, note = choose_period(ladder, period, required=person is not None)
    if note and person is not None:
        _echo(note, err=True)
    if person is not None:
        period = chosen
        paths = render_one(ladder, person, period=period, raters=list(raters), email=email,
                           out_dir=output_dir, split=split, force=force, password=password,
                           paper=paper, team=team)  # type: ignore[arg-type]
        for p in paths:
            _echo(f"wrote {p}")
        return
    assert roster is not None
    outcome = render_roster(ladder, roster, out_dir=output_dir, period=chosen, split=split,
                            force=force, password=password, jobs=jobs, progress=True,
                            paper=paper, allow_columns=allow_columns,  # type: ignore[arg-type]
                            keep_existing=keep_existing, period_given=note is None)
    if note and outcome.defaulted:
        _echo(f"{note}, for the {outcome.defaulted} row(s) without a period", err=True)
    for w in outcome.warnings:
        _echo(f"{w} (warning)", err=True)
    for problem in outcome.problems:
        _echo(str(problem), err=True)
    done = outcome.result.people - len(outcome.result.problems)
    _echo(f"wrote {len(outcome.written)} file(s) for {done} of {outcome.rows} people "
               f"into {output_dir}" + (f"; {outcome.kept} kept as they were (--keep-existing)"
                                       if keep_existing else ""))
    if outcome.manifest is not None:
        _echo(f"listed their tabs in {outcome.manifest}")
    if outcome.problems:
        _echo(f"{len(outcome.problems)} row(s) not rendered", err=True)
        _exit(1)


# -- import: an existing descriptor matrix -> a definition ---------------------------------------


@main.command("import")
@click.argument("matrix")
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True),
              help="Definition to write (default: definitions/ID.yaml); '-' prints it.")
@click.option("--sheet", help="The sheet holding the matrix (default: Matrix, else the largest found).")
@click.option("--levels-in", type=click.Choice(["columns", "rows"]),
              help="Where the levels run (default: detected).")
@click.option("--id", "ladder_id", help="Ladder id (default: the output file's name, else from the name).")
@click.option("--name", help="Ladder name (default: the sheet's title, else the file name).")
@click.option("--force", is_flag=True, help="Replace OUTPUT if it exists.")
@click.option("--header-row", help="The row naming the levels (a number; with --levels-in rows, "
              "the column naming them, a letter).")
@click.option("--levels", "level_span", help="The level columns, e.g. C:G (with --levels-in rows: "
              "rows, e.g. 3:7).")
@click.option("--category-col", help="The column of category names (with --levels-in rows: the row).")
@click.option("--group-col", help="The column of group names (with --levels-in rows: the row).")
@click.option("--weight-col", help="The column of weights (with --levels-in rows: the row).")
@click.option("--skip-col", multiple=True,
              help="A column to leave out (repeatable; one inside --levels too).")
@click.option("--table", "table_no", type=click.IntRange(min=1),
              help="Which of several tables stacked on the sheet (1 = the top one).")
@click.option("--level-order", type=click.Choice(["lowest-first", "highest-first"]),
              metavar="ORDER",
              help="How the level columns run: lowest-first (the lowest level on the left, or "
                   "on top with --levels-in rows) or highest-first (read the other way). "
                   "Default: from the header (codes counting down are read highest first).")
@click.option("--hidden", type=click.Choice(["skip", "take"]),
              help="Hidden rows and columns of an .xlsx or .ods: leave them out, or read them as if "
                   "shown (default: a matrix taking one is refused, naming it).")
@click.option("--list", "list_tables", is_flag=True,
              help="List every table found, with its bounds and best layout, and write nothing.")
@click.option("-v", "--verbose", is_flag=True,
              help="List every empty cell and every note (default: the first 10 of each).")
def import_cmd(matrix: str, output: str | None, sheet: str | None, levels_in: str | None,
               ladder_id: str | None, name: str | None, force: bool, header_row: str | None,
               level_span: str | None, category_col: str | None, group_col: str | None,
               weight_col: str | None, skip_col: tuple[str, ...], table_no: int | None,
               level_order: str | None, hidden: str | None, list_tables: bool,
               verbose: bool) -> None:
    """Import a descriptor matrix (.xlsx, .ods, .csv or a Google Sheet URL/id) as a definition.

    Prints what it detected and every cell it could not place; empty cells become placeholders
    marked drafted. A layout that does not look like a ladder is refused (exit 1) with the best
    guess, what made it doubtful, and the command line that imports it explicitly (or the layout
    a doubt points at, when a doubt says the guess is wrong as found).
    """
    import re
    from typing import Literal

    from .definition import SLUG, slugify
    from .importer.detect import explicit_options, import_matrix, list_lines
    from .importer.emit import SHOWN, default_name, definition_yaml, summary_lines

    if ladder_id is not None and not re.fullmatch(SLUG, ladder_id):
        raise click.BadParameter(f"{ladder_id!r} is not a lowercase slug like 'sales-ladder'",
                                 param_hint="--id")
    to_stdout = output == "-"
    if output and not to_stdout and Path(output).exists():
        from .results.readers import same_file

        if same_file(output, matrix):  # --force would put the YAML in place of the source
            raise OutputError(f"{output}: is the spreadsheet being imported; write the "
                              "definition to another file (-o ladder.yaml)")
        if not force:
            raise OutputError(f"{output}: already exists; use --force to replace it")
    orientation: Literal["columns", "rows"] | None = (
        "rows" if levels_in == "rows" else "columns" if levels_in == "columns" else None)
    if list_tables:
        for line in list_lines(matrix, sheet=sheet, levels_in=orientation):
            _echo(line)
        return
    explicit = explicit_options(orientation, header_row=header_row, levels=level_span,
                                category=category_col, group=group_col, weight=weight_col,
                                skip=skip_col, table=table_no,
                                order="highest-first" if level_order == "highest-first" else
                                "lowest-first" if level_order == "lowest-first" else None)
    det = import_matrix(matrix, sheet=sheet, levels_in=orientation, explicit=explicit,
                        hidden="skip" if hidden == "skip" else "take" if hidden == "take" else None)
    lname = name or default_name(det)
    if ladder_id is None:
        ladder_id = slugify(Path(output).stem if output and not to_stdout else lname)
    out = Path(output) if output and not to_stdout else Path("definitions") / f"{ladder_id}.yaml"
    for line in summary_lines(det, limit=None if verbose else SHOWN):
        _echo(line, err=to_stdout)
    text = definition_yaml(det, ladder_id, lname, path=str(out), limit=None if verbose else SHOWN)
    if to_stdout:
        click.echo(text, nl=False)
        return
    write_new(out, text.encode("utf-8"), force=force)
    _echo(f"wrote {out} (id {ladder_id}, validates)")


# -- history: collect, export, history ---------------------------------------------------------

_LADDERS_HELP = ("Trusted ladder definitions: files, or folders of *.yaml (repeatable; default "
                 "definitions/*.yaml where that folder exists). A workbook whose ladder has a "
                 "trusted ladder's id and version but other content is refused; one with a "
                 "ladder never seen needs its definition here, or --trust-new.")
_TRUST_NEW_HELP = "Take a ladder never seen before (new id or version) as the workbook embeds it."

_ROSTER_ALLOW_HELP = ("With --roster: a column of it that is no roster column, let through as "
                      "render --allow-column let it (repeatable).")
_DB_HELP = ("History database: a SQLite file path, sqlite:///FILE or postgresql://USER@HOST/DB "
            "(default output/history.sqlite; or set SHEETLADDER_DB).")


@main.command()
@click.argument("workbooks", nargs=-1, required=True, type=click.Path())
@click.option("--db", envvar="SHEETLADDER_DB", help=_DB_HELP)
@click.option("-j", "--jobs", type=click.IntRange(min=0), default=0, show_default=True,
              help="Processes at work: this one stores what JOBS-1 reader processes read, and "
                   "reads too while they are busy; 1 reads everything here; 0 uses one per CPU "
                   "core.")
@click.option("--keep", multiple=True, metavar="FILE",
              help="Of copies that disagree on a rater's tab, the one to store (repeatable).")
@click.option("--ladders", multiple=True, metavar="PATH", help=_LADDERS_HELP)
@click.option("--trust-new", is_flag=True, help=_TRUST_NEW_HELP)
@click.option("--manifest", "manifests", multiple=True,
              type=click.Path(dir_okay=False, exists=True),
              help="The cycle's manifest.csv (from render --roster); default: the manifest.csv "
                   "of each folder given. Collect then ends with the cycle's totals.")
def collect(workbooks: tuple[str, ...], db: str | None, jobs: int, keep: tuple[str, ...],
            ladders: tuple[str, ...], trust_new: bool, manifests: tuple[str, ...]) -> None:
    """Read filled WORKBOOKS (files or folders of .xlsx) into the history database.

    A folder gives its .xlsx and .xlsm files; spreadsheets saved in another format there (.ods,
    .xls, .xlsb, .numbers, Excel 2003 XML, a web page .htm or .mht, Google Sheets' web page
    download, zipped or not, or a sheet saved as .csv or as tab-separated .txt), a .zip of
    workbooks not unzipped beside it, and a workbook renamed .zip are named and refused with
    what to do, never silently left out. Its manifest.csv, any CSV or text with a 'person'
    column (a roster, an export, the reminder list), notes, other XML, other zips, and the lock
    files of a workbook open in Excel or LibreOffice (also when given among the files with the
    workbook) are left out.

    Every file is read before the copies are settled, and the files are stored in batches
    (one transaction each; a file refused leaves the others stored; those no file left to
    read can change are stored while the last are read); a file already collected adds
    nothing. Two copies
    in one collect that disagree on a rater's tab refuse that person until one is removed or
    named with --keep; a copy that differs from what an earlier collect stored replaces it (the
    replaced ratings are kept as history, and the summary names them); the summary ends naming
    each workbook stored with warnings (a copy whose tab --keep overruled among them), with its
    warnings. The
    ladder each workbook embeds must be a trusted one (--ladders, or one the history holds).
    Workbooks with errors are named with their findings and refused (and kept as refused for
    `status`); the others still go in.
    Exits 1 if any was refused. With a manifest (--manifest, or a manifest.csv in a folder
    given), the last line is the cycle's totals: people complete, partial, not returned.
    """
    from .results.readers import Readers, check_keep, find_workbooks

    found = find_workbooks(list(workbooks))[0]
    if keep:  # before the history is opened (or made): a typo must change nothing
        check_keep(keep, found)
    # the reader processes start now, on the other cores, while this one does what follows,
    # and are sent the first files at once: they are ready to read before this one has opened
    # the history (held files are known only then; a file read ahead that is held is not used)
    readers = Readers(jobs, len(found))
    with readers:  # what follows imports the database layer (~0.4 s) and parses the ladders
        readers.read_ahead(found)
        from .results.status import manifest_periods, manifests_near
        from .results.store import History, display_url
        from .results.trust import TrustedLadders

        trusted = TrustedLadders.from_paths(list(ladders) or None, trust_new=trust_new)
        cycle = list(manifests) or manifests_near(workbooks)
        said: list[str] = []
        periods = manifest_periods(cycle, said)  # checks the manifests before anything is collected
        for w in said:
            _echo(f"{w} (warning)", err=True)
        period = periods[0] if len(periods) == 1 else None  # the cycle's, when it has one
        history = History(db)  # (closed by _collect_into)
        outcome, totals = _collect_into(history, workbooks, jobs, keep, trusted, cycle, period,
                                        readers, periods)
    parts = [f"{outcome.count(s)} {s}" for s in ("added", "updated", "unchanged", "empty")]
    _echo(f"collected into {display_url(history.url)}: {', '.join(parts)}, "
               f"{len(outcome.refused)} refused")
    for line in (_updated_lines(outcome.results) + _warned_lines(outcome.results)
                 + _open_lines(outcome.open_elsewhere)):
        _echo(line)
    for line in totals:
        _echo(line)
    if outcome.refused:
        _exit(1)


def _updated_lines(results: Sequence[IngestResult]) -> list[str]:
    """What the updated copies did, each counted by what it did ("updated" alone reads as
    "overwrote"): gave tabs the assessment held lacked, replaced ratings held (named above),
    or only changed the team or managers held. A copy may both add and replace."""
    updated = [r for r in results if r.status == "updated"]
    if not updated:
        return []
    adding = sum(1 for r in updated if r.added_tabs)
    replacing = sum(1 for r in updated if r.replaced)
    both = sum(1 for r in updated if r.added_tabs and r.replaced)
    about = sum(1 for r in updated if not r.added_tabs and not r.replaced)
    line = (f"{len(updated)} updated: {adding} added tabs to an assessment held, {replacing} "
            "replaced ratings held" + (" (named above)" if replacing else ""))
    if both:
        line += f" ({both} did both)"
    if about:
        line += f", {about} changed only the team or managers held"
    return [line]


def _open_lines(open_files: Sequence[OpenElsewhere]) -> list[str]:
    """The workbooks collected while a lock file said they were open: their last save went in,
    and edits not saved yet did not."""
    if not open_files:
        return []
    return [f"{len(open_files)} workbook(s) were open in another program as they were "
            "collected (a lock file beside them): what went in is their last save, without "
            "edits not saved yet; collect again once they are saved and closed (a lock file "
            "left by a program that crashed can be deleted):",
            *(f"  {o.file}: {o}" for o in open_files)]


def _warned_lines(results: Sequence[IngestResult]) -> list[str]:
    """The workbooks stored with warnings, each named with them: those added or updated, and
    a copy whose tabs --keep left out (stored for its hash, and maybe nothing else)."""
    warned = [r for r in results if r.warnings and (
        r.status in ("added", "updated") or (r.left_out and r.status != "refused"))]
    if not warned:
        return []
    lines = [f"{len(warned)} workbook(s) went in with warnings (kept in the history):"]
    # workbooks with the very same warnings (a batch saved by one script: the same results not
    # stored on every one) are listed together, their warnings once
    groups: dict[tuple[str, ...], list[str]] = {}
    for r in warned:
        groups.setdefault(tuple(str(w) for w in r.warnings), []).append(r.file)
    for said, files in groups.items():
        if len(files) > 1:
            lines.append(f"  these {len(files)} with the same warnings:")
        lines += [f"  {f}" for f in files]
        lines += [f"    {w}" for w in said]
    return lines


class _Progress:
    """A progress bar on standard error when it is a terminal (rich's, with lines printed
    above it); elsewhere (a log, a pipe) the lines alone, and rich is not imported (~30 ms and
    2 MiB of a collect). Lines are printed as they are: no markup, no ``:emoji:`` codes
    (rich would show a file named ``:fire:.xlsx`` as 🔥.xlsx)."""

    def __init__(self, what: str):
        self.what = what
        self.bar: Any = None
        self.task: Any = None

    def __enter__(self) -> _Progress:
        if sys.stderr.isatty():
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
            )

            self.bar = Progress(TextColumn(self.what), BarColumn(), MofNCompleteColumn(),
                                TimeElapsedColumn(), console=terminal_console(stderr=True),
                                transient=True)
            self.bar.__enter__()
            self.task = self.bar.add_task(self.what, total=None)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)

    def total(self, n: int) -> None:
        if self.bar is not None:
            self.bar.update(self.task, total=n)

    def advance(self) -> None:
        if self.bar is not None:
            self.bar.advance(self.task)

    def say(self, line: str) -> None:
        if self.bar is None:
            _echo(line, err=True)
        else:
            self.bar.console.print(line, markup=False, highlight=False, emoji=False,
                                   soft_wrap=True)


def _collect_into(history: History, workbooks: tuple[str, ...], jobs: int,
                  keep: tuple[str, ...], trusted: TrustedLadders, cycle: Sequence[str | Path],
                  period: str | None, readers: Readers, periods: Sequence[str] = ()
                  ) -> tuple[CollectOutcome, list[str]]:
    """collect's work under its progress bar (on a terminal): the outcome and the cycle's
    totals."""
    from .manifest import handed_out
    from .results.collect import collect as collect_files
    from .results.status import totals_lines

    with history, _Progress("collecting") as bar:

        def on_total(n: int) -> None:
            bar.total(n)

        def on_result(res: IngestResult) -> None:
            bar.advance()
            if res.status == "refused":
                bar.say(f"{res.file}: refused")
                for f in res.findings:
                    bar.say(f"  {f}")
            else:
                for tab, earlier in res.replaced_from.items():
                    bar.say(f"{res.file}: tab {tab!r} replaces the ratings held from "
                            f"{earlier} (kept as history)")

        outcome = collect_files(history, list(workbooks), jobs=jobs, on_result=on_result,
                                on_total=on_total, keep=keep, trusted=trusted,
                                cycle_period=period, readers=readers, cycle_periods=periods,
                                cycle_label=" and ".join(str(m) for m in cycle) or "the manifest",
                                handed_out=handed_out(cycle, beside=workbooks))
        totals = totals_lines(history, cycle)
    return outcome, totals


def export_format(fmt: str | None, output: str | None) -> str:
    """The export's format: as given, else from OUTPUT's extension, else csv. An OUTPUT whose
    extension names another format is refused: a CSV written to results.xlsx is a file Excel
    calls corrupt."""
    from .results.export import ExportError

    ext = Path(output).suffix.lower().lstrip(".") if output and output != "-" else ""
    named = ext if ext in ("csv", "xlsx", "json") else None
    if fmt is None:
        return named or "csv"
    if named is not None and named != fmt:
        raise ExportError(f"-o {output} is a .{named} file name but --format is {fmt}: name the "
                          f"file .{fmt}, or give --format {named} (or leave --format out)")
    return fmt


@main.command()
@click.option("--period", help="The period to export, e.g. 2026-Q4 (default: the latest held).")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx", "json"]),
              help="csv, xlsx or json (default: from OUTPUT's extension, else csv).")
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="File to write (default output/results-PERIOD.FORMAT); '-' prints csv/json.")
@click.option("--db", envvar="SHEETLADDER_DB", help=_DB_HELP)
@click.option("--bom", is_flag=True, help="Start the CSV with a UTF-8 BOM (for Excel).")
@click.option("--comments", is_flag=True,
              help="Export what raters wrote instead, one row per comment (csv or json; the "
                   "XLSX always has a Comments sheet); default file output/comments-PERIOD.FORMAT.")
@click.option("--force", is_flag=True, help="Replace OUTPUT if it exists.")
@click.option("--team", help="Only the people of this team (case ignored); the default file "
                             "name then ends with the team.")
def export(period: str | None, fmt: str | None, output: str | None, db: str | None, bom: bool,
           comments: bool, force: bool, team: str | None) -> None:
    """Export one period: a row per person with team, managers, level, total, progress,
    category consensus, self/manager/peer means, the largest self-vs-others gaps, the change
    since the previous period and each rater's total and level; XLSX adds a heatmap, the level
    distribution, a summary per team, trend charts, each rater's figures, comments and
    warnings on sheets of their own, and the calibration (for ops: see calibrate), set up to
    print. A person rated by fewer peers than the ladder's min_peers has the manager and peers
    shown only pooled, as Others (and the calibration sheet then names no rater)."""
    from .results.export import (
        COMMENTS_IN_XLSX,
        ExportError,
        build,
        check_output_name,
        default_path,
        latest_period,
        render,
    )
    from .results.store import History

    fmt = export_format(fmt, output)
    if output == "-" and fmt == "xlsx":
        raise ExportError("an XLSX cannot be printed; give -o FILE.xlsx")
    if comments and fmt == "xlsx":
        raise ExportError(COMMENTS_IN_XLSX)
    from .results.calibrate import calibrate as calibrate_period

    check_output_name(output, default_path(period or "PERIOD", fmt, team, comments).name)
    with History(db, read_only=True) as history:
        data = build(history, period or latest_period(history), team=team)
        period = data.period
        cal = calibrate_period(history, period, team) if fmt == "xlsx" else None
    payload = render(data, fmt, bom=bom, comments=comments, calibration=cal)
    if output == "-":
        click.get_binary_stream("stdout").write(payload)
        return
    target = Path(output) if output else default_path(period, fmt, team, comments)
    write_new(target, payload, force=force)
    n = len(data.rows)
    _echo(f"wrote {target} ({n} {'person' if n == 1 else 'people'}, period {period}, "
               f"from {history.name})")


@main.command()
@click.option("--period", help="The period, e.g. 2026-Q4 (default: the latest held).")
@click.option("--team", help="Only the people of this team (case ignored).")
@click.option("--db", envvar="SHEETLADDER_DB", help=_DB_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print (or write) every figure as JSON.")
@click.option("--format", "fmt", type=click.Choice(["text", "xlsx"]), default="text",
              show_default=True, help="xlsx: a workbook with the Calibration sheet.")
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="File to write (text and JSON print without it; the XLSX default is "
                   "output/calibration-PERIOD[-TEAM].xlsx).")
@click.option("--force", is_flag=True, help="Replace OUTPUT if it exists.")
@click.option("--min-ratees", type=click.IntRange(min=1), default=3, show_default=True,
              help="Ratees a named rater needs for a z-score (and an adjustment).")
@click.option("--z", "z_threshold", type=click.FloatRange(min=0, min_open=True), default=2.0,
              show_default=True, help="Flag a rater whose leniency has |z| at least this.")
def calibrate(period: str | None, team: str | None, db: str | None, as_json: bool, fmt: str,
              output: str | None, force: bool, min_ratees: int, z_threshold: float) -> None:
    """For ops: how the period's raters rate. Each named rater's leniency (mean levels above
    the other raters of the same person and category, with n and a z-score; flagged at
    |z| >= Z), Krippendorff's alpha (ordinal) per category and overall, each person's self-other
    agreement (over-estimator, under-estimator, in agreement), and a leniency-adjusted
    consensus beside the raw one. It names raters: not for the people rated. Nothing in the
    history is changed. Methods and references: README, Calibration."""
    from .results.calibrate import calibrate as calibrate_period
    from .results.calibrate_view import to_json, to_text
    from .results.export import calibration_xlsx, check_output_name, default_path, latest_period
    from .results.store import History

    if as_json and fmt == "xlsx":
        raise BadInput("--json and --format xlsx are two outputs; give one")
    check_output_name(output, default_path(period or "PERIOD", "json" if as_json else
                                           "xlsx" if fmt == "xlsx" else "txt", team,
                                           kind="calibration").name)
    with History(db, read_only=True) as history:
        cal = calibrate_period(history, period or latest_period(history), team,
                               min_ratees=min_ratees, z_threshold=z_threshold)
    if fmt == "xlsx":
        target = Path(output) if output else default_path(cal.period, "xlsx", team,
                                                          kind="calibration")
        write_new(target, calibration_xlsx(cal), force=force)
        _echo(f"wrote {target} (period {cal.period}, from {history.name})")
        return
    payload = to_json(cal) if as_json else to_text(cal).encode("utf-8")
    if output:
        write_new(output, payload, force=force)
        _echo(f"wrote {output} (period {cal.period}, from {history.name})")
        return
    click.get_binary_stream("stdout").write(payload)
    _echo(f"from {history.name}", err=as_json)


_STATUS_FORMATS = ["text", "csv", "json"]


@main.command()
@click.option("--period", help="The period (default: the manifest's one period).")
@click.option("--manifest", "manifests", multiple=True,
              type=click.Path(dir_okay=False, exists=True),
              help="The manifest.csv render --roster wrote beside the files (repeatable: a "
                   "cycle rendered into one folder per team).")
@click.option("--roster", type=click.Path(dir_okay=False, exists=True),
              help="Or the roster CSV the files were rendered from.")
@click.option("--definition", type=click.Path(dir_okay=False),
              help="The ladder of --roster (default: the one ladder the history holds for the "
                   "period).")
@click.option("--split", is_flag=True,
              help="With --roster: the files were rendered with --split (one per rater), so a "
                   "refused file is tied to its tab by that file's name.")
@click.option("--db", envvar="SHEETLADDER_DB", help=_DB_HELP)
@click.option("--format", "fmt", type=click.Choice(_STATUS_FORMATS), default="text",
              show_default=True,
              help="csv: the reminder list (one row per tab to chase) for a mail merge.")
@click.option("--bom", is_flag=True,
              help="With --format csv: start it with a UTF-8 BOM, so that Excel (and a Word "
                   "mail merge) reads names such as José Núñez right.")
@click.option("--allow-column", "allow_columns", multiple=True, metavar="NAME",
              help=_ROSTER_ALLOW_HELP)
def status(period: str | None, manifests: tuple[str, ...], roster: str | None,
           definition: str | None, split: bool, db: str | None, fmt: str, bom: bool,
           allow_columns: tuple[str, ...]) -> None:
    """Who has returned: per person, the rater tabs collected, missing (rater, role, email) and
    refused (and why), then the cycle's totals: people complete, partial, not returned."""
    from .results.status import render as render_status
    from .results.status import status_of
    from .results.store import History

    if bom and fmt != "csv":
        raise BadInput("--bom goes with --format csv (the reminder list)")
    with History(db, read_only=True) as store:
        st = status_of(store, period, manifest=list(manifests) or None, roster=roster,
                       definition=definition, split=split, allow_columns=allow_columns)
    for w in st.warnings:
        _echo(f"{w} (warning)", err=True)
    report = render_status(st, fmt, bom=bom)  # its text shows control characters, never sends
    click.get_binary_stream("stdout").write(report)
    _echo(f"from {store.name}", err=fmt != "text")


@main.command()
@click.option("--db", envvar="SHEETLADDER_DB", help=_DB_HELP)
def migrate(db: str | None) -> None:
    """Bring the history database to this sheetladder's schema, as collect does when it opens
    one: export, history and status open it read-only and refuse an older schema."""
    from .results.store import History

    with History(db, read_only=True, older=True) as probe:
        before = probe.schema_version()
    with History(db) as store:
        after = store.schema_version()
    _echo(f"{store.name}: schema version {before}" + (
        f" -> {after}" if after != before else " (up to date)"))


@main.command("report")
@click.argument("workbooks", nargs=-1, type=click.Path())
@click.option("-o", "--output", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Folder for the site (index.html and people/*.html); it must be empty or "
                   "new, unless --force.")
@click.option("--period", help="The period, e.g. 2026-Q4 (default: the latest held).")
@click.option("--team", help="Only the people of this team (case ignored).")
@click.option("--db", envvar="SHEETLADDER_DB", help=_DB_HELP + " Not with WORKBOOKS "
              "(SHEETLADDER_DB is then not used).")
@click.option("--manifest", "manifests", multiple=True,
              type=click.Path(dir_okay=False, exists=True),
              help="The cycle's manifest.csv (repeatable): the team page lists who is "
                   "missing.")
@click.option("--roster", type=click.Path(dir_okay=False, exists=True),
              help="Or the roster CSV the workbooks were rendered from.")
@click.option("--definition", type=click.Path(dir_okay=False),
              help="The ladder of --roster (default: the one ladder held for the period).")
@click.option("--split", is_flag=True,
              help="With --roster: the files were rendered with --split (one per rater), so a "
                   "refused file is tied to its tab by that file's name.")
@click.option("--keep", multiple=True, metavar="FILE",
              help="With WORKBOOKS: of copies that disagree on a rater's tab, the one to use "
                   "(repeatable).")
@click.option("--ladders", multiple=True, metavar="PATH", help=_LADDERS_HELP)
@click.option("--trust-new", is_flag=True, help=_TRUST_NEW_HELP)
@click.option("--force", is_flag=True, help="Write into a folder that is not empty: its pages "
                                            "are replaced, and person pages an earlier report "
                                            "wrote (listed in its .sheetladder-report.json, "
                                            "unchanged since) that this one has not are removed; "
                                            "nothing else is.")
@click.option("--allow-column", "allow_columns", multiple=True, metavar="NAME",
              help=_ROSTER_ALLOW_HELP)
def report(workbooks: tuple[str, ...], out_dir: str, period: str | None, team: str | None,
           db: str | None, manifests: tuple[str, ...], roster: str | None,
           definition: str | None, split: bool, keep: tuple[str, ...], ladders: tuple[str, ...],
           trust_new: bool, force: bool, allow_columns: tuple[str, ...]) -> None:
    """Make a static HTML report of one period: a team page (index.html: level distribution,
    heatmap, calibration flags, who is missing) and a page per person (level, progress, radar
    of self / manager / peers, growth plan, self-other gaps, comments, trend).

    \b
      sheetladder report --period 2026-Q4 -o output/report [--team North] [--db URL]
      sheetladder report output/team/*.xlsx -o output/report

    From the history by default; from WORKBOOKS, they are read into a temporary history first
    (a refused workbook is an error: nothing is written), and each folder given with its
    manifest.csv gives who is missing, as --manifest would. The pages need nothing but a browser
    (no network), print on A4 or Letter, and honour peer anonymity as the export does.
    """
    from contextlib import AbstractContextManager

    from .report.site import make_report
    from .report.source import workbook_history
    from .results.store import History

    manifest: list[str] = list(manifests)
    if manifest and roster:
        raise BadInput("give --manifest or --roster, not both")
    if split and not roster:
        raise BadInput("--split goes with --roster: it says the roster's files were rendered one "
                       "per rater (a manifest names each tab's file itself)")
    if workbooks and db:
        # only a --db given on the command line conflicts: SHEETLADDER_DB set in the
        # environment (as for every other command) is simply not used
        if click.get_current_context().get_parameter_source("db") is ParameterSource.COMMANDLINE:
            raise BadInput("WORKBOOKS are read into a temporary history: --db does not go with "
                           "them")
        _echo("note: WORKBOOKS are read into a temporary history; the SHEETLADDER_DB "
                   "database is not used", err=True)
        db = None
    if not workbooks and (ladders or trust_new):
        raise BadInput("--ladders and --trust-new judge WORKBOOKS; the history's ladders were "
                       "judged when they were collected")
    if not workbooks and keep:
        raise BadInput("--keep picks one of the WORKBOOKS given; a history holds one copy of "
                       "each tab already (collect --keep chose it)")
    if workbooks and not manifest and not roster:
        from .results.status import manifests_near

        # each folder's manifest.csv, merged as collect merges them
        manifest = [str(m) for m in manifests_near(workbooks)]
        if manifest:
            _echo(f"note: who is missing is from {', '.join(manifest)}", err=True)
    source: AbstractContextManager[History] = (
        workbook_history(list(workbooks), ladders=list(ladders) or None, trust_new=trust_new,
                         keep=list(keep))
        if workbooks else History(db, read_only=True))
    with source as store:
        done = make_report(store, period, out_dir, team=team, manifest=manifest or None,
                           roster=roster, definition=definition, split=split, force=force,
                           allow_columns=allow_columns)
    for note in done.notes:
        _echo(f"note: {note}", err=True)
    _echo(f"wrote {done.folder / 'index.html'} and {done.people} person page(s) "
               f"({len(done.pages)} files, period {done.period}"
               + (f", from {store.name})" if not workbooks else f", from {len(workbooks)} "
                  "workbook path(s))"))
    if done.removed:
        _echo(f"removed {len(done.removed)} person page(s) of the earlier report that this "
                   "one has not: " + ", ".join(p.name for p in done.removed))


@main.command()
@click.argument("person")
@click.option("--db", envvar="SHEETLADDER_DB", help=_DB_HELP)
@click.option("--rename", "new_name", metavar="NAME",
              help="Give PERSON this name in every period held (one person whose name is "
                   "spelt another way in a later roster), then show them.")
@click.option("--email", "new_email", metavar="EMAIL",
              help="Give PERSON this email from now on (one person whose email changed), then "
                   "show them.")
def history(person: str, db: str | None, new_name: str | None, new_email: str | None) -> None:
    """Show PERSON's (name or email) levels and totals over the periods held.

    \b
      sheetladder history "Ana Diaz" --rename "Ana Díaz"
      sheetladder history "Ana Diaz" --email ana.diaz@example.com

    One person is one name and one email in the history: collect refuses a workbook whose email
    is held for another name, or whose person is held with another email, and says which of
    these makes it right."""

    from .results.store import History
    from .results.text import history_table

    if new_name is not None and new_email is not None:
        raise click.UsageError("give --rename or --email, one at a time")
    if new_name is not None or new_email is not None:
        with History(db, read_only=True) as store:  # a missing or mistyped --db: made nothing
            store.person(person)
        with History(db) as store:
            if new_email is not None:
                name, was, mail = store.set_email(person, new_email)
                _echo(f"{name!r}: email {was or '(none)'} -> {mail} in {store.name}")
                person = name
            else:
                assert new_name is not None
                old, name, held = store.rename_person(person, new_name)
                _echo(f"renamed {old!r} to {name!r} in {store.name} ({held} "
                           "assessment(s))")
                person = name
    with History(db, read_only=True) as store:
        key, name, email = store.person(person)
        recs = store.records(person_keys=[key], with_categories=False)
        others = store.lookalikes(key)
    terminal_console(width=120).print(history_table(name, email, recs))
    _echo(f"from {store.name}")
    for other, theirs in others:
        _echo(f"note: {other!r}{f' <{theirs}>' if theirs else ''} is another person in "
                   f"the history whose name differs from {name!r} only in accents; give their "
                   f"name as written{' or their email' if theirs else ''} to see theirs",
                   err=True)


# -- publish: a Google Sheet from the same plan as the .xlsx ------------------------------------

_PUBLISH_HELP = """Publish Google Sheets (one person, a roster, a template) and print their links.

One assessment (--person), one sheet per person of a roster (--roster), or the ladder as a blank
template anyone can copy (--template).

\b
  sheetladder publish definitions/sales-s1-s7.yaml --person "Ana Diaz" --period 2026-Q4 \\
      --rater self::ana@example.com --rater manager:"Bo Chen":bo@example.com \\
      --share hr@example.com:reader --credentials key.json

\b
Raters with an email get edit access, and only they can fill their own tab. Editors of a
shared sheet can read every tab: use --split for one sheet per rater when ratings must stay
private. Auth: --credentials KEY.json (a service-account key; it has no Drive storage of its
own, so give --folder of a shared drive folder) or --oauth (sign in as yourself; the OAuth
client file comes from --credentials or SHEETLADDER_GOOGLE_CREDENTIALS). gspread's files are
used too: GOOGLE_APPLICATION_CREDENTIALS, ~/.config/gspread/service_account.json,
credentials.json and authorized_user.json. The only scope asked for is drive.file.

\b
  sheetladder publish definitions/sales-s1-s7.yaml --roster team.csv --period 2026-Q4 \\
      -o links.csv
  sheetladder publish definitions/sales-s1-s7.yaml --template

--roster publishes one sheet per person (per rater with --split), paced under Google's 60
writes a minute, and writes each rater's link to -o as it goes: run the same command again
after a failure and only the missing sheets are made. --template prints the "Make a copy" link
of a blank sheet; each copy names its person on the Guide.

SHEETLADDER_GOOGLE_API_ROOT sends every call elsewhere (a local fake or a proxy); with a
loopback root no credentials are read and no token is asked for.
"""


@main.command(help=_PUBLISH_HELP)
@click.argument("definition", type=click.Path(dir_okay=False))
@click.option("--person", help="The person assessed (or --roster, or --template).")
@click.option("--roster", type=click.Path(dir_okay=False),
              help="A roster CSV (as for render --roster): one sheet per person, or per rater "
                   "with --split.")
@click.option("--template", is_flag=True,
              help="The ladder as a blank sheet anyone with the link can copy; prints the copy link.")
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="With --roster: the links CSV (the manifest a rerun resumes from; default "
                   "ROSTER-links.csv beside the roster).")
@click.option("--email", help="The person's email.")
@click.option("--period", help="Assessment period, e.g. 2026-Q4.")
@click.option("--rater", "raters", multiple=True, metavar="ROLE[:NAME[:EMAIL]]",
              help="A rater; repeat for each (default: the ladder's raters, unnamed).")
@click.option("--share", "shares", multiple=True, metavar="EMAIL[:reader|commenter|writer]",
              help="Share the sheet with someone (default role: writer). Repeatable.")
@click.option("--link", type=click.Choice(["off", "reader", "commenter", "writer"]), default="off",
              show_default=True, help="Anyone with the link may ...")
@click.option("--folder", help="Drive folder id to create the sheet in (e.g. in a shared drive).")
@click.option("--split", is_flag=True, help="One sheet per rater holding only that rater's tab.")
@click.option("--no-notify", is_flag=True, help="Do not email the people it is shared with.")
@click.option("--credentials", type=click.Path(dir_okay=False),
              help="Service-account key or OAuth client JSON (or SHEETLADDER_GOOGLE_CREDENTIALS).")
@click.option("--oauth", is_flag=True, help="Sign in as yourself (installed-app consent in a browser).")
@click.option("--allow-column", "allow_columns", multiple=True, metavar="NAME",
              help="A --roster column kept on purpose (notes, ...): ignored instead of refused. "
                   "Repeatable.")
def publish(definition: str, person: str | None, roster: str | None, template: bool,
            output: str | None, email: str | None, period: str | None,
            raters: tuple[str, ...], shares: tuple[str, ...], link: str, folder: str | None,
            split: bool, no_notify: bool, credentials: str | None, oauth: bool,
            allow_columns: tuple[str, ...]) -> None:
    from .google.client import default_api
    from .google.publish import open_tabs, parse_share, publish_assessment, publish_template
    from .google.team import default_manifest, publish_roster
    from .render import choose_period, person_context
    from .roster import read_roster

    if sum(1 for x in (person, roster, template) if x) != 1:
        raise BadInput("publish needs exactly one of --person NAME, --roster CSV or --template")
    if not person and (raters or email):
        raise BadInput("--rater and --email describe one --person; a roster names its raters "
                       "in its columns, and a template has one Self tab")
    if template and split:
        raise BadInput("--split does not apply to --template: a template has one Self tab")
    if output and not roster:
        raise BadInput("-o names the links file of a --roster run")
    ladder = _load_warning(definition)
    chosen, note = choose_period(ladder, period, required=roster is None)
    if note and not roster:
        _echo(note, err=True)
    share_list = [parse_share(s) for s in shares]
    link_role = None if link == "off" else link
    if template:
        tpl = publish_template(ladder, default_api(credentials, oauth), period=chosen,
                               folder=folder, shares=share_list)
        _echo(f"{tpl.copy_url}  {tpl.title}")
        _echo(f"(anyone with the link can view; the sheet itself: {tpl.url})")
        return
    if roster:
        team = read_roster(ladder, roster, chosen, split, allow_columns,
                           period_given=note is None and chosen is not None)
        if note and team.defaulted:
            _echo(f"{note}, for the {team.defaulted} row(s) without a period", err=True)
        for w in team.warnings:
            _echo(f"{w.path}:{w.line}: warning: {w.message}", err=True)
        manifest = Path(output) if output else default_manifest(Path(roster))
        api = default_api(credentials, oauth)
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        with Progress(TextColumn("publishing"), BarColumn(), MofNCompleteColumn(),
                      TextColumn("{task.description}", markup=False),
                      console=terminal_console(stderr=True),
                      transient=True) as bar:
            task = bar.add_task("", total=None)

            def advance(done: int, total: int, label: str) -> None:
                bar.update(task, completed=done, total=total, description=shown(label))

            result = publish_roster(ladder, team, manifest, api, split=split, shares=share_list,
                                    link=link_role, folder=folder, notify=not no_notify,
                                    on_progress=advance)
        for problem in team.problems:
            _echo(f"{problem.path}:{problem.line}: {problem.message}", err=True)
        _warn_open_tabs([(e.context.person, t) for e in team.entries
                         for t in open_tabs(e.context)])
        _echo(f"{len(result.created)} sheets published, {result.kept} already in {manifest}; "
                   f"links: {manifest}")
        if team.problems:
            _exit(1)
        return
    assert person is not None
    ctx = person_context(ladder, person, chosen, list(raters), email)
    api = default_api(credentials, oauth)
    published = publish_assessment(ladder, ctx, api, split=split, shares=share_list,
                                   link=link_role, folder=folder, notify=not no_notify)
    for p in published:
        _echo(f"{p.url}  {p.title}")
    _warn_open_tabs([(ctx.person, t) for t in open_tabs(ctx)])


def _warn_open_tabs(tabs: Sequence[tuple[str, str]]) -> None:
    """Say which rater tabs (person, tab) any editor of their sheet can fill."""
    if not tabs:
        return
    shown_tabs = ", ".join(f"{person}: {tab!r}" for person, tab in tabs[:5]) + (
        f" and {len(tabs) - 5} more" if len(tabs) > 5 else "")
    _echo(f"warning: {len(tabs)} rater tab(s) have no email ({shown_tabs}): any editor of the "
          "sheet, the person rated included, can fill them; give each rater's email "
          "(--rater ROLE:NAME:EMAIL, or a roster's email columns, e.g. manager_email and "
          "peer_emails) so that only they can", err=True)


# -- read ---------------------------------------------------------------------------------------


@main.command("read")
@click.argument("workbooks", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True,
              help="Print JSON: an object for one WORKBOOK, a list for several.")
@click.option("-j", "--jobs", type=click.IntRange(min=0), default=0, show_default=True,
              help="Worker processes reading the files (the output is the same). 0: one per "
                   "100 files, at most one per CPU core; fewer than 200 files are read in this "
                   "process (a worker takes about half a second to start).")
@click.option("--keep", multiple=True, metavar="FILE",
              help="Of copies that disagree on a rater's tab, the one to use (repeatable).")
@click.option("--ladders", multiple=True, metavar="PATH", help=_LADDERS_HELP)
@click.option("--trust-new", is_flag=True, help=_TRUST_NEW_HELP)
def read_cmd(workbooks: tuple[str, ...], as_json: bool, jobs: int, keep: tuple[str, ...],
             ladders: tuple[str, ...], trust_new: bool) -> None:
    """Read filled WORKBOOKS (.xlsx files or Google Sheets URLs/ids), verify them against the
    definition embedded in each, and print the recomputed scores and every finding.

    Copies of one assessment (same person, period, raters and ladder), including --split
    files, are merged into one report; copies that disagree on a tab are an error until one is
    removed or named with --keep. Each embedded ladder is checked against the trusted ones
    (--ladders). A file that cannot be read is named on stderr in one line and the rest of the
    batch is still read.

    The text report shows the manager and peers only pooled, as Others, when fewer peers
    than the ladder's min_peers rated; --json holds every rater.

    Exits 0 when everything verified with no error findings, 1 when a report has an error
    finding, 2 when a file could not be read at all.
    """
    import json as _json

    from .process import default_jobs
    from .results.read import PER_WORKER, exit_code, read_many, report_json
    from .results.text import print_reports
    from .results.trust import TrustedLadders

    trusted = TrustedLadders.from_paths(list(ladders) or None, trust_new=trust_new)
    reports = read_many(list(workbooks), jobs=jobs or default_jobs(len(workbooks), PER_WORKER),
                        keep=keep, trusted=trusted)
    for r in reports:
        if r.unreadable:
            _echo(f"{r.file}: {r.unreadable}", err=True)
    if as_json:
        items = [report_json(r) for r in reports]
        payload: object = items[0] if len(workbooks) == 1 and len(items) == 1 else items
        click.echo(_json.dumps(payload, indent=2, ensure_ascii=False))
    else:
        print_reports([r for r in reports if not r.unreadable], trusted=trusted)
    _exit(exit_code(reports))
