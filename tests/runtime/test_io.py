"""Dataset files: every format in and out, malformed input, streaming, file references."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from mixpeek_tools.errors import BadInput
from mixpeek_tools.runtime.io import (
    FrameWriter,
    count_rows,
    iter_frames,
    read_frame,
    read_records,
    write_frames,
)

from .conftest import DOCS_PLUGIN

ROWS = [{"text": "Sample text 1", "metadata": {"source": "test"}},
        {"text": "Sample text 2", "metadata": {"source": "test"}}]  # fmt: skip


def test_docs_sample_json_and_csv_read_the_same() -> None:
    assert read_records(DOCS_PLUGIN / "samples" / "sample.json") == ROWS
    assert read_records(DOCS_PLUGIN / "samples" / "sample.csv") == ROWS


def test_jsonl_and_parquet(tmp_path: Path) -> None:
    jsonl = tmp_path / "in.jsonl"
    jsonl.write_text("\n".join(json.dumps(r) for r in ROWS) + "\n\n")
    assert read_records(jsonl) == ROWS
    parquet = tmp_path / "in.parquet"
    pd.DataFrame([{"text": "a", "n": 1}, {"text": "b", "n": 2}]).to_parquet(parquet)
    assert read_records(parquet) == [{"text": "a", "n": 1}, {"text": "b", "n": 2}]
    assert count_rows(parquet) == 2
    assert count_rows(jsonl) == 3  # counts lines; blank lines are skipped when reading


def test_streaming_batches_keep_input_positions_as_index(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text("".join(json.dumps({"text": f"r{i}"}) + "\n" for i in range(10)))
    frames = list(iter_frames(path, 4))
    assert [len(f) for f in frames] == [4, 4, 2]
    assert list(frames[2].index) == [8, 9]
    assert list(read_frame(path, limit=3)["text"]) == ["r0", "r1", "r2"]


@pytest.mark.parametrize(
    ("name", "content", "where"),
    [
        ("bad.jsonl", '{"text": "ok"}\n{"text": "oops",}\n', "bad.jsonl:2:17"),
        ("list.jsonl", '{"text": "ok"}\n[1, 2]\n', "list.jsonl:2:1"),
        ("two.jsonl", '{"text": "ok"}\n{"a": 1}, {"b": 2}\n', "two.jsonl:2:9"),
        ("bad.json", '[\n  {"text": "a"},\n  {"text": }\n]\n', "bad.json:3:12"),
        ("scalar.json", "42", "scalar.json:1:1"),
        ("bad.csv", 'text,n\n"a",1\n"b",2,3\n', "bad.csv:3:"),
        ("quote.csv", 'text\n"never closed\n', "quote.csv:"),
    ],
)
def test_malformed_input_names_file_line_and_column(
    tmp_path: Path, name: str, content: str, where: str
) -> None:
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(BadInput) as info:
        read_records(path)
    assert where in str(info.value.where)


def test_broken_parquet_and_unknown_extensions(tmp_path: Path) -> None:
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"PAR1 not really")
    with pytest.raises(BadInput, match="Parquet"):
        read_records(broken)
    with pytest.raises(BadInput, match="unsupported file type"):
        read_records(tmp_path / "data.xlsx")
    with pytest.raises(BadInput, match="not found"):
        read_records(tmp_path / "missing.json")


def test_path_fields_load_files_relative_to_the_input_file(tmp_path: Path, monkeypatch) -> None:
    data = tmp_path / "data"
    (data / "img").mkdir(parents=True)
    (data / "img" / "cat.png").write_bytes(b"\x89PNG\r\n\x1a\npixels")
    (tmp_path / "song.wav").write_bytes(b"RIFF\0\0\0\0WAVE")
    (data / "in.json").write_text(
        json.dumps([{"image_path": "img/cat.png"}, {"file_path": "song.wav", "mime_type": "x/y"},
                    {"image_url": "https://example.com/a.png"}])
    )  # fmt: skip
    monkeypatch.chdir(tmp_path)  # song.wav is found through the current directory
    rows = read_records(data / "in.json")
    assert rows[0]["image_bytes"].startswith(b"\x89PNG")
    assert rows[0]["mime_type"] == "image/png"
    assert rows[1]["file_bytes"].startswith(b"RIFF")
    assert rows[1]["mime_type"] == "x/y"  # an explicit type is kept
    assert "image_bytes" not in rows[2]


def test_a_path_field_naming_a_missing_file_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text('{"image_path": "a.png"}\n{"image_path": "nope.png"}\n')
    (tmp_path / "a.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    with pytest.raises(BadInput) as info:
        read_records(path)
    assert "in.jsonl:2" in str(info.value.where)
    assert "image_path" in info.value.message


OUT = pd.DataFrame(
    [
        {"text": "a", "output": {"result": "A", "confidence": 0.5}, "n": 1},
        {"text": "b", "output": {"result": "B", "confidence": 1.0}, "n": 2},
    ]
)


@pytest.mark.parametrize("ext", ["jsonl", "json", "csv", "parquet"])
def test_writers_round_trip(tmp_path: Path, ext: str) -> None:
    path = tmp_path / f"out.{ext}"
    assert write_frames(path, [OUT.iloc[:1], OUT.iloc[1:]]) == 2
    back = read_records(path)
    if ext == "csv":  # CSV has no types: values come back as strings, nesting by dotted headers
        assert back[1] == {"text": "b", "output": {"result": "B", "confidence": "1.0"}, "n": "2"}
    else:
        assert back == OUT.to_dict("records")


def test_bytes_are_written_to_json_as_base64(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    write_frames(path, [pd.DataFrame([{"image_bytes": b"\x00\x01", "n": 1}])])
    assert json.loads(path.read_text()) == {"image_bytes": "base64:AAE=", "n": 1}


def test_a_failed_write_leaves_no_file_and_keeps_the_old_one(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    path.write_text("old\n")
    with pytest.raises(RuntimeError), FrameWriter(path) as writer:
        writer.write(OUT)
        raise RuntimeError("crash mid-run")
    assert path.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.jsonl"]


def test_writing_into_a_missing_folder_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match="output folder does not exist"):
        write_frames(tmp_path / "nope" / "out.jsonl", [OUT])


@pytest.mark.parametrize("ext", ["csv", "parquet", "jsonl"])
def test_columns_that_appear_in_later_batches_are_kept(tmp_path: Path, ext: str) -> None:
    path = tmp_path / f"out.{ext}"
    first = pd.DataFrame({"text": ["a"], "output": [None]})
    second = pd.DataFrame({"text": ["b"], "output": [{"result": "B"}], "extra": [1.5]})
    write_frames(path, [first, second])
    back = read_records(path)
    assert back[1]["output"] == {"result": "B"}
    assert float(back[1]["extra"]) == 1.5
    assert back[0].get("extra") in (None, "") or back[0]["extra"] != back[0]["extra"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"out.{ext}"]  # no spool left behind


def test_incompatible_parquet_types_are_bad_input(tmp_path: Path) -> None:
    path = tmp_path / "out.parquet"
    with pytest.raises(BadInput, match=r"incompatible types|changes type"):
        write_frames(path, [pd.DataFrame({"x": [1]}), pd.DataFrame({"x": [{"a": 1}]})])
    assert list(tmp_path.iterdir()) == []
