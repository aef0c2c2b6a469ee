"""Workers follow promotions between jobs too, and say which models they have loaded.

A worker looks at the deployments every ``CHECK_SECONDS`` beside its job loop, so a promoted
model is loaded before the next job needs it, and writes the versions it holds to Redis, where
/ops and ``sieve model status`` read them: after ``sieve model promote``, each worker's line
shows when it switched.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading

import redis
from flask import Flask

from service.pipeline.broker import redis_connection, scoring_queue
from service.pipeline.classifier import CHECK_SECONDS, classifier_holder

log = logging.getLogger(__name__)

# A report outlives a few missed checks, not a dead worker.
REPORT_TTL = 30


def _key(worker_name: str) -> str:
    return f"sieve:worker-model:{scoring_queue().name}:{worker_name}"


def report(worker_name: str) -> None:
    loaded = classifier_holder().status()
    value = {"live": loaded.live, "shadow": loaded.shadow, "problem": loaded.problem}
    redis_connection().set(_key(worker_name), json.dumps(value), ex=REPORT_TTL)


def reported(worker_names: list[str]) -> dict[str, dict[str, str | None]]:
    """What each named worker last said it has loaded (absent: nothing said lately)."""
    if not worker_names:
        return {}
    values = redis_connection().mget([_key(name) for name in worker_names])
    return {name: json.loads(v) for name, v in zip(worker_names, values, strict=True) if v}


def run_forever(app: Flask, worker_name: str, stop: threading.Event) -> None:
    # Here, not at the top: vitals reads monitor, which reads what workers report here.
    from service.pipeline import vitals

    while not stop.wait(CHECK_SECONDS):
        with app.app_context():
            try:
                classifier_holder().refresh()
                report(worker_name)
                vitals.sample_if_due()
            except (redis.RedisError, OSError) as error:
                log.warning("model report skipped: redis unavailable error=%s", error)
            except Exception:
                log.exception("model check failed")


def start_thread(app: Flask, worker_name: str) -> threading.Event:
    """Check and report beside the worker loop; set the returned event to stop."""
    # Without Redis now, the loop reports once it is back.
    with app.app_context(), contextlib.suppress(redis.RedisError, OSError):
        report(worker_name)
    stop = threading.Event()
    thread = threading.Thread(
        target=run_forever, args=(app, worker_name, stop), name="sieve-model-watch", daemon=True
    )
    thread.start()
    return stop
