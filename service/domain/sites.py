"""Sites: who may embed Sieve, and each site's moderation policy."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from service.storage.states import PreModeration
from service.storage.tables import Site

# How long a server process may answer from its copy of a site's settings. A change made in the
# same process is seen at once; one made in another (the admin page served by another gunicorn
# worker, `sieve sites add`) within this many seconds.
SITE_CACHE_SECONDS = 5.0
SITE_CACHE_SIZE = 1024

# Approve below the first number, reject above the second, hold a human's attention between.
DEFAULT_THRESHOLDS: dict[str, dict[str, float]] = {
    "spam": {"approve_below": 0.5, "reject_above": 0.9},
    "toxicity": {"approve_below": 0.5, "reject_above": 0.9},
}


def find_site(session: Session, slug: str) -> Site | None:
    return session.scalar(select(Site).where(Site.slug == slug))


class SiteCache:
    """Sites by slug, for the request path: a comment costs no site query in the common case.

    Unknown slugs are remembered too (as None), within a bounded size, so that a flood naming a
    made-up site does not make every request query; when the cache is full, those go first. The
    cached ``Site`` objects are detached snapshots: read them, never change them or add them to a
    session.
    """

    def __init__(self, ttl: float = SITE_CACHE_SECONDS, size: int = SITE_CACHE_SIZE) -> None:
        self.ttl = ttl
        self.size = size
        self._entries: dict[str, tuple[int, float, Site | None]] = {}
        self._lock = threading.Lock()

    def get(self, slug: str, load: Callable[[str], Site | None]) -> Site | None:
        now = time.monotonic()
        entry = self._entries.get(slug)
        if entry is not None and entry[0] == _generation and entry[1] > now:
            return entry[2]
        generation = _generation  # read before loading: a change meanwhile is not hidden
        site = load(slug)
        with self._lock:
            if len(self._entries) >= self.size:
                # Made-up slugs go first, so that a flood of them does not evict the real sites.
                unknown = [key for key, (_, _, known) in self._entries.items() if known is None]
                for key in unknown or list(self._entries):
                    del self._entries[key]
            self._entries[slug] = (generation, now + self.ttl, site)
        return site


# Bumped whenever this process writes a site, which empties every SiteCache in the process.
_generation = 0
_generation_lock = threading.Lock()


def _forget_sites() -> None:
    global _generation
    with _generation_lock:  # `+=` is a read and a write: two threads could make one bump
        _generation += 1


@event.listens_for(Session, "after_flush")
def _sites_flushed(session: Session, _context: object) -> None:
    changed = (*session.new, *session.dirty, *session.deleted)
    if any(isinstance(instance, Site) for instance in changed):
        session.info["sieve.sites_changed"] = True
        _forget_sites()


@event.listens_for(Session, "after_commit")
def _sites_committed(session: Session) -> None:
    # Again at commit: a request may have cached the old row between the flush and the commit.
    if session.info.pop("sieve.sites_changed", False):
        _forget_sites()


@event.listens_for(Session, "after_rollback")
def _sites_rolled_back(session: Session) -> None:
    session.info.pop("sieve.sites_changed", None)


def ensure_site(
    session: Session,
    slug: str,
    name: str,
    origins: list[str],
    premoderation: PreModeration = PreModeration.NONE,
) -> Site:
    """Create the site, or add any missing origins to an existing one."""
    site = find_site(session, slug)
    if site is None:
        site = Site(
            slug=slug,
            name=name,
            allowed_origins=list(origins),
            thresholds={label: dict(t) for label, t in DEFAULT_THRESHOLDS.items()},
            premoderation=premoderation,
            rate_limit_ip="",
            rate_limit_site="",
        )
        session.add(site)
    else:
        site.allowed_origins = sorted(set(site.allowed_origins) | set(origins))
    session.flush()
    return site


def site_thresholds(site: Site) -> dict[str, dict[str, float]]:
    """The site's thresholds, falling back to the defaults for labels it does not set."""
    merged = {label: dict(t) for label, t in DEFAULT_THRESHOLDS.items()}
    for label, values in (site.thresholds or {}).items():
        merged.setdefault(label, {}).update(values)
    return merged
