"""Sites: who may embed Sieve, and each site's moderation policy."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.status import PreModeration
from service.storage import Site

# Approve below the first number, reject above the second, hold a human's attention between.
DEFAULT_THRESHOLDS: dict[str, dict[str, float]] = {
    "spam": {"approve_below": 0.5, "reject_above": 0.9},
    "toxicity": {"approve_below": 0.5, "reject_above": 0.9},
}


def find_site(session: Session, slug: str) -> Site | None:
    return session.scalar(select(Site).where(Site.slug == slug))


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
