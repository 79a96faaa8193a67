"""pytest -p patch_plugin: the existing import tests against the prototype detection."""
import choose

import sheetladder.importer as imp

imp.import_matrix = choose.import_matrix
