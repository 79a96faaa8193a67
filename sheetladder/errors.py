"""The one error family of the library.

Every error sheetladder raises on purpose derives from :class:`SheetladderError`. It carries the
exit code the command line ends with and the lines it prints, so the CLI has a single handler
(``cli._handle``) and no command holds error plumbing of its own.
"""

from __future__ import annotations

import re


class SheetladderError(Exception):
    """Base of every error the library raises for bad input, a refused action or a failed call.

    ``exit_code``: 1 for bad input or a refusal, 2 for a file or service that cannot be used at
    all (an unreadable workbook, a database that cannot be opened).
    """

    exit_code: int = 1
    prefix: str = "error: "

    def lines(self) -> list[str]:
        """What a user is told: the message's first line after the prefix, the rest (details
        under it, such as an importer's best guess) as they are."""
        first, *rest = str(self).strip().splitlines() or [type(self).__name__]
        return [self.prefix + first, *rest]


class BadInput(SheetladderError, ValueError):
    """A value a person gave (an option, a roster cell, a name) that cannot be used as it is."""


class OutputError(SheetladderError):
    """A file could not be written: it exists (and no --force), or the folder refuses it."""


class OutputExists(OutputError, FileExistsError):
    """The file to write exists and may hold someone's work; only an explicit --force replaces it."""


class UnreadableWorkbook(SheetladderError):
    """A file that cannot be read as a workbook at all (the reader's exit code 2)."""

    exit_code = 2
    prefix = ""

    def __init__(self, source: str, reason: str):
        reason = re.sub(r"[\x00-\x1f\x7f]+", " ", reason).strip()  # always one line
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason

    def __reduce__(self) -> tuple[type[UnreadableWorkbook], tuple[str, str]]:
        return (type(self), (self.source, self.reason))


class CsvNotWorkbook(UnreadableWorkbook):
    """A text file saved as CSV (or a file named .csv) given where an .xlsx workbook is
    expected: a CSV holds one sheet's values, so it is named as such with what to do. Callers
    that take CSV files another way (the importer) tell it by this class, never by its text."""


class EncryptedWorkbook(UnreadableWorkbook):
    """A password-encrypted file (.xlsx/.xlsm, .xls or .ods): nothing in it can be read without
    the password, so it is named as such instead of as a damaged or foreign file."""


def encrypted_reason(kind: str) -> str:
    """The one line a user gets for an encrypted ``kind`` ('workbook', 'spreadsheet')."""
    return f"encrypted: the {kind} needs a password to open; open it and save it without a password"

