"""The importer on real published ladders: the shared corpus (../shared/corpus, never copied
into the repository) and the committed one built from tests/corpus/sources (issue 16).

The contract: a matrix is imported right or refused; never a wrong ladder, never a non-ladder
taken for one. benchmarks/import_corpus.py measures the same through the CLI, with timings."""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from sheetladder.errors import SheetladderError
from sheetladder.importer.detect import import_matrix
from sheetladder.importer.emit import default_name, definition_yaml

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("import_corpus", ROOT / "benchmarks" / "import_corpus.py")
assert _spec and _spec.loader
bench: Any = importlib.util.module_from_spec(_spec)
sys.modules["import_corpus"] = bench
_spec.loader.exec_module(bench)
SHARED = bench.default_corpus()
COMMITTED = ROOT / "tests" / "corpus"


def _shared() -> Path:
    if not (SHARED / "import" / "ground_truth.json").exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"the shared corpus is missing at {SHARED}")
        pytest.skip(f"the shared corpus is missing at {SHARED}")
    return SHARED


def _imported(path: Path) -> dict[str, Any] | None:
    """The definition written for ``path`` as data, or None when the import is refused."""
    try:
        det = import_matrix(str(path))
        text = definition_yaml(det, "x", default_name(det))
    except SheetladderError:
        return None
    data: dict[str, Any] = YAML(typ="safe").load(text)
    return data


def _judge(corpus: Path) -> tuple[list[str], list[str], int]:
    truths = json.loads((corpus / "import" / "ground_truth.json").read_text(encoding="utf-8"))
    wrong, refused, right = [], [], 0
    for name, t in truths.items():
        data = _imported(corpus / "import" / name)
        if t["expect"] != "matrix":
            if data is not None:
                wrong.append(f"{name}: a ladder written where a refusal was expected")
            continue
        if data is None:
            refused.append(name)
            continue
        why = bench.compare(t, data)
        if why:
            wrong.append(f"{name}: {why}")
        else:
            right += 1
    return wrong, refused, right


def test_no_published_ladder_of_the_shared_corpus_is_imported_wrong() -> None:
    wrong, refused, right = _judge(_shared())
    assert wrong == []
    assert right >= 13, refused  # the target: 90% of its 14 matrices


def test_no_foreign_workbook_of_the_shared_corpus_is_taken_for_a_ladder() -> None:
    foreign = _shared() / "foreign"
    taken = [p.name for p in sorted(foreign.iterdir())
             if p.suffix.lower() not in (".json", ".md") and p.stat().st_size < 2_000_000
             and _imported(p) is not None]
    assert taken == []


def test_the_committed_corpus_is_imported_right_or_refused(tmp_path: Path) -> None:
    build_spec = importlib.util.spec_from_file_location("corpus_build", COMMITTED / "build.py")
    assert build_spec and build_spec.loader
    build: Any = importlib.util.module_from_spec(build_spec)
    build_spec.loader.exec_module(build)
    truths = build.build(tmp_path)
    assert len(truths) >= 10
    wrong, refused, right = _judge(tmp_path)
    assert wrong == []
    assert right >= 7, refused



def _manifest_hashes() -> dict[str, str]:
    """The foreign files' sha256 as tests/corpus/MANIFEST.md records them."""
    import re

    text = (COMMITTED / "MANIFEST.md").read_text(encoding="utf-8")
    return dict(re.findall(r"^\| `([^`]+)` \| [^|]+ \| `([0-9a-f]{64})` \|$", text, re.M))


def test_every_committed_file_has_its_provenance_and_licence_in_the_manifest() -> None:
    import hashlib

    recorded = _manifest_hashes()
    foreign = sorted(p.name for p in (COMMITTED / "foreign").iterdir())
    assert foreign and sorted(recorded) == foreign
    for name in foreign:
        assert hashlib.sha256((COMMITTED / "foreign" / name).read_bytes()).hexdigest() == \
            recorded[name], f"{name} is not the file the manifest records"
    text = (COMMITTED / "MANIFEST.md").read_text(encoding="utf-8")
    for src in sorted((COMMITTED / "sources").glob("*.json")):
        data = json.loads(src.read_text(encoding="utf-8"))
        assert f"`{src.name}`" in text and data["source"] in text and data["commit"][:12] in text
        assert data["licence"].startswith("MIT")
    assert text.count("Permission is hereby granted") == 3  # the three sources' notices


@pytest.mark.parametrize("name", sorted(p.name for p in (COMMITTED / "foreign").iterdir()))
def test_no_committed_foreign_workbook_is_taken_for_a_ladder_or_read_as_an_assessment(
        name: str) -> None:
    from click.testing import CliRunner

    from sheetladder.cli import main

    path = COMMITTED / "foreign" / name
    assert _imported(path) is None
    res = CliRunner().invoke(main, ["read", str(path)])
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output and len(res.output.strip().splitlines()) <= 3
