"""Run `sheetladder import` with the prototype detection (until the layout move lands)."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import choose  # noqa: E402

import sheetladder.importer as imp  # noqa: E402
from sheetladder.cli import main  # noqa: E402

imp.import_matrix = choose.import_matrix
main(["import", *sys.argv[1:]])
