"""Structured logs: one JSON object per line, carrying the request id of the comment concerned.

The web request's id (``X-Request-ID``) is stored with the comment and passed to its job, so
``grep <request id>`` over web and worker logs follows one comment from submission to decision.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "sieve_request_id", default=None
)
# `key=value` pairs in a message become fields of their own, so logs can be filtered by them.
_PAIR = re.compile(r"(?<![\w.])([a-z_][a-z0-9_]*)=(\{[^}]*\}|\[[^\]]*\]|\S+)")
_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


@contextmanager
def bound_request_id(request_id: str | None) -> Iterator[None]:
    """Log lines inside the block carry ``request_id`` (used by jobs)."""
    token = _request_id.set(request_id)
    try:
        yield
    finally:
        _request_id.reset(token)


def current_request_id() -> str | None:
    bound = _request_id.get()
    if bound:
        return bound
    from flask import g, has_request_context

    if has_request_context():
        return g.get("request_id")
    return None


class RequestIdFilter(logging.Filter):
    """Stamps the request id on each record as it is emitted (formatting may happen later)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = current_request_id()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        entry: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": _PAIR.split(message, maxsplit=1)[0].strip() or message,
            "message": message,
        }
        entry.update({key: value for key, value in _PAIR.findall(message)})
        request_id = current_request_id()
        if request_id:
            entry["request_id"] = request_id
        entry.update(
            {
                k: v
                for k, v in record.__dict__.items()
                if k not in _STANDARD and not k.startswith("_")
            }
        )
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


class _TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        request_id = getattr(record, "request_id", None) or current_request_id()
        return (
            f"{line} request_id={request_id}" if request_id and "request_id=" not in line else line
        )


def configure(level: str = "INFO", fmt: str = "json") -> None:
    """Send every logger (ours, RQ's, gunicorn's) to stderr in one format; safe to call twice."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonFormatter() if fmt == "json" else _TextFormatter("%(asctime)s %(name)s %(message)s")
    )
    root = logging.getLogger()
    for existing in [h for h in root.handlers if getattr(h, "_sieve", False)]:
        root.removeHandler(existing)
    handler.addFilter(RequestIdFilter())
    handler._sieve = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    # RQ installs its own handler on its logger; one line per event means one handler.
    for name in ("rq.worker", "rq.scheduler", "rq"):
        rq_logger = logging.getLogger(name)
        rq_logger.handlers.clear()
        rq_logger.propagate = True
