"""Several owners writing one workspace at once (a workshop screen and laptops: threads of one server;
other processes such as the CLI): no write is lost, and what cannot be saved is one clear sentence."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from kpi_core.budget.scenarios import Scenario, budget_scenarios, save_budget_scenario
from kpi_core.errors import InputError, WriteConflict
from kpi_core.goals.model import Goal, Target
from kpi_core.goals.saved import delete_goal, goals, save_goal
from kpi_core.trends.annotations import add_annotation, delete_annotation, saved_annotations, update_annotation
from kpi_core.workspace import Workspace, store
from tests.conftest import ROOT

NAME = "workshop"
CSV = b"Week,Channel,Campaign,Spend,Clicks\n2024-01-01,Search,Brand,10.5,3\n2024-01-08,Social,Launch,20,4\n"


def goal(name: str, value: float = 100.0) -> Goal:
    return Goal(
        name=name,
        objective="pipeline",
        kpi="sqls",
        target=Target(value=value),
        start=date(2024, 1, 1),
        end=date(2024, 3, 31),
    )


def scenario(name: str) -> Scenario:
    return Scenario(name=name, target="revenue", grain="week", spends={"Search": 100.0, "Social": 50.0})


def run_together(count: int, work: Callable[[int], None]) -> list[str]:
    """Run ``work(0..count-1)`` in threads released at once; the errors they raised, as text."""
    errors: list[str] = []
    start = threading.Barrier(count)

    def one(i: int) -> None:
        start.wait()
        try:
            work(i)
        except Exception as exc:  # collected: the assertion shows every one
            errors.append(f"{type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=one, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


# --- threads: sessions of one server --------------------------------------------------------------


def test_ten_simultaneous_uploads_all_land_and_readers_never_see_half_of_one() -> None:
    sessions = [Workspace(NAME) for _ in range(10)]
    for ws in sessions:
        ws.datasets()  # each session is showing a page: its read connection is open
    watcher = Workspace(NAME)
    halves: list[int] = []
    done = threading.Event()

    def watch() -> None:  # a dataset row without its table (or the reverse) would be half a write
        while not done.is_set():
            halves.append(
                watcher.con.execute(
                    "SELECT (SELECT count(*) FROM datasets d WHERE d.table_name NOT IN "
                    "(SELECT table_name FROM duckdb_tables())) + (SELECT count(*) FROM duckdb_tables() t "
                    "WHERE t.table_name LIKE 'ds\\_%' ESCAPE '\\' AND t.table_name NOT IN "
                    "(SELECT table_name FROM datasets))"
                ).fetchall()[0][0]
            )

    reader = threading.Thread(target=watch)
    reader.start()
    errors = run_together(10, lambda i: sessions[i].add_dataset(CSV, file_name=f"upload{i}.csv"))
    done.set()
    reader.join()
    assert errors == []
    datasets = Workspace(NAME).datasets()
    assert sorted(d.name for d in datasets) == sorted(f"upload{i}" for i in range(10))
    assert len({d.id for d in datasets}) == 10 and all(d.rows == 2 for d in datasets)
    assert halves and set(halves) == {0}


def test_120_writes_from_eight_sessions_are_all_there() -> None:
    sessions = [Workspace(NAME) for _ in range(8)]
    for ws in sessions:
        ws.settings()

    def write(i: int) -> None:
        ws = sessions[i]
        for j in range(15):
            n = i * 15 + j
            kind = n % 4
            if kind == 0:
                ws.update_settings({f"key {n}": n})
            elif kind == 1:
                add_annotation(ws, date(2024, 1, 1 + n % 28), f"note {n}")
            elif kind == 2:
                save_goal(ws, goal(f"goal {n}", n))
            else:
                save_budget_scenario(ws, scenario(f"scenario {n}"))

    started = time.perf_counter()
    errors = run_together(8, write)
    elapsed = time.perf_counter() - started
    assert errors == []
    ws = Workspace(NAME)
    numbers = range(120)
    assert ws.settings() == {f"key {n}": n for n in numbers if n % 4 == 0}
    assert sorted(a.title for a in saved_annotations(ws)) == sorted(f"note {n}" for n in numbers if n % 4 == 1)
    assert sorted(g.name for g in goals(ws)) == sorted(f"goal {n}" for n in numbers if n % 4 == 2)
    assert sorted(s.name for s in budget_scenarios(ws)) == sorted(f"scenario {n}" for n in numbers if n % 4 == 3)
    assert len({a.id for a in saved_annotations(ws)}) == 30 and len({g.id for g in goals(ws)}) == 30
    assert elapsed < 20, elapsed


def test_writers_without_an_open_reader_also_lose_nothing() -> None:
    """Like the CLI: nothing holds the file between writes, so every write opens and closes it."""
    errors = run_together(
        3, lambda i: [add_annotation(Workspace(NAME), date(2024, 2, 1), f"cold {i}-{j}") for j in range(4)]
    )
    assert errors == []
    assert len(saved_annotations(Workspace(NAME))) == 12


def test_simultaneous_edits_of_one_dataset_all_apply_in_turn() -> None:
    first = Workspace(NAME)
    dataset = first.add_dataset(CSV, file_name="plan.csv")
    sessions = [Workspace(NAME) for _ in range(4)]
    for ws in sessions:
        ws.datasets()
    errors = run_together(4, lambda i: sessions[i].replace_dataset(dataset.id, CSV, file_name=f"plan{i}.csv"))
    assert errors == []
    final = Workspace(NAME).dataset(dataset.id)
    assert final.table == f"ds_{dataset.id}_5"  # four replacements, one after the other
    tables = [r[0] for r in first.con.execute("SELECT table_name FROM duckdb_tables()").fetchall()]
    assert [t for t in tables if t.startswith("ds_")] == [final.table]


# --- optimistic concurrency: a conflict the app cannot resolve is a sentence ----------------------


def test_goal_saved_by_someone_else_is_a_conflict_not_an_overwrite() -> None:
    mine, theirs = Workspace(NAME), Workspace(NAME)
    saved = save_goal(mine, goal("Q1 SQLs", 100))
    as_read = goals(mine)[0]
    save_goal(theirs, replace_value(goals(theirs)[0], 150))
    with pytest.raises(WriteConflict) as conflict:
        save_goal(mine, replace_value(as_read, 120), based_on=as_read)
    assert str(conflict.value) == (
        "Someone else saved this goal a moment ago; your version is below, save again to overwrite."
    )
    assert isinstance(conflict.value, InputError)
    assert conflict.value.current is not None and conflict.value.current.target.value == 150
    assert goals(mine)[0].target.value == 150  # nothing of mine written
    save_goal(mine, replace_value(as_read, 120), based_on=conflict.value.current)  # "save again"
    assert goals(theirs)[0].target.value == 120 and saved.id == goals(theirs)[0].id
    save_goal(mine, replace_value(as_read, 130))  # the old signature: the last save wins
    assert goals(theirs)[0].target.value == 130


def test_goal_deleted_by_someone_else_is_a_conflict() -> None:
    mine, theirs = Workspace(NAME), Workspace(NAME)
    as_read = save_goal(mine, goal("Q2 pipeline"))
    delete_goal(theirs, as_read.id)  # type: ignore[arg-type]
    with pytest.raises(WriteConflict, match="deleted this goal") as conflict:
        save_goal(mine, replace_value(as_read, 90), based_on=as_read)
    assert conflict.value.current is None
    again = save_goal(mine, replace(replace_value(as_read, 90), id=None))  # "save again": kept as a new goal
    assert again.id != as_read.id and [g.target.value for g in goals(theirs)] == [90]


def test_simultaneous_saves_of_one_goal_one_wins_the_rest_are_told() -> None:
    as_read = save_goal(Workspace(NAME), goal("Shared target"))
    sessions = [Workspace(NAME) for _ in range(6)]
    errors = run_together(6, lambda i: save_goal(sessions[i], replace_value(as_read, 200 + i), based_on=as_read))
    assert len(errors) == 5 and all(e.startswith("WriteConflict: Someone else saved this goal") for e in errors)
    assert goals(Workspace(NAME))[0].target.value in {200 + i for i in range(6)}


def test_goal_changed_before_a_delete_is_kept() -> None:
    mine, theirs = Workspace(NAME), Workspace(NAME)
    as_read = save_goal(mine, goal("Keep me"))
    save_goal(theirs, replace_value(as_read, 5))
    with pytest.raises(WriteConflict):
        delete_goal(mine, as_read.id, based_on=as_read)  # type: ignore[arg-type]
    assert len(goals(theirs)) == 1


def test_annotation_edits_conflict_and_deleted_ones_are_not_silently_dropped() -> None:
    mine, theirs = Workspace(NAME), Workspace(NAME)
    as_read = add_annotation(mine, date(2024, 5, 2), "Trade show")
    update_annotation(theirs, as_read.id, as_read.day, "Trade show: SaaStr")  # type: ignore[arg-type]
    with pytest.raises(WriteConflict, match="Someone else saved this annotation") as conflict:
        update_annotation(mine, as_read.id, as_read.day, "Trade show (Paris)", based_on=as_read)  # type: ignore[arg-type]
    assert conflict.value.current is not None and conflict.value.current.title == "Trade show: SaaStr"
    update_annotation(
        mine,
        as_read.id,
        as_read.day,
        "Trade show (Paris)",  # type: ignore[arg-type]
        based_on=conflict.value.current,
    )
    assert [a.title for a in saved_annotations(theirs)] == ["Trade show (Paris)"]
    delete_annotation(theirs, as_read.id)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="no annotation"):
        update_annotation(mine, as_read.id, as_read.day, "Lost?")  # type: ignore[arg-type]
    later = add_annotation(mine, date(2024, 5, 3), "Launch")
    assert later.id != as_read.id  # ids are never reused: a stale edit cannot land on a newer note


def replace_value(saved: Goal, value: float) -> Goal:
    return replace(saved, target=Target(value=value))


# --- renaming (a private workspace becoming a named one) -----------------------------------------


def test_rename_refuses_while_another_session_has_it_open() -> None:
    mine, theirs = Workspace("session-0123456789abcdef"), Workspace("session-0123456789abcdef")
    add_annotation(mine, date(2024, 1, 1), "first")
    saved_annotations(theirs)
    with pytest.raises(InputError, match="open in another session"):
        mine.rename_to("Q3 plan")
    theirs.close()
    mine.rename_to("Q3 plan")
    assert [a.title for a in saved_annotations(Workspace("Q3 plan"))] == ["first"]


def test_two_renames_to_one_name_lose_neither_workspace() -> None:
    first, second = Workspace("draft a"), Workspace("draft b")
    add_annotation(first, date(2024, 1, 1), "from a")
    add_annotation(second, date(2024, 1, 1), "from b")
    errors = run_together(2, lambda i: (first, second)[i].rename_to("Final"))
    assert len(errors) == 1 and "already exists" in errors[0]
    titles = {name: [a.title for a in saved_annotations(Workspace(name))] for name in ("Final", "draft a", "draft b")}
    assert sorted(sum(titles.values(), [])) == ["from a", "from b"]


# --- processes: the CLI, a second server ----------------------------------------------------------

APPEND = textwrap.dedent("""
    import sys
    from datetime import date
    from kpi_core.trends.annotations import add_annotation
    from kpi_core.workspace import Workspace
    ws = Workspace(sys.argv[1])
    for i in range(int(sys.argv[3])):
        add_annotation(ws, date(2024, 3, 1), f"{sys.argv[2]} {i}")
