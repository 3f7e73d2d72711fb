"""The rule for a row's content type, and which rows each RowCondition selects."""

from __future__ import annotations

import pandas as pd
import pytest

from mixpeek_tools.local_platform.engine.plugins.extractors.pipeline import RowCondition
from mixpeek_tools.runtime.content import (
    condition_mask,
    content_type_of_row,
    content_types,
    sniff_bytes,
)

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 8
JPEG = b"\xff\xd8\xff\xe0" + b"\0" * 8
GIF = b"GIF89a" + b"\0" * 8
WEBP = b"RIFF\0\0\0\0WEBPVP8 "
BMP = b"BM" + b"\0" * 12
PDF = b"%PDF-1.7\n"
MP4 = b"\0\0\0\x18ftypisom" + b"\0" * 4
WEBM = b"\x1a\x45\xdf\xa3" + b"\0" * 8
AVI = b"RIFF\0\0\0\0AVI LIST"
WAV = b"RIFF\0\0\0\0WAVEfmt "
MP3_ID3 = b"ID3\x04" + b"\0" * 8
MP3_FRAME = b"\xff\xfb\x90\x00" + b"\0" * 8
FLAC = b"fLaC" + b"\0" * 8
OGG = b"OggS" + b"\0" * 8


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (PNG, "image"), (JPEG, "image"), (GIF, "image"), (WEBP, "image"), (BMP, "image"),
        (PDF, "pdf"),
        (MP4, "video"), (WEBM, "video"), (AVI, "video"),
        (WAV, "audio"), (MP3_ID3, "audio"), (MP3_FRAME, "audio"), (FLAC, "audio"), (OGG, "audio"),
        (b"hello world", None), (b"", None),
    ],
)  # fmt: skip
def test_magic_numbers(data: bytes, kind: str | None) -> None:
    assert sniff_bytes(data) == kind


def test_explicit_mime_type_wins_over_bytes() -> None:
    assert content_type_of_row({"mime_type": "application/pdf", "file_bytes": PNG}) == "pdf"
    assert content_type_of_row({"content_type": "video/mp4", "text": "hi"}) == "video"


def test_bytes_win_over_paths_and_paths_over_text() -> None:
    assert content_type_of_row({"image_bytes": PNG, "file_path": "a.wav"}) == "image"
    assert content_type_of_row({"file_path": "clip.MOV?sig=1", "caption": "x"}) == "video"
    assert content_type_of_row({"url": "https://x/doc.pdf", "title": "y"}) == "pdf"


def test_missing_values_never_count_as_content() -> None:
    assert content_type_of_row({"image_bytes": float("nan"), "mime_type": None}) is None
    df = pd.DataFrame({"image_bytes": [None, PNG], "text": [None, None]})
    assert list(content_types(df)) == [None, "image"]


def test_text_needs_a_non_empty_string_outside_id_and_path_fields() -> None:
    assert content_type_of_row({"text": "hello"}) == "text"
    assert content_type_of_row({"text": "   "}) is None
    assert content_type_of_row({"id": "doc-1", "file_path": "noext"}) is None
    assert content_type_of_row({"id": "doc-1", "notes": "a note"}) == "text"


ROWS = pd.DataFrame(
    [
        {"text": "plain text"},
        {"image_bytes": PNG},
        {"video_bytes": MP4},
        {"audio_bytes": WAV},
        {"file_bytes": PDF},
        {"file_path": "song.flac"},
        {"mime_type": "image/jpeg"},
        {"id": "nothing-here"},
    ]
)
EXPECTED = ["text", "image", "video", "audio", "pdf", "audio", "image", None]


def test_column_wise_rule_matches_the_row_rule() -> None:
    assert list(content_types(ROWS)) == EXPECTED
    for record, kind in zip(ROWS.to_dict("records"), EXPECTED, strict=True):
        clean = {k: v for k, v in record.items() if isinstance(v, (str, bytes))}
        assert content_type_of_row(clean) == kind


@pytest.mark.parametrize(
    ("condition", "selected"),
    [
        (RowCondition.IS_TEXT, [0]),
        (RowCondition.IS_IMAGE, [1, 6]),
        (RowCondition.IS_VIDEO, [2]),
        (RowCondition.IS_AUDIO, [3, 5]),
        (RowCondition.IS_PDF, [4]),
        (RowCondition.IS_VIDEO_OR_AUDIO, [2, 3, 5]),
        (RowCondition.ALWAYS, list(range(8))),
    ],
)
def test_each_row_condition_selects_its_rows(condition: RowCondition, selected: list[int]) -> None:
    mask = condition_mask(ROWS, condition)
    assert [i for i, m in enumerate(mask) if m] == selected


def test_text_selection_on_string_columns_is_vectorised() -> None:
    df = pd.DataFrame({"text": ["a", "", None, "b"], "id": ["1", "2", "3", "4"]})
    assert list(condition_mask(df, RowCondition.IS_TEXT)) == [True, False, False, True]


def test_unknown_conditions_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown row condition"):
        condition_mask(ROWS, "is_spreadsheet")
