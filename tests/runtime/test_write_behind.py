"""Parquet row groups written by a background thread: same file, errors surfaced, no thread
left behind, memory bounded. Real files and real pyarrow; a write error pyarrow cannot be
made to raise on demand is injected by wrapping ``ParquetWriter.write_table``, a disk error is
caused for real (a file-size limit in a child process)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from mixpeek_tools.errors import EnvironmentFailure
from mixpeek_tools.runtime import parquet_parts
from mixpeek_tools.runtime.write_behind import WriteBehind
from mixpeek_tools.runtime.writers import write_frames

WRITER = "mixpeek-parquet-writer"
REPO = Path(__file__).resolve().parents[2]


def _batches(count: int, rows: int = 250, *, parts: bool = True) -> list[pd.DataFrame]:
    """``count`` batches of ``rows`` rows. With ``parts``, batches 30-39 and 90-94 add a
    ``score`` column (a step that selected rows only there) and 60-69 hold ``n`` as floats, so
    the output is written as seven parts and merged."""
    out = []
    for b in range(count):
        start = b * rows
        numbers = range(start, start + rows)
        df = pd.DataFrame({"n": numbers, "text": [f"row {i}" for i in numbers]}, index=numbers)
        if parts and (30 <= b < 40 or 90 <= b < 95):
            df["score"] = [i / 7 for i in range(rows)]
        if parts and 60 <= b < 70:
            df["n"] = df["n"].astype("float64")
        out.append(df)
    return out


@pytest.fixture
def writes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The name of the thread each row group was written on (a spy: the real write runs)."""
    names: list[str] = []
    real = pq.ParquetWriter.write_table

    def spy(self: pq.ParquetWriter, table: pa.Table, row_group_size: int | None = None) -> None:
        names.append(threading.current_thread().name)
        real(self, table, row_group_size)

    monkeypatch.setattr(pq.ParquetWriter, "write_table", spy)
    return names


def _inline(monkeypatch: pytest.MonkeyPatch) -> None:
    """The synchronous path: every queued job runs at once in the caller's thread."""
    monkeypatch.setattr(WriteBehind, "submit", lambda self, job: job())


def _text_input(folder: Path, rows: int = 20_000) -> Path:
    """A Parquet input of ``rows`` short texts (t0, t1, ...), enough for several row groups."""
    source = folder / "in.parquet"
    pq.write_table(pa.table({"text": [f"t{i}" for i in range(rows)]}), source)
    return source


def _threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if t.is_alive()}


def test_written_behind_is_byte_for_byte_the_synchronous_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, writes: list[str]
) -> None:
    monkeypatch.setattr(parquet_parts, "ROW_GROUP_ROWS", 1000)
    before = _threads()
    behind = tmp_path / "behind" / "out.parquet"
    behind.parent.mkdir()
    assert write_frames(behind, _batches(120)) == 30_000
    assert WRITER in writes and _threads() == before  # it ran behind, and was joined
    writes.clear()
    with monkeypatch.context() as patch:
        _inline(patch)
        synchronous = tmp_path / "sync" / "out.parquet"
        synchronous.parent.mkdir()
        write_frames(synchronous, _batches(120))
    assert WRITER not in writes
    assert behind.read_bytes() == synchronous.read_bytes()
    back = pd.read_parquet(behind)
    expected = pd.concat(_batches(120), ignore_index=True)
    assert back["n"].tolist() == list(range(30_000))  # every row, in order, across the parts
    assert back["text"].tolist() == expected["text"].tolist()
    assert back["score"].isna().sum() == expected["score"].isna().sum() == 30_000 - 15 * 250
    assert sorted(p.name for p in behind.parent.iterdir()) == ["out.parquet"]


