"""Property-based fuzzing of every /api/v1 operation from its own OpenAPI document
(schemathesis): with a valid key, whatever the parameters and bodies, no 500, and every
answer matches the schema the document gives for its status code."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api_world import app, bearer

schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app())
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@schema.parametrize()
@settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_operation_fails_or_answers_outside_its_schema(case, world, badge_keys_dir, monkeypatch):
    monkeypatch.setenv("API_RATE_LIMIT", "100000/minute")
    from core import config

    config.get_settings.cache_clear()
    case.call_and_validate(headers=bearer(world.export_key), checks=CHECKS)
