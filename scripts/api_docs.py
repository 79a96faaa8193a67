#!/usr/bin/env python3
"""Build the API reference of the library with pdoc: the public API (``sheetladder``) and every
module under it, as static HTML.

Usage: python scripts/api_docs.py [-o OUT]   (default OUT: output/api; open OUT/index.html)
"""

from __future__ import annotations

import argparse
import pkgutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pdoc  # noqa: E402

import sheetladder  # noqa: E402


def modules() -> list[str]:
    """``sheetladder`` and the modules and subpackages right under it: its ``__all__`` keeps
    pdoc from walking into them, and pdoc walks each subpackage itself."""
    names = ["sheetladder"]
    for info in pkgutil.iter_modules(sheetladder.__path__, "sheetladder."):
        if not info.name.endswith("__main__"):
            names.append(info.name)
    return sorted(names)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", default=str(ROOT / "output" / "api"))
    args = parser.parse_args()
    pdoc.pdoc(*modules(), output_directory=Path(args.output))
    print(f"wrote {args.output}/index.html")


if __name__ == "__main__":
    main()