def test_one_schema_makes_full_row_groups_of_the_held_size(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, writes: list[str]
) -> None:
    monkeypatch.setattr(parquet_parts, "ROW_GROUP_ROWS", 1000)
    write_frames(tmp_path / "out.parquet", _batches(30, parts=False))
    meta = pq.ParquetFile(tmp_path / "out.parquet").metadata
    sizes = [meta.row_group(i).num_rows for i in range(meta.num_row_groups)]
    assert sizes == [1000] * 7 + [500]
    assert writes == [WRITER] * 8  # the last group too: it queues behind the others


def test_an_output_smaller_than_a_row_group_never_starts_the_thread(
    tmp_path: Path, writes: list[str]
) -> None:
    write_frames(tmp_path / "out.parquet", _batches(4))
    assert writes == ["MainThread"]


def test_a_write_error_in_the_thread_surfaces_with_its_message_and_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(parquet_parts, "ROW_GROUP_ROWS", 1000)
    real = pq.ParquetWriter.write_table
    calls: list[str] = []

    def failing(self: pq.ParquetWriter, table: pa.Table, row_group_size: int | None = None) -> None:
        calls.append(threading.current_thread().name)
        if len(calls) == 3:
            raise pa.ArrowInvalid("injected: the encoder gave up")
        real(self, table, row_group_size)

    monkeypatch.setattr(pq.ParquetWriter, "write_table", failing)
    before = _threads()
    seen: list[int] = []

    def frames() -> Iterator[pd.DataFrame]:
        for i, df in enumerate(_batches(200, parts=False)):
            seen.append(i)
            yield df

    with pytest.raises(pa.ArrowInvalid, match="injected: the encoder gave up"):
        write_frames(tmp_path / "out.parquet", frames())
    assert calls[2] == WRITER
    assert len(seen) < 200  # raised at a later add, not only at the end
    assert list(tmp_path.iterdir()) == []  # no output, no temporary file, no parts
    assert _threads() == before


CHILD = """
import resource, signal, sys, traceback
import pandas as pd
from mixpeek_tools.errors import EnvironmentFailure
from mixpeek_tools.runtime import parquet_parts
from mixpeek_tools.runtime.writers import write_frames
from mixpeek_tools.errors import EnvironmentFailure

parquet_parts.ROW_GROUP_ROWS = 2000
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG instead
resource.setrlimit(resource.RLIMIT_FSIZE, (200_000, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))
frames = (pd.DataFrame({"text": [f"{b} {i} " * 8 for i in range(500)]}) for b in range(400))
try:
    write_frames(sys.argv[1], frames)
except EnvironmentFailure as err:
    print("ERROR", err.exit_code, err.paragraph())
    print("raised in the thread:", "_work" in "".join(traceback.format_tb(err.__traceback__)))
"""


def test_a_real_disk_error_in_the_thread_is_the_kits_environment_error(tmp_path: Path) -> None:
    out = tmp_path / "out" / "out.parquet"
    out.parent.mkdir()
    (tmp_path / "child.py").write_text(textwrap.dedent(CHILD))
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
    }
    done = subprocess.run(
        [sys.executable, str(tmp_path / "child.py"), str(out)],
        capture_output=True, text=True, timeout=120, check=False, env=env,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("ERROR 3 "), done.stdout
    assert "cannot write the output" in done.stdout and "File too large" in done.stdout
    assert str(out) in done.stdout and "raised in the thread: True" in done.stdout
    assert list(out.parent.iterdir()) == []


def test_rows_failing_under_on_error_stop_leave_no_output_and_no_thread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make_plugin: Callable[..., Path],
    writes: list[str],
) -> None:  # fmt: skip
    from mixpeek_tools.runtime.plan import RowsFailed
    from mixpeek_tools.runtime.run import RunRequest, run_file

    monkeypatch.setattr(parquet_parts, "ROW_GROUP_ROWS", 1000)
    source = _text_input(tmp_path)
    out = tmp_path / "out" / "out.parquet"
    out.parent.mkdir()
    before = _threads()
    request = RunRequest(
        plugin=make_plugin(), input=source, output=out, params={"fail_on": "t15000"},
        batch_size=500,
    )  # fmt: skip
    with pytest.raises(RowsFailed):
        run_file(request)
    assert WRITER in writes  # row groups had been written behind before the failure
    assert list(out.parent.iterdir()) == []
    assert _threads() == before


