"""Every hostile or broken input of tests/make_bad_inputs.py, run through the CLI in a
subprocess with a memory and a time limit: the right exit code, one line naming the file at
fault, the inputs unchanged and nothing left behind (no temp file, no partial output)."""

from __future__ import annotations

import hashlib
import os
import re
import resource
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from .make_bad_inputs import Case, make_cases

ROOT = Path(__file__).resolve().parent.parent
MEMORY_LIMIT = 1536 * 2**20  # address space: a loader that expands a bomb dies well before
TIME_LIMIT = 60  # seconds: a case that hangs fails instead of blocking the suite
# lines a command may print besides its one message: counts, never a second reason
SUMMARY = [re.compile(p) for p in (
    r"^\d+ problem\(s\) found$",
    r"^\d+ row\(s\) not rendered$",
    r"^wrote \d+ file\(s\) for \d+ of \d+ people into \S+$",
    r"^rendering\b",
    r"^collecting\b",
)]


def snapshot(folder: Path) -> dict[str, tuple[object, ...]]:
    """Every entry under ``folder`` (links not followed): kind, target or content hash, mode."""
    out: dict[str, tuple[object, ...]] = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        for name in dirnames + filenames:
            p = Path(dirpath, name)
            rel = str(p.relative_to(folder))
            st = p.lstat()
            if p.is_symlink():
                out[rel] = ("link", os.readlink(p))
            elif p.is_dir():
                out[rel] = ("dir", st.st_mode)
            else:
                out[rel] = ("file", hashlib.sha256(p.read_bytes()).hexdigest(), st.st_mode)
    return out


def limits(case: Case):  # type: ignore[no-untyped-def]
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
        if case.fsize is not None:
            # a write past the limit fails with EFBIG, as on a full disk (not killed by SIGXFSZ)
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (case.fsize, case.fsize))
    return apply


