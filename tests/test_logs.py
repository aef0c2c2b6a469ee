"""JSON logs: one object per line; the request id follows the comment into its job."""

from __future__ import annotations

import json
import logging

from service.logs import JsonFormatter, RequestIdFilter, bound_request_id
from tests.web.test_api_comments import GOOD
from tests.worker.test_worker import BENIGN, submit


def test_one_json_object_per_event_with_key_value_fields():
    record = logging.makeLogRecord(
        {"name": "worker.jobs", "levelname": "INFO", "msg": "comments scored count=%s model=%s",
         "args": (3, "2026.11.25-1")}
    )  # fmt: skip
    with bound_request_id("req-12345678"):
        RequestIdFilter().filter(record)
    line = JsonFormatter().format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["event"] == "comments scored"
    assert entry["count"] == "3" and entry["model"] == "2026.11.25-1"
    assert entry["request_id"] == "req-12345678"
    assert entry["level"] == "info" and entry["logger"] == "worker.jobs"


def test_the_request_id_follows_the_comment_into_its_job(client, run_worker, caplog):
    caplog.handler.addFilter(RequestIdFilter())
    caplog.set_level(logging.INFO)
    submit(client, BENIGN)  # another comment, with an id of its own
    given = "trace-abcdef123456"
    response = client.post(
        "/api/v1/comments",
        json={**GOOD, "body": BENIGN},
        headers={"X-Request-ID": given},
    )
    assert response.status_code == 202
    run_worker()
    entries = [json.loads(JsonFormatter().format(record)) for record in caplog.records]
    mine = [e for e in entries if e.get("request_id") == given]
    assert {e["event"] for e in mine} >= {"comment accepted", "comments scored"}
