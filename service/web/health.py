"""Liveness and readiness probes for load balancers and orchestrators."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify
from sqlalchemy import text

from service.pipeline.broker import redis_connection
from service.pipeline.classifier import classifier_holder
from service.storage import db

health = Blueprint("health", __name__)


@health.get("/healthz")
def healthz() -> Response:
    return jsonify({"status": "ok"})


@health.get("/readyz")
def readyz() -> tuple[Response, int]:
    checks: dict[str, dict[str, str]] = {}
    try:
        with db.engine().connect() as connection:
            connection.execute(text("SELECT 1"))
        checks["database"] = {"status": "ok"}
    except Exception as error:  # any driver error means "not ready", never a 500
        checks["database"] = {"status": "error", "detail": type(error).__name__}
    try:
        redis_connection().ping()
        checks["redis"] = {"status": "ok"}
    except Exception as error:
        checks["redis"] = {"status": "error", "detail": type(error).__name__}
    try:
        holder = classifier_holder()
        checks["model"] = {"status": "ok", "version": holder.load().version}
        if holder.problem:  # still serving with the model it has; /ops says more
            checks["model"]["problem"] = holder.problem[:300]
    except Exception as error:
        checks["model"] = {"status": "error", "detail": str(error)[:200]}
    ready = all(check["status"] == "ok" for check in checks.values())
    return jsonify({"status": "ready" if ready else "unavailable", "checks": checks}), (
        200 if ready else 503
    )
