"""Fuzzing the JSON API from its own OpenAPI schema (schemathesis' hypothesis strategies):
whatever a client sends, valid for the schema or not, the answer is never a 5xx and every 4xx
is a JSON error.

The strategies are drawn with hypothesis directly: schemathesis' pytest plugin (from_fixture)
does not run under this project's pytest 9.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

from bookrec.config import RecommendConfig
from bookrec.serving.web import create_app

OPERATIONS = [
    "GET /api/health",
    "GET /api/books",
    "POST /api/recommend",
    "POST /api/similar",
    "POST /api/import/goodreads",
]


@pytest.fixture(scope="module")
def api_schema(web_warehouse: Path):
    app = create_app(web_warehouse, recommend_config=RecommendConfig(min_num_ratings=0))
    return schemathesis.openapi.from_asgi("/openapi.json", app)


def test_every_operation_is_fuzzed(api_schema) -> None:
    labels = {result.ok().label for result in api_schema.get_all_operations()}
    assert labels == set(OPERATIONS)


# Valid requests, and requests that break the schema; /api/health takes nothing to break.
CASES = [
    (label, mode)
    for label in OPERATIONS
    for mode in GenerationMode
    if not (label == "GET /api/health" and mode == GenerationMode.NEGATIVE)
]


@pytest.mark.parametrize(("label", "mode"), CASES, ids=lambda v: getattr(v, "value", v))
def test_no_request_gets_a_server_error(api_schema, label, mode) -> None:
    operation = api_schema.find_operation_by_label(label)

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=40,
        deadline=None,  # a shared 2-core machine; speed is the web benchmark's business
        suppress_health_check=list(HealthCheck),
        derandomize=True,  # the same examples on every run: a failure reproduces
        database=None,
    )
    def check(case) -> None:
        response = case.call()
        assert response.status_code < 500, (case.query, case.body, response.text[:500])
        if response.status_code >= 400:  # a JSON body saying what was wrong
            assert isinstance(response.json()["error"], str), response.text[:500]

    check()