def run_case(case: Case, folder: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200", **case.env}
    env.pop("SHEETLADDER_DB", None)
    return subprocess.run([sys.executable, "-m", "sheetladder", *case.args], cwd=folder,
                          env=env, capture_output=True, text=True, errors="replace",
                          timeout=TIME_LIMIT, preexec_fn=limits(case))


def check_case(case: Case, folder: Path) -> None:
    before = snapshot(folder)
    result = run_case(case, folder)
    output = result.stdout + result.stderr
    assert "Traceback" not in output and "MemoryError" not in output, output
    assert result.returncode == case.code, f"exit {result.returncode}, wanted {case.code}: {output}"
    lines = [line for line in output.splitlines() if line.strip()]
    naming = [line for line in lines if case.names in line]
    assert len(naming) == 1, f"wanted one line naming {case.names!r}: {output}"
    assert case.fragment in naming[0], f"{case.fragment!r} not in {naming[0]!r}"
    others = [line for line in lines if line not in naming]
    assert all(any(p.search(line) for p in SUMMARY) for line in others), output
    if case.hidden:
        assert case.hidden not in output, f"{case.hidden!r} was printed: {output}"
    after = snapshot(folder)
    if case.check:
        case.check(folder)
    created = set(after) - set(before)
    assert created <= set(case.may_create), f"left behind: {sorted(created - set(case.may_create))}"
    kept = {k: v for k, v in before.items() if k not in case.may_change}
    assert {k: v for k, v in after.items() if k in kept} == kept, "an input was changed"




@pytest.fixture(scope="module")
def cases(tmp_path_factory) -> dict[str, tuple[Case, Path]]:
    made = make_cases(tmp_path_factory.mktemp("hostile"))
    return {case.name: (case, folder) for case, folder in made}


def _names() -> list[str]:
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        return [case.name for case, _ in make_cases(Path(d))]


@pytest.mark.parametrize("name", _names())
def test_hostile_input_gets_one_line_and_leaves_everything_as_it_was(cases, name):
    case, folder = cases[name]
    check_case(case, folder)


@pytest.mark.parametrize("long_text", [False, True], ids=["counts", "text"])
def test_a_ladder_at_the_limits_validates_renders_and_reads_back(tmp_path, long_text):
    from .make_bad_inputs import ladder_at_the_limits

    text = ladder_at_the_limits(long_text=long_text)
    (tmp_path / "limits.yaml").write_text(text, encoding="utf-8")
    for args in (["validate", "limits.yaml"],
                 ["render", "limits.yaml", "--person", "Ann Lee", "-o", "out"],
                 ["read", "out/ann-lee.xlsx"]):
        result = run_case(Case("limits", args, 0, "", ""), tmp_path)
        assert result.returncode == 0, f"{args}: {result.stdout[-2000:]}{result.stderr}"
    assert "Overall:" in result.stdout


# -- workers die with their parent ----------------------------------------------------------------


def _children(pid: int) -> set[int]:
    """Every live descendant of ``pid``, from /proc."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2:].split()
            if fields[0] != "Z":
                parents[int(entry.name)] = int(fields[1])
    out: set[int] = set()
    todo = [pid]
    while todo:
        p = todo.pop()
        for child, parent in parents.items():
            if parent == p and child not in out:
                out.add(child)
                todo.append(child)
    return out


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2:].split()[0] != "Z"


def kill_parent_and_watch_workers(args: list[str], folder: Path, workers: int) -> None:
    """Start ``sheetladder ARGS``, wait for its worker processes, kill -9 the parent, and
    assert every process it started exits within a few seconds."""
    import time

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "sheetladder", *args], cwd=folder, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        kids: set[int] = set()
        while time.monotonic() < deadline and proc.poll() is None:
            kids = _children(proc.pid)
            if len(kids) >= workers:
                break
            time.sleep(0.05)
        assert proc.poll() is None and len(kids) >= workers, "the workers never started"
        time.sleep(0.5)  # let them start working
        kids |= _children(proc.pid)
        proc.kill()
        proc.wait()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(_alive(k) for k in kids):
            time.sleep(0.1)
        left = sorted(k for k in kids if _alive(k))
        assert not left, f"still running after their parent died: {left}"
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # the session this test started, if anything is left
        except ProcessLookupError:
            pass


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc to find the workers")
def test_render_workers_exit_when_the_render_is_killed(tmp_path):
    from .make_bad_inputs import SMALL

    (tmp_path / "small.yaml").write_text(SMALL)
    rows = "".join(f"Person {i},,Boss {i},Peer {i}\n" for i in range(3000))
    (tmp_path / "team.csv").write_text("person,email,manager,peers\n" + rows)
    kill_parent_and_watch_workers(["render", "small.yaml", "--roster", "team.csv", "-o", "out",
                                   "-j", "2"], tmp_path, 2)


# -- ratings that were not typed: error findings, never a rating used ----------------------------


def test_a_merged_or_computed_rating_cell_is_an_error_finding(tmp_path):
    import json

    from .make_bad_inputs import untyped_ratings

    for name, (blob, cell, fragment) in untyped_ratings().items():
        (tmp_path / name).write_bytes(blob)
        before = snapshot(tmp_path)
        result = run_case(Case(name, ["read", name, "--json"], 1, "", ""), tmp_path)
        assert result.returncode == 1, f"{name}: {result.stdout}{result.stderr}"
        report = json.loads(result.stdout)
        errors = [f for f in report["findings"] if f["severity"] == "error"]
        mine = [f for f in errors if f"{f['sheet']}!{f['cell']}" == cell]
        assert mine and fragment in mine[0]["message"], f"{name}: {errors}"
        assert snapshot(tmp_path) == before, f"{name}: reading changed a file"


# -- the reader's corpus, through the command line ---------------------------------------------


@pytest.fixture(scope="module")
def read_corpus(tmp_path_factory) -> dict[str, tuple[Path, str]]:
    from .make_bad_files import make_corpus

    return make_corpus(tmp_path_factory.mktemp("corpus"))


def test_every_hostile_workbook_is_refused_in_one_line_through_the_cli(read_corpus):
    assert len(read_corpus) > 20
    for name, (path, fragment) in read_corpus.items():
        check_case(Case(f"read {name}", ["read", name], 2, fragment, name), path.parent)


# -- a read-only history --------------------------------------------------------------------------


def _without_write_override() -> None:
    """In the child: root loses CAP_DAC_OVERRIDE (from the bounding set, so it stays lost
    across exec), so file modes bind it like anyone; nothing to do for another user."""
    if os.geteuid() == 0:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(24, 1, 0, 0, 0) != 0:  # PR_CAPBSET_DROP, CAP_DAC_OVERRIDE
            os._exit(97)


def test_a_read_only_history_is_exported_and_shown_and_refused_for_collect(tmp_path):
    from .make_bad_inputs import _collected, filled_workbooks

    for rel, blob in filled_workbooks(6).items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(blob)
    ro = tmp_path / "ro"
    ro.mkdir()
    (ro / "wb").symlink_to(tmp_path / "wb")
    _collected(ro)
    (ro / "wb").unlink()
    assert sorted(p.name for p in ro.iterdir()) == ["h.sqlite"]
    (ro / "h.sqlite").chmod(0o444)
    ro.chmod(0o555)
    out = tmp_path / "out"
    out.mkdir()
    try:
        before = snapshot(ro)
        env = {**os.environ, "PYTHONPATH": str(ROOT)}

        def run(*args: str) -> subprocess.CompletedProcess[str]:
            r = subprocess.run([sys.executable, "-m", "sheetladder", *args, "--db", "ro/h.sqlite"],
                               cwd=tmp_path, env=env, capture_output=True, text=True,
                               timeout=TIME_LIMIT, preexec_fn=_without_write_override)
            if r.returncode == 97:
                if os.environ.get("CI") == "true":
                    pytest.fail("cannot drop CAP_DAC_OVERRIDE here, so no file is read-only to root")
                pytest.skip("cannot drop CAP_DAC_OVERRIDE here, so no file is read-only to root")
            return r

        probe = subprocess.run(["sh", "-c", "touch ro/probe"], cwd=tmp_path,
                               preexec_fn=_without_write_override, capture_output=True)
        assert probe.returncode != 0, "the folder is writable: the test would prove nothing"
        exported = run("export", "--format", "json", "-o", "out/q1.json")
        assert exported.returncode == 0, exported.stdout + exported.stderr
        assert "(5 people, period 2026-Q1)" in exported.stdout
        shown = run("history", "Person 3")
        assert shown.returncode == 0 and "2026-Q1" in shown.stdout, shown.stdout + shown.stderr
        collected = run("collect", "wb/p005.xlsx")
        assert collected.returncode == 2, collected.stdout + collected.stderr
        lines = [line for line in (collected.stdout + collected.stderr).splitlines() if line]
        assert len(lines) == 1 and "ro/h.sqlite" in lines[0] and "readonly" in lines[0], lines
        assert snapshot(ro) == before
    finally:
        ro.chmod(0o755)


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc to find the workers")
def test_collect_and_read_workers_exit_when_the_command_is_killed(tmp_path):
    from .make_bad_inputs import filled_workbooks

    one = next(iter(filled_workbooks(1).values()))
    (tmp_path / "wb").mkdir()
    for i in range(600):  # copies of one file: enough work for the workers to be busy
        (tmp_path / "wb" / f"copy-{i:03d}.xlsx").write_bytes(one)
    kill_parent_and_watch_workers(["collect", "wb", "--db", "h.sqlite", "-j", "2"], tmp_path, 1)
    files = sorted(str(p.relative_to(tmp_path)) for p in (tmp_path / "wb").iterdir())
    kill_parent_and_watch_workers(["read", *files, "-j", "2"], tmp_path, 2)
