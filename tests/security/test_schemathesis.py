"""The OpenAPI document fuzzed against a live server: no 500s, every answer as documented."""

from __future__ import annotations

import threading

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from werkzeug.serving import make_server


@pytest.fixture
def live_schema(make_app, token_for):
    # Generous limits: the fuzzer is one client sending hundreds of requests.
    app = make_app(rate_limit_ip="100000/minute", rate_limit_analyze="100000/minute",
                   rate_limit_email="100000/minute")  # fmt: skip
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        loaded = schemathesis.openapi.from_url(
            f"http://127.0.0.1:{server.server_port}/api/v1/openapi.json"
        )
        yield loaded
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]


def test_api_never_fails_and_answers_as_documented(live_schema):
    tried = []
    for result in live_schema.get_all_operations():
        operation = result.ok()
        tried.append(operation.label)

        @given(operation.as_strategy())
        @settings(max_examples=50, deadline=None, suppress_health_check=list(HealthCheck))
        def call(case):
            # Not "positive data acceptance": the document cannot express every rule (a
            # whitespace-only name, an unknown site), and refusing those is right.
            case.call_and_validate(checks=CHECKS)

        call()
    assert "POST /api/v1/comments" in tried
