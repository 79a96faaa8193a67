"""A small history for the report tests: two teams, three raters each, comments, two periods;
and the same with an HTML-injection payload in every text a user writes."""

from __future__ import annotations

import json
import random
from pathlib import Path

from sheetladder.context import make_context
from sheetladder.definition import Ladder, load_text
from sheetladder.results.store import History

from .test_history import make_report

PAYLOADS = ("<script>window.__pwned=1</script>", '"><img src=x onerror="window.__pwned=2">',
            "{{7*7}}")
PAYLOAD = " ".join(PAYLOADS)

LADDER = """\
id: report-test
name: {name}
version: "1"
min_peers: 0
levels:
  - {{code: L1, name: {l1}}}
  - {{code: L2, name: Practitioner}}
  - {{code: L3, name: Expert}}
  - {{code: L4, name: Leader}}
groups:
  - id: craft
    name: {group}
    categories:
      - {{id: discovery, name: {cat}, descriptors: {{L1: {d}, L2: Adapts questions,
          L3: Teaches discovery, L4: Shapes the method}}}}
      - {{id: closing, name: Closing, weight: 2, descriptors: {{L1: Closes with help, L2: {d},
          L3: Closes the hardest deals, L4: Coaches closers}}}}
      - {{id: pipeline, name: Pipeline, descriptors: {{L1: Keeps a list, L2: Forecasts a quarter,
          L3: {d}, L4: Runs the forecast}}}}
  - id: team
    name: Teamwork
    categories:
      - {{id: mentoring, name: Mentoring, descriptors: {{L1: Asks for help, L2: Helps peers,
          L3: Mentors, L4: {d}}}}}
      - {{id: feedback, name: Feedback, descriptors: {{L1: Takes it, L2: Gives it,
          L3: Seeks it, L4: Builds the culture}}}}
"""


def _q(text: str) -> str:
    return json.dumps(text)  # a JSON string is a YAML double-quoted scalar


def ladder(hostile: bool = False) -> Ladder:
    if hostile:
        p = _q(PAYLOAD)
        text = LADDER.format(name=p, l1=p, group=p, cat=p, d=p)
    else:
        text = LADDER.format(name="Report test ladder", l1="Starter", group="Craft",
                             cat="Discovery", d="Does the work of this level")
    return load_text(text, "report-test.yaml")


PEOPLE = [("Ana Diaz", "North", "Bo Chen"), ("Ben Ortiz", "North", "Bo Chen"),
          ("Eva Lind", "South", "Cy Park"), ("ANA DIAZ 2", "South", "Cy Park")]


def fill(db: Path, hostile: bool = False, seed: int = 7, lad: Ladder | None = None,
         suffix: str = "") -> Ladder:
    """A history at ``db``: 2026-Q3 and 2026-Q4 for every person (the last one misses Q3), of
    :func:`ladder` or ``lad``; ``suffix`` ends each person's name."""
    lad = lad or ladder(hostile)
    first, second = lad.categories[0].id, lad.categories[1].id
    rnd = random.Random(seed)
    with History(str(db)) as h:
        for k, period in enumerate(("2026-Q3", "2026-Q4")):
            for i, (person, team, manager) in enumerate(PEOPLE):
                if k == 0 and i == len(PEOPLE) - 1:
                    continue
                name = (f"{PAYLOAD} {person}" if hostile else person) + suffix
                tname = f"{PAYLOAD} {team}" if hostile else team
                mname = f"{PAYLOAD} {manager}" if hostile else manager
                ctx = make_context(lad, name, period,
                                   [("self", None, None), ("manager", mname, None),
                                    ("peer", "Peer A", None), ("peer", "Peer B", None)],
                                   team=tname)
                top = len(lad.codes)
                ratings = {s.tab: {c.id: min(top, max(1, 1 + k + i % 3 + rnd.choice((-1, 0, 1))))
                                   for c in lad.categories} for s in ctx.raters}
                comments = {ctx.raters[0].tab: {first: "I ran discovery for two accounts."},
                            ctx.raters[1].tab: {second: (PAYLOAD if hostile else
                                                            "Closed the Acme deal alone.")}}
                h.ingest(make_report(lad, ctx, ratings, comments=comments,
                                     file=f"{i}-{period}{suffix}.xlsx"), lad)
    return lad