def test_a_whole_run_joins_the_writer_thread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make_plugin: Callable[..., Path],
    writes: list[str],
) -> None:  # fmt: skip
    from mixpeek_tools.runtime.run import RunRequest, run_file

    monkeypatch.setattr(parquet_parts, "ROW_GROUP_ROWS", 1000)
    source = _text_input(tmp_path)
    before = _threads()
    report = run_file(RunRequest(plugin=make_plugin(), input=source, output=tmp_path / "o.parquet"))
    assert report.ok and WRITER in writes
    assert _threads() == before
    back = pd.read_parquet(tmp_path / "o.parquet")
    assert back["label"].tolist() == [f"t{i}!" for i in range(20_000)]


def test_the_queue_bound_holds_when_the_writer_is_slow(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each add makes one full row group; a slow writer makes add wait, so no more than the
    one being written plus WRITES_WAITING row groups are ever in flight."""
    monkeypatch.setattr(parquet_parts, "ROW_GROUP_ROWS", 100)
    real = pq.ParquetWriter.write_table
    written: list[int] = []

    def slow(self: pq.ParquetWriter, table: pa.Table, row_group_size: int | None = None) -> None:
        time.sleep(0.02)
        real(self, table, row_group_size)
        written.append(table.num_rows)

    monkeypatch.setattr(pq.ParquetWriter, "write_table", slow)
    parts = parquet_parts.ParquetParts(tmp_path, tmp_path / "out.parquet")
    in_flight = []
    for b in range(12):
        parts.add(pa.table({"n": range(b * 100, b * 100 + 100)}))
        in_flight.append(b + 1 - len(written))
    parts.finish(tmp_path / "out.parquet")
    assert max(in_flight) == parquet_parts.WRITES_WAITING + 1  # reached, never passed
    assert len(written) == 12
    assert pq.read_table(tmp_path / "out.parquet")["n"].to_pylist() == list(range(1200))


def test_write_behind_runs_jobs_in_order_and_bounds_the_waiting_ones() -> None:
    done: list[int] = []
    behind = WriteBehind(depth=2, name="test-write-behind")
    outstanding = []

    def job(i: int) -> Callable[[], None]:
        def run() -> None:
            time.sleep(0.005)
            done.append(i)

        return run

    for i in range(10):
        behind.submit(job(i))
        outstanding.append(i + 1 - len(done))
    behind.run(job(10))  # queued behind the others once the thread runs
    behind.drain()
    assert done == list(range(11))
    assert max(outstanding) <= 3
    assert not behind.started and "test-write-behind" not in {t.name for t in _threads()}


def test_a_failed_job_stops_the_queue_and_raises_in_the_caller() -> None:
    ran: list[int] = []
    behind = WriteBehind(depth=1, name="test-write-behind")
    error = OSError(28, "No space left on device")

    def fail() -> None:
        raise error

    behind.submit(fail)
    with pytest.raises(OSError) as caught:
        for i in range(1000):  # raised at a later submit (the thread fails within a few)
            behind.submit(lambda i=i: ran.append(i))  # type: ignore[misc]
            time.sleep(0.001)
    assert caught.value is error
    with pytest.raises(OSError):
        behind.drain()  # still raised, never swallowed
    assert ran == [] and not behind.started  # every job after the failed one was skipped


def test_abandon_skips_waiting_jobs_and_joins() -> None:
    ran: list[int] = []
    gate = threading.Event()
    behind = WriteBehind(depth=3, name="test-write-behind")
    behind.submit(gate.wait)  # the thread is busy with this one while the others wait
    for i in range(3):
        behind.submit(lambda i=i: ran.append(i))  # type: ignore[misc]
    opener = threading.Timer(0.05, gate.set)
    opener.start()
    behind.abandon()  # marks the waiting jobs skipped at once, then joins
    opener.join()
    assert ran == [] and not behind.started
    assert "test-write-behind" not in {t.name for t in _threads()}


def test_a_write_error_while_merging_the_parts_surfaces_and_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The merge of parts with differing schemas also writes behind; its errors too come out."""
    monkeypatch.setattr(parquet_parts, "ROW_GROUP_ROWS", 1000)
    real = pq.ParquetWriter.write_table
    merged: list[str] = []

    def failing(self: pq.ParquetWriter, table: pa.Table, row_group_size: int | None = None) -> None:
        if "part" not in Path(str(self.where)).name:  # the merged output, not a part
            merged.append(threading.current_thread().name)
            if len(merged) == 4:
                raise OSError(28, "No space left on device")
        real(self, table, row_group_size)

    monkeypatch.setattr(pq.ParquetWriter, "write_table", failing)
    before = _threads()
    out = tmp_path / "out" / "out.parquet"
    out.parent.mkdir()
    with pytest.raises(EnvironmentFailure, match=r"cannot write the output: .*No space left"):
        write_frames(out, _batches(120))
    assert merged == [WRITER] * 4
    assert list(out.parent.iterdir()) == []
    assert _threads() == before


LEFT_RUNNING = """
from mixpeek_tools.runtime.write_behind import WriteBehind
behind = WriteBehind(name="left-running")
behind.submit(lambda: None)
print("leaving")  # neither drain nor abandon: the main thread simply ends
"""


def test_a_writer_left_running_does_not_hold_the_exiting_process(tmp_path: Path) -> None:
    (tmp_path / "left.py").write_text(LEFT_RUNNING)
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
    }
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, str(tmp_path / "left.py")],
        capture_output=True, text=True, timeout=30, check=False, env=env,
    )  # fmt: skip
    assert done.returncode == 0 and done.stdout == "leaving\n", done.stderr
    assert time.perf_counter() - started < 15


