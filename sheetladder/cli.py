"""The sheetladder command line: a thin click layer over the library.

Each command parses options, calls one library function, and turns library errors into a
message and an exit code. Tracebacks are never shown for bad input.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from . import __version__
from .definition import DefinitionError, load, scaffold, schema_text, validate_files


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="sheetladder")
def main() -> None:
    """Turn career-ladder definitions into spreadsheets people fill in, and read them back."""


def load_or_exit(path: str) -> object:
    try:
        return load(path)
    except DefinitionError as e:
        for p in e.problems:
            click.echo(str(p), err=True)
        sys.exit(1)


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
def validate(files: tuple[str, ...]) -> None:
    """Check ladder definitions; print FILE:LINE:COL: message for each problem.

    Exits 1 when any file has a problem, 0 when all are valid.
    """
    bad = 0
    for problem in validate_files(list(files)):
        click.echo(str(problem))
        bad += 1
    if bad:
        click.echo(f"{bad} problem(s) found", err=True)
        sys.exit(1)
    click.echo(f"{len(files)} definition(s) valid")


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
    out = Path(output)
    if out.exists() and not force:
        click.echo(f"{out}: already exists; use --force to replace it", err=True)
        sys.exit(1)
    text = scaffold(ladder_id, name, parsed_levels, parsed_groups)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    problems = list(validate_files([str(out)]))
    for p in problems:
        click.echo(str(p), err=True)
    if problems:
        sys.exit(1)
    click.echo(f"wrote {out}")


@main.command()
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="Write the schema here instead of printing it.")
def schema(output: str | None) -> None:
    """Print the JSON Schema of the definition format (definitions/schema.json)."""
    text = schema_text()
    if output:
        Path(output).write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)


# -- further commands are added below, one section each --------------------------------------
