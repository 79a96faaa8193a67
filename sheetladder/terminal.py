"""Text bound for a terminal: what people wrote (names, comments, file names) is shown there,
never obeyed.

A rater's comment, a person's name or a file's name can hold control characters (a
spreadsheet keeps ESC as ``_x001B_``, a file system allows nearly any byte in a name). Printed
as they are, ESC and the C1 controls start escape sequences that recolour, move or clear the
screen, set the window's title or hide a line, and a backspace or carriage return overwrites
what came before. Every line the CLI prints for people goes through :func:`shown`, and the rich
consoles it prints with come from :func:`console`. Machine formats (JSON, CSV, YAML) are left
as they are: their own rules carry such characters.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

# C0 controls but tab and line feed, DEL, and C1 (U+0080-U+009F: CSI, OSC ... on terminals that
# read them as 8-bit controls)
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _escape(m: re.Match[str]) -> str:
    return f"\\x{ord(m.group()):02x}"


def shown(text: str) -> str:
    """``text`` with each control character a terminal would act on written out as ``\\xNN``
    (ESC as ``\\x1b``); tabs and line breaks stay."""
    return _CONTROL.sub(_escape, text) if _CONTROL.search(text) else text


@functools.cache
def _console_class() -> type[Console]:
    from rich.console import Console
    from rich.segment import Segment

    class TerminalConsole(Console):
        """A rich console whose text passes :func:`shown`: strings before they are laid out,
        and whatever else is rendered (a ``Text`` made elsewhere, a progress bar's
        description) as it is written, where a line so shown comes out wider than laid out
        and may be cropped. rich's own control segments (the cursor moves of a live display)
        and styling still reach the terminal."""

        def render_str(self, text: str, **kwargs: Any) -> Any:
            return super().render_str(shown(text), **kwargs)  # before layout: nothing cropped

        def render(self, renderable: Any, options: Any = None) -> Iterator[Segment]:
            for seg in super().render(renderable, options):
                if seg.control is None and _CONTROL.search(seg.text):
                    yield Segment(shown(seg.text), seg.style)
                else:
                    yield seg

    return TerminalConsole


def console(**kwargs: Any) -> Console:
    """A rich ``Console(**kwargs)`` that shows control characters in strings rather than
    sending them (:func:`shown`)."""
    return _console_class()(**kwargs)