PROBE = """
import threading, sys
import pyarrow.parquet as pq
from mixpeek_tools.cli import quick_exit
from mixpeek_tools.cli.main import cli, run_cli
from mixpeek_tools.runtime import io, parquet_parts

parquet_parts.ROW_GROUP_ROWS, io.READ_ROWS = 1000, 2000
names = set()
real = pq.ParquetWriter.write_table
def spy(self, table, row_group_size=None):
    names.add(threading.current_thread().name)
    real(self, table, row_group_size)
pq.ParquetWriter.write_table = spy
reading = io.read_ahead
io.read_ahead = lambda items, **kw: names.add("read ahead") or reading(items, **kw)
code = run_cli(cli, sys.argv[1:])
print(code, bool(quick_exit._ALLOWED), quick_exit._others_running(), sorted(names),
      sorted(t.name for t in threading.enumerate()))
"""


def test_the_cli_run_still_ends_with_the_quick_exit(
    tmp_path: Path, make_plugin: Callable[..., Path]
) -> None:
    """Reader and writer threads both ran, and neither is alive when the command returns, so
    the quick exit (refused while a non-daemon thread lives) is still taken."""
    source = _text_input(tmp_path)
    argv = ["plugin", "run", "--path", str(make_plugin()), "--input", str(source),
            "--output", str(tmp_path / "out.parquet"), "--batch-size", "500"]  # fmt: skip
    env = {**os.environ, "MIXPEEK_CONFIG": str(tmp_path / "none.toml"),
           "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *argv], capture_output=True, text=True, env=env, timeout=120
    )
    last = done.stdout.strip().splitlines()[-1]
    assert last == "0 True False ['mixpeek-parquet-writer', 'read ahead'] ['MainThread']", (
        done.stdout + done.stderr
    )
    assert pq.read_table(tmp_path / "out.parquet").num_rows == 20_000
