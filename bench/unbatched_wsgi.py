"""Sieve as it was before a view's rate limits were counted in one round trip: limits' plain
Redis storage, so flask-limiter makes a round trip a limit. For bench/intake_ab.py only."""

from __future__ import annotations

import service
from service import create_app

service._limits_uri = lambda url: (
    "redis+unix://" + url.removeprefix("unix://") if url.startswith("unix://") else url
)
app = create_app()
