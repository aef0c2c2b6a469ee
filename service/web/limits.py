"""Extensions created unbound here and bound to the app in ``create_app``."""

from __future__ import annotations

from flask import request
from flask_limiter import Limiter


def client_ip() -> str:
    # ProxyFix (configured with the trusted proxy count) has already rewritten remote_addr.
    return request.remote_addr or "unknown"


# No limit headers: they cost every answer a Redis round trip; a 429 still says Retry-After
# (see service.web.errors).
limiter = Limiter(key_func=client_ip, default_limits=[], headers_enabled=False)