""")

HOLDER = textwrap.dedent("""
    import os, sys, time
    from kpi_core.workspace import Workspace
    for line in sys.stdin:  # "hold <home>\t<name>\t<seconds or 'until release'>", then "release"
        command, _, rest = line.rstrip("\\n").partition(" ")
        if command == "hold":
            home, name, seconds = rest.split("\\t")
            os.environ["ROI_WORKBENCH_HOME"] = home
            ws = Workspace(name)
            ws.datasets()  # a read: the file stays open, as in a server showing it
            print("holding", flush=True)
            if seconds != "until release":
                time.sleep(float(seconds))
                ws.close()
        elif command == "release":
            ws.close()
            print("released", flush=True)
""")


def python(script: str, *args: str, **kwargs: object) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-c", script, *args],
        cwd=ROOT,
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        **kwargs,
    )  # type: ignore[call-overload]


class Holder:
    """Another process (the CLI, a second server) that holds a workspace file open when told to;
    one for the module, as starting Python with the core costs a second or two."""

    def __init__(self) -> None:
        self.process = python(HOLDER, stdin=subprocess.PIPE)

    def tell(self, line: str, answer: str) -> None:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()
        heard = self.process.stdout.readline().strip()
        assert heard == answer, self.process.stderr.read() if self.process.poll() is not None else heard  # type: ignore[union-attr]

    def hold(self, seconds: float | None = None) -> None:
        home = os.environ["ROI_WORKBENCH_HOME"]
        self.tell(f"hold {home}\t{NAME}\t{'until release' if seconds is None else seconds}", "holding")


@pytest.fixture(scope="module")
def holder() -> Iterator[Holder]:
    other = Holder()
    yield other
    other.process.communicate(timeout=30)


def test_three_processes_appending_at_once_lose_nothing() -> None:
    Workspace(NAME).update_settings({"created": True})  # the file exists; nothing here holds it
    writers = [python(APPEND, NAME, f"process {p}", "10") for p in range(3)]
    outcomes = [(w.wait(timeout=60), w.stderr.read()) for w in writers]  # type: ignore[union-attr]
    assert outcomes == [(0, "")] * 3
    titles = sorted(a.title for a in saved_annotations(Workspace(NAME)))
    assert titles == sorted(f"process {p} {i}" for p in range(3) for i in range(10))


def test_a_brief_hold_by_another_process_is_waited_for(holder: Holder) -> None:
    Workspace(NAME).update_settings({"created": True})
    holder.hold(seconds=1.0)
    started = time.perf_counter()
    add_annotation(Workspace(NAME), date(2024, 4, 1), "after the wait")
    assert time.perf_counter() - started > 0.3
    assert [a.title for a in saved_annotations(Workspace(NAME))] == ["after the wait"]


def test_a_file_held_by_another_process_is_one_sentence(holder: Holder, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store, "LOCK_WAIT_SECONDS", 0.5)
    Workspace(NAME).update_settings({"created": True})
    holder.hold()
    try:
        for attempt in (lambda ws: add_annotation(ws, date(2024, 4, 1), "refused"), lambda ws: ws.datasets()):
            with pytest.raises(InputError) as refused:
                attempt(Workspace(NAME))
            assert str(refused.value) == (
                "The workspace 'workshop' is open in another program (another app server or a command line "
                "run). Close it there, or wait a moment and try again."
            )
            assert refused.value.__cause__ is None and refused.value.__suppress_context__
    finally:
        holder.tell("release", "released")
    ws = Workspace(NAME)
    add_annotation(ws, date(2024, 4, 2), "after it closed")
    assert [a.title for a in saved_annotations(ws)] == ["after it closed"]  # the refused write left nothing


def test_a_damaged_file_is_one_sentence_without_its_path(private_workspace_home: Path) -> None:
    private_workspace_home.mkdir(parents=True, exist_ok=True)
    (private_workspace_home / "broken.duckdb").write_bytes(b"not a database" * 100)
    with pytest.raises(InputError) as refused:
        Workspace("broken").datasets()
    assert "broken" in str(refused.value) and str(private_workspace_home) not in str(refused.value)
