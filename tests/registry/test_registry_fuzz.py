"""schemathesis fuzzes the running registry from its own ``/openapi.json``.

Every operation gets a bounded number of generated requests (valid and invalid), sent with a
real key to a real namespace; no answer may be a 5xx, carry an undocumented status, or break
the schema the document declares for it.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from mixpeek_tools.registry.launch import RunningRegistry

pytestmark = pytest.mark.slow

EXAMPLES = int(os.environ.get("MIXPEEK_FUZZ_EXAMPLES", "12"))  # raise it for a deeper run


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]  # fmt: skip


def fuzz_operation(operation: Any, registry: RunningRegistry) -> None:
    """``EXAMPLES`` generated requests (valid ones, then invalid ones) for one operation."""
    headers = {"Authorization": f"Bearer {registry.api_key}"}
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=EXAMPLES, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck), phases=[Phase.generate])  # fmt: skip
        def run(case: Any) -> None:
            if "namespace_id" in (case.path_parameters or {}):
                case.path_parameters["namespace_id"] = registry.namespace
            sent = dict(headers)
            if case.headers and "X-Namespace" in case.headers:
                sent["X-Namespace"] = registry.namespace
            case.call_and_validate(headers=sent, checks=CHECKS)

        try:
            run()
        except Unsatisfiable:  # nothing to break in a request without inputs (GET /health)
            assert mode == GenerationMode.NEGATIVE, operation.label


def test_no_answer_breaks_the_document(registry: RunningRegistry) -> None:
    schema = schemathesis.openapi.from_url(f"{registry.base_url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 14
    for operation in operations:
        fuzz_operation(operation, registry)
