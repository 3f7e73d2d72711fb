"""Reading a plugin's metadata without running it, and the retry rules for API calls."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path

import pytest

from mixpeek_tools.errors import BadInput
from mixpeek_tools.publishing.manifest import read_metadata
from mixpeek_tools.publishing.retry import RetryPolicy


def manifest(tmp_path: Path, body: str) -> Path:
    (tmp_path / "manifest.py").write_text(body)
    return tmp_path


def test_metadata_is_read_as_a_literal_without_importing_the_manifest(tmp_path: Path) -> None:
    root = manifest(
        tmp_path,
        "raise SystemExit('importing me is a bug')\n"
        'metadata = {"name": "my_extractor", "version": "v2", "description": "d", "category": "image"}\n',
    )
    meta = read_metadata(root)
    assert (meta.name, meta.version, meta.category, meta.line) == ("my_extractor", "v2", "image", 2)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('metadata = {"name": "my-extractor", "version": "v1"}', "'my_extractor'"),
        ('metadata = {"name": "ab", "version": "v1"}', "metadata.name"),
        ('metadata = {"name": "good_name", "version": "v 1"}', "metadata.version"),
        (
            'metadata = {"name": "good_name", "version": "v1", "category": "smell"}',
            "metadata.category",
        ),
        (
            'metadata = {"name": "good_name", "version": "v1", "description": "'
            + "x" * 1001
            + '"}',
            "1000",
        ),
        ('metadata = dict(name="x" + "y")', "literal dict"),
        ("x = 1", "no `metadata` dict"),
        ("metadata = {", "syntax error"),
    ],
)
def test_bad_metadata_gets_one_paragraph_naming_manifest_and_field(
    tmp_path: Path, body: str, expected: str
) -> None:
    with pytest.raises(BadInput) as err:
        read_metadata(manifest(tmp_path, body + "\n"))
    text = err.value.paragraph()
    assert "manifest.py" in text and expected in text


def test_a_folder_without_manifest_is_named(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match=r"no manifest\.py"):
        read_metadata(tmp_path)


def policy() -> RetryPolicy:
    return RetryPolicy(jitter=0.0)


def test_429_and_503_wait_for_retry_after_header_then_body_then_doubling() -> None:
    p = policy()
    assert (
        p.wait_for_status(429, {"Retry-After": "7"}, {"retry_after_seconds": 3}, 0, safe=False) == 7
    )
    assert p.wait_for_status(503, {}, {"retry_after_seconds": 3}, 0, safe=False) == 3
    assert [p.wait_for_status(503, {}, {}, i, safe=False) for i in range(5)] == [2, 4, 8, 16, 30]
    when = format_datetime(datetime.now(timezone.utc) + timedelta(seconds=20), usegmt=True)
    assert 17 <= p.wait_for_status(429, {"Retry-After": when}, {}, 0, safe=False) <= 20  # type: ignore[operator]


def test_one_wait_is_capped_at_30_s_and_retryable_false_is_respected() -> None:
    p = policy()
    assert p.wait_for_status(429, {"Retry-After": "600"}, {}, 0, safe=False) == 30
    assert p.wait_for_status(503, {"Retry-After": "1"}, {"retryable": False}, 0, safe=True) is None


def test_other_5xx_retry_only_when_the_call_is_safe_and_4xx_never() -> None:
    p = policy()
    assert p.wait_for_status(502, {}, {}, 0, safe=True) == 2
    assert p.wait_for_status(502, {}, {}, 0, safe=False) is None
    assert p.wait_for_status(400, {}, {}, 0, safe=True) is None
    assert p.wait_for_status(409, {}, {}, 0, safe=True) is None


def test_retrying_stops_before_waits_pass_180_s() -> None:
    p = RetryPolicy(jitter=0.0, max_attempts=100)
    waited, retry = 0.0, 0
    while True:
        wait = p.wait_for_status(503, {}, {}, retry, safe=True)
        assert wait is not None
        if not p.allows(retry, waited, wait):
            break
        waited += wait
        retry += 1
    assert waited <= 180
    assert waited + 30 > 180, "it keeps trying until the budget is nearly spent"


def test_jitter_stays_within_a_quarter_and_under_the_cap() -> None:
    p = RetryPolicy()
    waits = [p.backoff(1) for _ in range(200)]
    assert all(3.0 <= w <= 5.0 for w in waits)
    assert len({round(w, 6) for w in waits}) > 1
    assert all(p.backoff(10) <= 30 for _ in range(50))


@pytest.mark.parametrize(
    ("version", "sent"), [("v1", "1.0.0"), ("v12", "12.0.0"), ("1.2.3", "1.2.3"), ("0.0.1", "0.0.1")]
)
def test_short_versions_go_out_as_semver_and_semver_as_is(
    tmp_path: Path, version: str, sent: str
) -> None:
    from mixpeek_tools.publishing.manifest import api_version

    root = manifest(tmp_path, f'metadata = {{"name": "good_name", "version": "{version}"}}\n')
    assert api_version(read_metadata(root)) == sent


def test_a_description_over_the_upload_routes_500_characters_names_the_field(
    tmp_path: Path,
) -> None:
    from mixpeek_tools.publishing.manifest import api_description

    body = 'metadata = {"name": "good_name", "version": "v1", "description": "' + "x" * 501 + '"}\n'
    with pytest.raises(BadInput) as err:
        api_description(read_metadata(manifest(tmp_path, body)))
    assert "metadata.description" in err.value.paragraph() and "500" in err.value.paragraph()
