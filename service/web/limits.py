"""Extensions created unbound here and bound to the app in ``create_app``; and the way a view
with several rate limits has them all counted in one Redis round trip."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, wraps
from typing import Any, TypeVar

from flask import g, has_request_context, request
from flask_limiter import Limiter
from limits import parse_many
from limits.storage import RedisStorage

log = logging.getLogger(__name__)
View = TypeVar("View", bound=Callable[..., Any])


def client_ip() -> str:
    # ProxyFix (configured with the trusted proxy count) has already rewritten remote_addr.
    return request.remote_addr or "unknown"


# No limit headers: they cost every answer a Redis round trip; a 429 still says Retry-After
# (see service.web.errors).
limiter = Limiter(key_func=client_ip, default_limits=[], headers_enabled=False)

# What limits' incr_expire.lua does for one key, for every key given: the counts, in order.
_INCR_EXPIRE_ALL = """
local counts = {}
for i, key in ipairs(KEYS) do
    local amount = tonumber(ARGV[2 * i])
    local current = redis.call("incrby", key, amount)
    if tonumber(current) == amount then
        redis.call("expire", key, ARGV[2 * i - 1])
    end
    counts[i] = current
end
return counts
"""


class BatchedRedisStorage(RedisStorage):
    """limits' Redis storage (``sieve+redis://…``), able to count several limits at once.

    ``prefetch`` increments every counter a request is about to be checked against in one
    script; flask-limiter's own checks that follow then find their counts in the request
    instead of making a round trip each. A counter nobody prefetched goes to Redis as before.
    """

    STORAGE_SCHEME = ["sieve+redis", "sieve+rediss", "sieve+redis+unix"]

    def __init__(self, uri: str, **options: Any) -> None:
        super().__init__(uri.removeprefix("sieve+"), **options)
        self._incr_expire_all = self.get_connection().register_script(_INCR_EXPIRE_ALL)

    def prefetch(self, hits: list[tuple[str, int, int]]) -> None:
        """Count (key, expiry, amount) hits now, for this request's checks to use."""
        keys = [self.prefixed_key(key) for key, _, _ in hits]
        args = [value for _, expiry, amount in hits for value in (expiry, amount)]
        counts = self._incr_expire_all(keys, args)
        g.sieve_counted_limits = {
            (key, expiry, amount): int(count)
            for (key, expiry, amount), count in zip(hits, counts, strict=True)
        }

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        counted = g.get("sieve_counted_limits") if has_request_context() else None
        if counted:
            count = counted.pop((key, expiry, amount), None)
            if count is not None:
                return count
        return super().incr(key, expiry, amount)


@dataclass(frozen=True)
class RouteLimit:
    """One flask-limiter limit of a view: its rate, key, scope and when it does not apply."""

    rate: Callable[[], str]
    key: Callable[[], str]
    scope: str
    exempt_when: Callable[[], bool] | None = None


def limited(*route_limits: RouteLimit) -> Callable[[View], View]:
    """Apply flask-limiter's limits to a view, counted in one Redis round trip.

    flask-limiter checks the limits one by one, a round trip each. Before it does, this counts
    all of them in one script, with the keys flask-limiter itself gives them (a fixed-window
    item's ``key_for(key, "endpoint:scope")``), so each check then finds its count. A request
    refused by one limit has been counted by the others too. Should Redis fail here,
    flask-limiter's own checks run as usual, with its fail-open or fail-closed handling.
    """

    def decorate(view: View) -> View:
        checked = view
        for limit in route_limits:
            checked = limiter.limit(
                limit.rate, key_func=limit.key, scope=limit.scope, exempt_when=limit.exempt_when
            )(checked)

        @wraps(checked)
        def counted_at_once(*args: Any, **kwargs: Any) -> Any:
            _prefetch(route_limits)
            return checked(*args, **kwargs)

        return counted_at_once  # type: ignore[return-value]

    return decorate


_parsed = cache(parse_many)  # a handful of distinct rate strings, parsed once each


def _prefetch(route_limits: tuple[RouteLimit, ...]) -> None:
    if not limiter.enabled or not isinstance(storage := limiter.storage, BatchedRedisStorage):
        return
    hits = []
    for limit in route_limits:
        if limit.exempt_when is not None and limit.exempt_when():
            continue
        identifiers = (limit.key(), f"{request.endpoint}:{limit.scope}")
        for item in _parsed(limit.rate()):
            hits.append((item.key_for(*identifiers), item.get_expiry(), 1))
    try:
        storage.prefetch(hits)
    except Exception:  # flask-limiter's checks go to Redis themselves and handle the failure
        log.warning("could not count the rate limits in one round trip", exc_info=True)
