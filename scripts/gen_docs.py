#!/usr/bin/env python3
"""Generate docs/cli.md from the commands' --help and docs/definition-format.md from the JSON
Schema. tests/test_docs.py fails when the committed files differ from what this writes.

Usage: python scripts/gen_docs.py [--check]
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import click

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sheetladder.cli import HELP_WIDTH, main  # noqa: E402
from sheetladder.definition import LIMITS, json_schema  # noqa: E402


def real_help(*args: str) -> str:
    """What ``sheetladder ARGS --help`` prints in a terminal at least HELP_WIDTH wide (click
    never prints wider): the real command, run in a process of its own."""
    env = {**os.environ, "COLUMNS": str(HELP_WIDTH + 20), "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-m", "sheetladder", *args, "--help"], env=env,
                          capture_output=True, text=True, check=True)
    return proc.stdout.rstrip()


def cli_reference() -> str:
    out = ["# Command reference", "",
           "Generated from the real `--help` of each command by `scripts/gen_docs.py`; do not "
           "edit by hand.", ""]
    out += ["```", real_help(), "```", ""]
    ctx = click.Context(main, info_name="sheetladder")
    for name in sorted(main.list_commands(ctx)):
        out += [f"## sheetladder {name}", "", "```", real_help(name), "```", ""]
    return "\n".join(out)


def _type(prop: dict[str, Any]) -> str:
    if "$ref" in prop:
        return prop["$ref"].split("/")[-1]
    if "anyOf" in prop:
        return " or ".join(_type(p) for p in prop["anyOf"])
    if prop.get("type") == "array":
        return f"list of {_type(prop.get('items', {}))}"
    if prop.get("type") == "object" and "additionalProperties" in prop:
        return f"mapping to {_type(prop['additionalProperties'])}"
    return str(prop.get("type", "any"))


def _table(name: str, schema: dict[str, Any]) -> list[str]:
    required = set(schema.get("required", []))
    out = [f"## {name}", ""]
    if schema.get("description"):
        out += [" ".join(schema["description"].split()), ""]
    out += ["| key | type | required | default | meaning |", "| --- | --- | --- | --- | --- |"]
    for key, prop in schema.get("properties", {}).items():
        default = prop.get("default", "")
        default = "" if default in ("", None, [], {}) else f"`{default}`"
        desc = " ".join(str(prop.get("description", "")).split())
        pattern = prop.get("pattern")
        if pattern:
            desc = (desc + f" Pattern `{pattern}`.").strip()
        out.append(f"| `{key}` | {_type(prop)} | {'yes' if key in required else ''} | "
                   f"{default} | {desc} |")
    return out + [""]


def definition_reference() -> str:
    schema = json_schema()
    out = ["# Definition format reference", "",
           "Generated from the JSON Schema (`definitions/schema.json`) by `scripts/gen_docs.py`; "
           "do not edit by hand. Unknown keys are errors everywhere.", ""]
    out += _table("Ladder (the file)", schema)
    for name, sub in sorted(schema.get("$defs", {}).items()):
        out += _table(name, sub)
    out += ["## Limits", "",
            "One set of limits, checked by `validate` (and so by every command that loads a "
            "definition): whatever validates renders, opens in Excel, LibreOffice and Google "
            "Sheets, and reads back. A definition past any of them is refused, located at the "
            "node concerned; nothing is ever cut.", "",
            "| what | limit |", "| --- | --- |"]
    out += [f"| {what} | {limit} |" for what, limit in LIMITS]
    return "\n".join(out) + "\n"


FILES = {"docs/cli.md": cli_reference, "docs/definition-format.md": definition_reference}


def main_() -> int:
    check = "--check" in sys.argv
    stale = []
    for rel, make in FILES.items():
        text = make()
        path = ROOT / rel
        if check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(rel)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    if stale:
        print("stale: " + ", ".join(stale) + " (run python scripts/gen_docs.py)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main_())
