"""Which ladders a reader trusts, and what a workbook's embedded ladder is measured against.

A workbook carries its own ladder, and its hash proves only that nobody edited it by hand
after rendering: anyone can render from a copy of a bundled definition with the same id and
version and different thresholds. So ``read`` and ``collect`` measure the embedded ladder
against ladders they trust: definition files (``--ladders``, by default ``definitions/*.yaml``
where that folder exists) and, for ``collect``, every ladder the history already holds.

* the same id, version and content as a trusted ladder: trusted;
* the same id and version, other content: refused, with a one-line account of what differs
  (``ladder sales-s1-s7 1.0.0 differs from definitions/sales-s1-s7.yaml: scoring.thresholds``);
* an id or version never seen: refused unless ``trust_new`` says to take it as it is.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from ..definition import DefinitionError, Ladder, load
from ..errors import SheetladderError

DEFAULT_FOLDER = "definitions"


class LadderFileError(SheetladderError):
    """A file given with --ladders does not load as a definition (nothing is read then)."""

    exit_code = 2


def default_ladder_paths(folder: str | Path = DEFAULT_FOLDER) -> list[str]:
    """``definitions/*.yaml`` (and .yml) where that folder exists here, else nothing; hidden
    files and editors' lock files (``._x.yaml`` from a Mac, ``.#x.yaml``, ``~$x.yaml``) are no
    definitions."""
    p = Path(folder)
    if not p.is_dir():
        return []
    return [str(f) for f in sorted([*p.glob("*.yaml"), *p.glob("*.yml")])
            if not f.name.startswith((".", "~$")) and f.is_file()]


Verdict = Literal["trusted", "differs", "new"]


@dataclass(frozen=True)
class Judgement:
    """What the trusted ladders say of one embedded ladder; ``ladder`` and ``origin`` are the
    trusted ladder with its id and version, when there is one."""

    verdict: Verdict
    message: str | None = None
    ladder: Ladder | None = None
    origin: str | None = None


@dataclass
class TrustedLadders:
    """Trusted ladders by (id, version), each with where it came from (a file, the history)."""

    trust_new: bool = False
    by_key: dict[tuple[str, str], list[tuple[Ladder, str]]] = field(default_factory=dict)
    hashes: set[str] = field(default_factory=set)
    described: str = ""  # the sources, for messages: "definitions/*.yaml"

    @classmethod
    def from_paths(cls, paths: Sequence[str] | None, trust_new: bool = False) -> TrustedLadders:
        """Ladders from definition files; ``None`` means the default folder."""
        if paths is None:
            chosen = default_ladder_paths()
            described = f"{DEFAULT_FOLDER}/*.yaml" if chosen else "no definitions folder here"
        else:
            chosen = []
            for given in paths:  # a folder gives its definitions, as the default folder does
                if Path(given).is_dir():
                    inside = default_ladder_paths(given)
                    if not inside:
                        raise LadderFileError(
                            f"--ladders {given}: a folder holding no definition (*.yaml, *.yml) at "
                            "its top level (folders inside it are not searched)")
                    chosen.extend(inside)
                else:
                    chosen.append(given)
            described = ", ".join(paths) or "none"
        trusted = cls(trust_new=trust_new, described=described)
        for path in chosen:
            try:
                # a ladder vouched for may predate a check new definitions are held to:
                # the workbooks made on it must stay readable
                ladder = load(path, authoring=False)
            except DefinitionError as e:
                if paths is None:
                    # a draft in the folder vouches for nothing; a workbook on its ladder is
                    # then refused as never seen, with what to do
                    continue
                first = e.problems[0] if e.problems else None
                raise LadderFileError(
                    f"--ladders {path}: not a usable definition ({first})") from None
            trusted.add(ladder, path)
        return trusted

    def add(self, ladder: Ladder, origin: str) -> None:
        if ladder.content_hash() in self.hashes:
            return
        self.hashes.add(ladder.content_hash())
        self.by_key.setdefault((ladder.id, ladder.version), []).append((ladder, origin))

    def add_all(self, items: Iterable[tuple[Ladder, str]]) -> None:
        for ladder, origin in items:
            self.add(ladder, origin)

    def judge(self, ladder: Ladder) -> Judgement:
        known = self.by_key.get((ladder.id, ladder.version), [])
        for trusted, origin in known:
            if trusted.content_hash() == ladder.content_hash():
                return Judgement("trusted", None, trusted, origin)
        if known:
            trusted, origin = known[0]
            return Judgement("differs", (
                f"ladder {ladder.id} {ladder.version} differs from {origin}: "
                f"{ladder_difference(trusted, ladder)}"), trusted, origin)
        if self.trust_new:
            return Judgement("trusted")
        return Judgement("new", (
            f"ladder {ladder.id} {ladder.version} is not a trusted ladder (trusted: "
            f"{self.described}); if it is yours, name its definition with --ladders FILE, or "
            "pass --trust-new to take the ladder the workbook embeds as it is"))


def _label(item: Any, i: int) -> str:
    if isinstance(item, dict):
        for key in ("id", "code"):
            if isinstance(item.get(key), str):
                return f"[{item[key]}]"
    return f"[{i}]"


def _paths(a: Any, b: Any, where: str, out: list[str]) -> None:
    if a == b:
        return
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b)):
            _paths(a.get(key), b.get(key), f"{where}.{key}" if where else key, out)
        return
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b) and \
            all(isinstance(x, dict) for x in a + b):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _paths(x, y, where + _label(x, i), out)
        return
    out.append(where or "(everything)")


def ladder_difference(trusted: Ladder, other: Ladder, most: int = 3) -> str:
    """The places where two ladders differ, as dotted paths: ``scoring.thresholds``,
    ``groups[hard].categories[product-knowledge].weight``."""
    out: list[str] = []
    _paths(json.loads(trusted.canonical_json()), json.loads(other.canonical_json()), "", out)
    shown = ", ".join(out[:most])
    return shown + (f" and {len(out) - most} more" if len(out) > most else "")
