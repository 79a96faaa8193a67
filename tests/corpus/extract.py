"""Extract the source data of the committed corpus from local clones of the source repositories.

    python tests/corpus/extract.py MONZO_GIT_DIR MYUNIDAYS_GIT_DIR

Run once by hand (the clones are not needed afterwards): it writes tests/corpus/sources/*.json,
each holding one framework exactly as its source states it (titles, levels, topics, criteria,
summaries) plus where it came from (repository, path, commit, licence). Nothing is reworded.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import yaml

OUT = Path(__file__).resolve().parent / "sources"

MONZO = ["customer-operations.md", "executive-support.md", "generic.md", "marketing.md",
         "product.md", "techops.md", "engineering/qualityanalyst.md",
         "operations/ops-individual-contributor.md", "engineering/backend.md",
         "engineering/mobile.md"]
MYUNIDAYS = ["product.json", "core-competencies.json"]


def git(repo: str, *args: str) -> str:
    return subprocess.run(["git", "-C", repo, *args], check=True, capture_output=True,
                          text=True).stdout


def monzo(repo: str) -> None:
    commit = git(repo, "rev-parse", "HEAD").strip()
    for name in MONZO:
        path = f"frameworks/{name}"
        text = git(repo, "show", f"HEAD:{path}")
        front = yaml.safe_load(text.split("---", 2)[1])
        topics = []
        for t in front["topics"]:
            topics.append({
                "name": t["name"], "title": t.get("title"),
                "levels": {str(c["level"]): list(c.get("criteria") or []) for c in t["content"]},
            })
        data = {"source": "monzo/progression-framework", "path": path, "commit": commit,
                "licence": "MIT (Copyright (c) 2019 Monzo Bank Limited)",
                "title": front["title"], "sidebarGroup": front.get("sidebarGroup"),
                "levels": int(front["levels"]), "topics": topics}
        stem = "monzo-" + Path(name).stem
        (OUT / f"{stem}.json").write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n",
                                          encoding="utf-8")


def myunidays(repo: str) -> None:
    commit = git(repo, "rev-parse", "HEAD").strip()
    for name in MYUNIDAYS:
        path = f"content/competencies/{name}"
        src = json.loads(git(repo, "show", f"HEAD:{path}"))
        topics = [{"title": t["title"], "summary": t.get("summary", ""),
                   "levels": [{"title": lv["title"], "criteria": list(lv.get("criteria") or [])}
                              for lv in t["levels"]]} for t in src["topics"]]
        data = {"source": "MyUNiDAYS/competency-framework", "path": path, "commit": commit,
                "licence": "MIT (Copyright 2019 MyUNiDAYS Ltd / UNiDAYS)", "title": src["title"],
                "topics": topics}
        (OUT / f"myunidays-{Path(name).stem}.json").write_text(
            json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    OUT.mkdir(exist_ok=True)
    monzo(sys.argv[1])
    myunidays(sys.argv[2])
