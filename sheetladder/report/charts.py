"""Inline SVG charts for the report pages: radar, level distribution bars, trend line, and the
colours of the heatmap.

Every chart is a string of SVG built with :class:`markupsafe.Markup`, whose ``format`` escapes
each value put into it: a category named ``<script>`` is drawn as that text. Each chart
carries its text alternative (``role="img"``, ``aria-labelledby`` a ``<title>`` and a
``<desc>``); the pages put a data table beside each chart too.

Sizes are in CSS pixels and charts are never scaled down on paper (the print stylesheet keeps
them at their own width, which fits A4 and Letter portrait), so a 12 px label prints at 9 pt.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup

from ..results.export import heat_colour

FONT_PX = 12  # the smallest text in a chart: 9 pt on paper
LABEL_CHARS = 25  # a radar label longer than this is cut (the full name is in its <title>)


@dataclass(frozen=True)
class Series:
    """One line of a chart: its label, values (None: not rated), colour and dash pattern (so
    that lines differ without colour too)."""

    label: str
    values: Sequence[float | None]
    colour: str
    dash: str = ""


# Colours with at least 4.5:1 contrast on white; the dash patterns tell them apart in grey.
ROLE_STYLES = (("#1F4E8C", ""), ("#A34700", "6 3"), ("#2E6B1F", "2 3"), ("#6A2C91", "8 3 2 3"),
               ("#8A1C1C", "1 2"))


def _num(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def _label(text: str, limit: int = LABEL_CHARS) -> str:
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def _head(uid: str, width: int, height: int, title: str, desc: str) -> Markup:
    return Markup(
        '<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="{w}" '
        'height="{h}" viewBox="0 0 {w} {h}" aria-labelledby="{u}-t {u}-d">'
        '<title id="{u}-t">{t}</title><desc id="{u}-d">{d}</desc>'
    ).format(w=width, h=height, u=uid, t=title, d=desc)


def radar(uid: str, axes: Sequence[str], series: Sequence[Series], levels: Sequence[str],
          title: str, desc: str) -> Markup:
    """A radar of ``series`` over ``axes`` (categories), rings at each level (1 .. len(levels)).
    An axis a series has no value for breaks its outline there (no point at 0 pretending a
    rating)."""
    n = len(axes)
    width, height = 640, 500
    cx, cy, radius = width / 2, height / 2 + 6, 170.0
    top = max(1, len(levels))
    out = [_head(uid, width, height, title, desc)]

    def point(i: int, value: float) -> tuple[float, float]:
        angle = -math.pi / 2 + 2 * math.pi * i / max(1, n)
        r = radius * max(0.0, min(value, top)) / top
        return cx + r * math.cos(angle), cy + r * math.sin(angle)

    for k in range(1, top + 1):  # the level rings, and their codes on the upward axis
        ring = " ".join(f"{x:.1f},{y:.1f}" for x, y in (point(i, k) for i in range(n)))
        out.append(Markup('<polygon points="{}" fill="none" stroke="#B8B8B8" '
                          'stroke-width="1"/>').format(ring))
        x, y = point(0, k)
        out.append(Markup('<text x="{:.1f}" y="{:.1f}" font-size="{}" fill="#444">{}</text>')
                   .format(x + 4, y + 4, FONT_PX, levels[k - 1]))
    for i, name in enumerate(axes):
        x, y = point(i, top)
        out.append(Markup('<line x1="{:.1f}" y1="{:.1f}" x2="{:.1f}" y2="{:.1f}" '
                          'stroke="#CCCCCC"/>').format(cx, cy, x, y))
        lx, ly = point(i, top * 1.08)
        anchor = "middle" if abs(lx - cx) < 8 else ("start" if lx > cx else "end")
        ly += 10 if ly > cy + 8 else (-2 if ly < cy - 8 else 4)
        out.append(Markup('<text x="{:.1f}" y="{:.1f}" font-size="{}" text-anchor="{}" '
                          'fill="#222"><title>{}</title>{}</text>')
                   .format(lx, ly, FONT_PX, anchor, name, _label(name)))
    for s in series:
        pts = [None if v is None else point(i, v) for i, v in enumerate(s.values)]
        # whole outline when every axis is rated; else only the runs of rated axes
        runs: list[list[tuple[float, float]]] = [[]]
        for p in pts:
            if p is None:
                runs.append([])
            else:
                runs[-1].append(p)
        if len(runs) == 1 and runs[0]:  # every axis rated: a filled outline
            out.append(Markup('<polygon points="{}" fill="{}" fill-opacity="0.12" stroke="{}" '
                              'stroke-width="2.5" stroke-dasharray="{}"/>').format(
                " ".join(f"{x:.1f},{y:.1f}" for x, y in runs[0]), s.colour, s.colour,
                s.dash or "none"))
        else:
            if pts and pts[0] is not None and pts[-1] is not None and len(runs) > 1:
                runs[0] = runs.pop() + runs[0]  # the outline is a ring: join across the start
            for run in runs:
                if len(run) > 1:
                    out.append(Markup('<polyline points="{}" fill="none" stroke="{}" '
                                      'stroke-width="2.5" stroke-dasharray="{}"/>').format(
                        " ".join(f"{x:.1f},{y:.1f}" for x, y in run), s.colour, s.dash or "none"))
        for p in pts:
            if p is not None:
                out.append(Markup('<circle cx="{:.1f}" cy="{:.1f}" r="3.5" fill="{}"/>')
                           .format(p[0], p[1], s.colour))
    out.append(_legend(series, 12, 18))
    out.append(Markup("</svg>"))
    return Markup("").join(out)


def _legend(series: Sequence[Series], x: float, y: float) -> Markup:
    out = []
    for j, s in enumerate(series):
        yy = y + j * 20
        out.append(Markup('<line x1="{:.1f}" y1="{:.1f}" x2="{:.1f}" y2="{:.1f}" stroke="{}" '
                          'stroke-width="3" stroke-dasharray="{}"/>'
                          '<text x="{:.1f}" y="{:.1f}" font-size="{}" fill="#222">{}</text>')
                   .format(x, yy, x + 28, yy, s.colour, s.dash or "none", x + 34, yy + 4,
                           FONT_PX, _label(s.label, 30)))
    return Markup("").join(out)


def bars(uid: str, labels: Sequence[str], counts: Sequence[int], title: str, desc: str) -> Markup:
    """Vertical bars: people per level, each bar labelled with its count."""
    n = max(1, len(labels))
    width = min(600, 80 + 70 * n)
    height = 240
    base, top_y = 200, 30
    most = max([1, *counts])
    step = (width - 60) / n
    out = [_head(uid, width, height, title, desc),
           Markup('<line x1="40" y1="{b}" x2="{w}" y2="{b}" stroke="#444"/>').format(
               b=base, w=width - 10)]
    for i, (label, count) in enumerate(zip(labels, counts, strict=True)):
        h = (base - top_y) * count / most
        x = 45 + i * step
        bw = step * 0.7
        out.append(Markup('<rect x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}" '
                          'fill="#1F4E8C"/>').format(x, base - h, bw, h))
        out.append(Markup('<text x="{:.1f}" y="{:.1f}" font-size="{}" text-anchor="middle" '
                          'fill="#222">{}</text>').format(x + bw / 2, base - h - 5, FONT_PX + 1,
                                                          count))
        out.append(Markup('<text x="{:.1f}" y="{:.1f}" font-size="{}" text-anchor="middle" '
                          'fill="#222"><title>{}</title>{}</text>').format(
            x + bw / 2, base + 18, FONT_PX, label, _label(label, max(4, int(step / 7)))))
    out.append(Markup("</svg>"))
    return Markup("").join(out)


def trend(uid: str, periods: Sequence[str], values: Sequence[float | None], title: str,
          desc: str, unit: str = "points") -> Markup:
    """A line over the periods held: a point per period with a value, joined where adjacent."""
    n = max(1, len(periods))
    width, height = min(600, 120 + 90 * n), 220
    left, right, top_y, base = 56, width - 30, 24, 170
    held = [v for v in values if v is not None]
    hi = max(held) if held else 1.0
    hi = hi if hi > 0 else 1.0
    xs = [left + (right - left) * (i / (n - 1) if n > 1 else 0.5) for i in range(n)]

    def y_of(v: float) -> float:
        return base - (base - top_y) * v / hi

    out = [_head(uid, width, height, title, desc),
           Markup('<line x1="{l}" y1="{b}" x2="{r}" y2="{b}" stroke="#444"/>'
                  '<line x1="{l}" y1="{t}" x2="{l}" y2="{b}" stroke="#444"/>'
                  '<text x="{tx}" y="{ty}" font-size="{f}" fill="#444">{u}</text>'
                  ).format(l=left, b=base, r=right, t=top_y, tx=4, ty=top_y - 8, f=FONT_PX,
                           u=unit),
           Markup('<text x="{}" y="{:.1f}" font-size="{}" text-anchor="end" fill="#444">{}</text>'
                  '<text x="{}" y="{:.1f}" font-size="{}" text-anchor="end" fill="#444">0</text>'
                  ).format(left - 4, y_of(hi) + 4, FONT_PX, _num(hi), left - 4, base + 4,
                           FONT_PX)]
    prev: tuple[float, float] | None = None
    for x, v, p in zip(xs, values, periods, strict=True):
        out.append(Markup('<text x="{:.1f}" y="{}" font-size="{}" text-anchor="middle" '
                          'fill="#222">{}</text>').format(x, base + 20, FONT_PX, _label(p, 12)))
        if v is None:
            prev = None
            continue
        pt = (x, y_of(v))
        if prev is not None:
            out.append(Markup('<line x1="{:.1f}" y1="{:.1f}" x2="{:.1f}" y2="{:.1f}" '
                              'stroke="#1F4E8C" stroke-width="2.5"/>').format(*prev, *pt))
        out.append(Markup('<circle cx="{:.1f}" cy="{:.1f}" r="4" fill="#1F4E8C"/>'
                          '<text x="{:.1f}" y="{:.1f}" font-size="{}" text-anchor="middle" '
                          'fill="#222">{}</text>').format(*pt, pt[0], pt[1] - 9, FONT_PX,
                                                         _num(v)))
        prev = pt
    out.append(Markup("</svg>"))
    return Markup("").join(out)


def progress(uid: str, share: float | None, title: str, desc: str) -> Markup:
    """A bar filled to ``share`` (0..1) of the way to the next level."""
    width, height = 320, 22
    fill = 0.0 if share is None else max(0.0, min(1.0, share))
    return _head(uid, width, height, title, desc) + Markup(
        '<rect x="0.5" y="0.5" width="{w}" height="{h}" fill="#FFFFFF" stroke="#444"/>'
        '<rect x="1" y="1" width="{f:.1f}" height="{hh}" fill="#1F4E8C"/></svg>'
    ).format(w=width - 1, h=height - 1, f=(width - 2) * fill, hh=height - 2)


def heat(value: float | None, lo: float, hi: float) -> str:
    """The heatmap's background for a consensus level (the XLSX heatmap's colour scale)."""
    return "#FFFFFF" if value is None else heat_colour(value, lo, hi)
