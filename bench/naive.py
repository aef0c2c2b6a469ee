"""The naive baseline's intake: a minimal Flask endpoint that applies flask-limiter (same limits
and storage as Sieve) and enqueues one RQ job per comment; no database, no validation.

    gunicorn --pythonpath bench naive:app   (REDIS_URL, SIEVE_QUEUE, SIEVE_RATE_LIMIT_IP)
"""

from __future__ import annotations

import os

from flask import Flask, jsonify, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from redis import Redis
from rq import Queue

REDIS_URL = os.environ["REDIS_URL"]
RATE = os.environ.get("SIEVE_RATE_LIMIT_IP", "1000000/minute")

app = Flask(__name__)
limiter = Limiter(
    get_remote_address,
    app=app,
    storage_uri=REDIS_URL.replace("unix://", "redis+unix://"),
    strategy="fixed-window",
)
queue = Queue(os.environ.get("SIEVE_QUEUE", "naive"), connection=Redis.from_url(REDIS_URL))


def noop(body: str) -> None:
    """The naive job (never run by the intake benchmark)."""


@app.post("/api/v1/comments")
@limiter.limit(RATE)
def submit():
    payload = request.get_json()
    job = queue.enqueue("naive.noop", payload.get("body", ""))
    return jsonify({"id": job.id, "status": "pending"}), 202
