"""The rate-limit budget both compatible APIs share: one per site key, whichever API it calls."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from service.domain.site_keys import key_digest
from service.web.api.requests import settings
from service.web.limits import limiter


def per_key_limit(presented: Callable[[], str], **options: Any):
    """A flask-limiter decorator limiting each presented key to SIEVE_RATE_LIMIT_KEY. The bucket
    is the key's hash (Redis never holds a key), in one scope, so that Perspective and Akismet
    calls with the same key draw on the same budget."""

    def bucket() -> str:
        return f"{settings().rate_limit_key_prefix}:site-key:{key_digest(presented() or '')}"

    return limiter.shared_limit(
        lambda: settings().rate_limit_key, scope="site-key", key_func=bucket, **options
    )
