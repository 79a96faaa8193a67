"""What a printed page looks like to a reader: text sizes and page sizes of a PDF.

pdfplumber (pdfminer) gives every glyph's size as drawn on the page, i.e. the font size times
any scaling the application applied to fit the sheet onto the paper, which is the size a
reader sees. LibreOffice's "fit to page" shrinks the whole page, so it shows up here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pdfplumber

# points per inch / paper sizes in points (portrait width, height)
PAPER_POINTS = {"a4": (595.3, 841.9), "letter": (612.0, 792.0)}


@dataclass(frozen=True)
class PageText:
    number: int  # 1-based
    width: float
    height: float
    smallest: float | None  # smallest glyph size in points (None: no text on the page)
    smallest_text: str  # the word that holds the smallest glyph, to say what is too small
    text: str


def pages(pdf: Path) -> list[PageText]:
    """Every page of ``pdf`` with the smallest visible glyph on it."""
    out: list[PageText] = []
    with pdfplumber.open(pdf) as doc:
        for i, page in enumerate(doc.pages, start=1):
            chars = [c for c in page.chars if c["text"].strip()]
            smallest: float | None = None
            word = ""
            if chars:
                small = min(chars, key=lambda c: c["size"])
                smallest = round(float(small["size"]), 2)
                line = [c for c in chars if abs(c["top"] - small["top"]) < 1]
                line.sort(key=lambda c: c["x0"])
                word = "".join(c["text"] for c in line)[:60]
            out.append(PageText(number=i, width=float(page.width), height=float(page.height),
                                smallest=smallest, smallest_text=word,
                                text=page.extract_text() or ""))
    return out


def paper_of(page: PageText) -> tuple[str, str]:
    """(paper, orientation) of a page, within a point of A4 or Letter; ("?", ...) otherwise."""
    w, h = page.width, page.height
    orientation = "landscape" if w > h else "portrait"
    short, long_ = sorted((w, h))
    for name, (pw, ph) in PAPER_POINTS.items():
        if abs(short - pw) < 1.5 and abs(long_ - ph) < 1.5:
            return name, orientation
    return "?", orientation
