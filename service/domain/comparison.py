"""The live model against a candidate scored in its shadow (``sieve model compare``).

For every comment both scored, each model's scores are put through the site's thresholds: would
it have approved, held or rejected the comment (spam counts as rejected)? Where a moderator
decided the comment, each model's errors are counted against that decision: approved what the
moderator refused, held or rejected what the moderator approved.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.domain.deployments import deployments
from service.domain.policy import decide
from service.domain.sites import site_thresholds
from service.storage.states import CommentStatus
from service.storage.tables import Comment, ShadowScore, Site

OUTCOMES = ("approve", "hold", "reject")
_OUTCOME = {
    CommentStatus.APPROVED: "approve",
    CommentStatus.HELD: "hold",
    CommentStatus.REJECTED: "reject",
    CommentStatus.SPAM: "reject",
}
_REFUSED = (CommentStatus.REJECTED, CommentStatus.SPAM)


def outcome(scores: dict[str, float], thresholds: dict[str, dict[str, float]]) -> str:
    """What the site's thresholds make of a model's scores: approve, hold or reject."""
    return _OUTCOME[decide(scores, thresholds).status]


@dataclass
class Errors:
    """One model's decisions against the moderators' on the comments they decided."""

    good: int = 0  # comments a moderator approved
    refused: int = 0  # comments a moderator rejected or filed as spam
    wrongly_rejected: int = 0
    wrongly_approved: int = 0
    held_for_nothing: int = 0

    def add(self, decided: str, refused: bool) -> None:
        if refused:
            self.refused += 1
            self.wrongly_approved += decided == "approve"
        else:
            self.good += 1
            self.wrongly_rejected += decided == "reject"
            self.held_for_nothing += decided == "hold"

    @property
    def errors(self) -> int:
        """Wrong automatic decisions (as in ``service.domain.tuning``); holds are counted apart."""
        return self.wrongly_rejected + self.wrongly_approved

    def as_dict(self) -> dict[str, float | int | None]:
        def share(part: int, whole: int) -> float | None:
            return round(part / whole, 4) if whole else None

        return {
            "good": self.good,
            "refused": self.refused,
            "wrongly_rejected": self.wrongly_rejected,
            "wrongly_approved": self.wrongly_approved,
            "held_for_nothing": self.held_for_nothing,
            "errors": self.errors,
            "wrongly_rejected_rate": share(self.wrongly_rejected, self.good),
            "wrongly_approved_rate": share(self.wrongly_approved, self.refused),
            "held_for_nothing_rate": share(self.held_for_nothing, self.good),
        }


@dataclass
class Tally:
    """Both models' outcomes on a set of comments."""

    count: int = 0
    same: int = 0
    # (live outcome, candidate outcome) -> comments
    matrix: Counter = field(default_factory=Counter)
    live: Errors = field(default_factory=Errors)
    candidate: Errors = field(default_factory=Errors)

    def add(self, live: str, candidate: str, moderator: CommentStatus | None) -> None:
        self.count += 1
        self.same += live == candidate
        self.matrix[live, candidate] += 1
        if moderator is not None:
            self.live.add(live, moderator in _REFUSED)
            self.candidate.add(candidate, moderator in _REFUSED)

    def as_dict(self) -> dict[str, object]:
        return {
            "count": self.count,
            "agreement": round(self.same / self.count, 4) if self.count else None,
            "decided_differently": self.count - self.same,
            "matrix": {a: {b: self.matrix[a, b] for b in OUTCOMES} for a in OUTCOMES},
            "moderated": self.live.good + self.live.refused,
            "live": self.live.as_dict(),
            "candidate": self.candidate.as_dict(),
        }


@dataclass
class Comparison:
    candidate: str | None
    live_versions: list[str]
    since: datetime | None
    overall: Tally
    sites: dict[str, Tally]

    def as_dict(self) -> dict[str, object]:
        return {
            "candidate_version": self.candidate,
            "live_versions": self.live_versions,
            "since": self.since.isoformat() if self.since else None,
            **self.overall.as_dict(),
            "sites": {slug: tally.as_dict() for slug, tally in sorted(self.sites.items())},
        }


def candidate_version(session: Session) -> str | None:
    """The shadow model in force, else the last one that scored anything."""
    shadow = deployments(session).shadow
    if shadow is not None and shadow.version:
        return shadow.version
    return session.scalar(select(ShadowScore.model_version).order_by(ShadowScore.id.desc()))


def compare(
    session: Session,
    candidate: str | None = None,
    site: Site | None = None,
    since: datetime | None = None,
) -> Comparison:
    """Live model and ``candidate`` (default: the shadow one) on the comments both scored."""
    candidate = candidate or candidate_version(session)
    query = (
        select(
            Comment.site_id, Comment.scores, Comment.model_version, Comment.status,
            Comment.decided_by, ShadowScore.scores,
        )
        .join(ShadowScore, ShadowScore.comment_id == Comment.id)
        .where(ShadowScore.model_version == candidate, Comment.scores.is_not(None))
        .order_by(Comment.id)
    )  # fmt: skip
    if site is not None:
        query = query.where(Comment.site_id == site.id)
    if since is not None:
        query = query.where(Comment.created_at >= since)
    sites = {s.id: s for s in session.scalars(select(Site))}
    thresholds = {site_id: site_thresholds(s) for site_id, s in sites.items()}
    overall, per_site, versions = Tally(), {}, set()
    for site_id, live_scores, version, status, decided_by, shadow_scores in session.execute(
        query.execution_options(yield_per=2000)
    ):
        limits = thresholds[site_id]
        live, other = outcome(live_scores, limits), outcome(shadow_scores, limits)
        moderator = status if decided_by == "moderator" and status in _OUTCOME else None
        if moderator is CommentStatus.HELD:
            moderator = None
        overall.add(live, other, moderator)
        per_site.setdefault(sites[site_id].slug, Tally()).add(live, other, moderator)
        versions.add(version)
    return Comparison(candidate, sorted(v for v in versions if v), since, overall, per_site)


def shadow_counts(session: Session) -> dict[str, int]:
    """Comments each candidate model scored, by version."""
    rows = session.execute(
        select(ShadowScore.model_version, func.count()).group_by(ShadowScore.model_version)
    )
    return dict(rows.all())
