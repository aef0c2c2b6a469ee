"""Scoring pending comments and recording the site policy's decision."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.orm import Session, joinedload

from models import Classifier, Judgement
from service.domain.abuse import repeat_post_floors
from service.domain.notifications import mark
from service.domain.policy import Decision, allowed_link_domains, blocked_codes, decide
from service.domain.sites import site_thresholds
from service.storage.db import insert_ignoring_duplicates
from service.storage.states import CommentStatus, PreModeration, check_transition
from service.storage.tables import Comment, ModerationEvent, ShadowScore, Site, Thread, utcnow

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    comment_id: int
    status: CommentStatus
    reason_codes: tuple[str, ...]
    scores: Mapping[str, float] = field(default_factory=dict)
    created_at: datetime | None = None  # when submitted: the decision's latency
    source: str = "model"  # who decided: the model, or the system when scoring failed


def score_pending(session: Session, classifier: Classifier, ids: Sequence[int]) -> list[Outcome]:
    """Score those of ``ids`` still pending and decide them, in the caller's transaction.

    Comments that are no longer pending (already scored, or decided by a moderator) are left
    alone, so running the same job twice never changes a decision. Links to the domains a
    comment's site allows, and to the site itself, are not held against it.
    """
    comments = list(
        session.scalars(
            select(Comment)
            .where(Comment.id.in_(ids), Comment.status == CommentStatus.PENDING)
            .options(joinedload(Comment.thread).joinedload(Thread.site))
            .order_by(Comment.id)
            .with_for_update(skip_locked=True, of=Comment)
        ).unique()
    )
    if not comments:
        return []
    judgements = _judge(classifier, [(c.body, c.thread.site) for c in comments])
    # Every decision first (they read the database), then all the writes together.
    floors = repeat_post_floors(session, comments)
    decisions = [
        _decision(session, c, j, floors.get(c.id))
        for c, j in zip(comments, judgements, strict=True)
    ]
    now = utcnow()
    changes = []
    for comment, judgement, decision in zip(comments, judgements, decisions, strict=True):
        check_transition(CommentStatus.PENDING, decision.status)
        changes.append(
            Change(
                comment.id,
                decision.status,
                reason=",".join(decision.reason_codes) or None,
                values={
                    **_scored(judgement, classifier.version),
                    "reason_codes": list(decision.reason_codes),
                    "decided_by": "model",
                },
            )
        )
    changed = _decide_pending(
        session, changes, actor=f"model:{classifier.version}", action="score", now=now
    )
    return [
        Outcome(
            comment.id, decision.status, decision.reason_codes, judgement.labels, comment.created_at
        )
        for comment, judgement, decision in zip(comments, judgements, decisions, strict=True)
        if comment.id in changed
    ]


def score_in_shadow(session: Session, classifier: Classifier, ids: Sequence[int]) -> int:
    """Score the given comments with a candidate model and store its scores apart from the live
    ones; how many were stored. Nothing about the comments changes. The same links are masked as
    for the live model, so that both are judged on the same text; a repeat stores nothing."""
    rows = session.execute(
        select(Comment.id, Comment.body, Site)
        .join(Site, Site.id == Comment.site_id)
        .where(Comment.id.in_(ids), Comment.scores.is_not(None))
        .order_by(Comment.id)
    ).all()
    if not rows:
        return 0
    judgements = _judge(classifier, [(row.body, row.Site) for row in rows], explain=False)
    now = utcnow()
    values = [
        {
            "comment_id": row.id,
            "model_version": classifier.version,
            "scores": _rounded(judgement.labels),
            "created_at": now,
        }
        for row, judgement in zip(rows, judgements, strict=True)
    ]
    return insert_ignoring_duplicates(session, ShadowScore.__table__, values)


def backfill_scores(session: Session, classifier: Classifier, ids: Sequence[int]) -> int:
    """Scores, reasons and priority for those of ``ids`` that have none (imported comments),
    leaving their status as it was; how many were scored. A pending one is left to scoring."""
    comments = list(
        session.scalars(
            select(Comment)
            .where(
                Comment.id.in_(ids),
                Comment.scores.is_(None),
                Comment.status != CommentStatus.PENDING,
            )
            .options(joinedload(Comment.thread).joinedload(Thread.site))
            .order_by(Comment.id)
        ).unique()
    )
    if not comments:
        return 0
    judgements = _judge(classifier, [(c.body, c.thread.site) for c in comments])
    for comment, judgement in zip(comments, judgements, strict=True):
        for column, value in _scored(judgement, classifier.version).items():
            setattr(comment, column, value)
    return len(comments)


def _judge(
    classifier: Classifier, texts: Sequence[tuple[str, Site]], explain: bool = True
) -> list[Judgement]:
    """Score each body with the links its site allows (and the site's own) masked; the allowed
    domains are worked out once a site, not once a comment."""
    allowed: dict[int, frozenset[str]] = {}
    for _, site in texts:
        if site.id not in allowed:
            allowed[site.id] = allowed_link_domains(site.allowed_domains, site.allowed_origins)
    return classifier.score(
        [body for body, _ in texts],
        explain=explain,
        allowed_domains=[allowed[site.id] for _, site in texts],
    )


def _rounded(labels: Mapping[str, float]) -> dict[str, float]:
    return {label: round(p, 6) for label, p in labels.items()}


def _scored(judgement: Judgement, model_version: str) -> dict[str, object]:
    """The comment columns a judgement fills: scores, the model, the reasons, queue priority."""
    return {
        "scores": _rounded(judgement.labels),
        "model_version": model_version,
        "explanation": [reason.to_dict() for reason in judgement.reasons],
        "priority": round(max(judgement.labels.values(), default=0.0), 6),
    }


def _decision(
    session: Session, comment: Comment, judgement: Judgement, repeat_floor: float | None
) -> Decision:
    site = comment.thread.site
    if blocked := blocked_codes(comment.body, site.blocked_words, site.blocked_domains):
        return Decision(CommentStatus.REJECTED, blocked)
    scores = dict(judgement.labels)
    signal_codes = tuple(dict.fromkeys(reason.code for reason in judgement.reasons))
    # The same text from many authors or sites is a campaign, whatever its words.
    if repeat_floor is not None:
        scores["spam"] = max(scores.get("spam", 0.0), repeat_floor)
        signal_codes = ("REPEAT_POST", *signal_codes)
    new_author = site.premoderation is PreModeration.NEW_AUTHORS and _is_new_author(
        session, comment
    )
    return decide(
        scores,
        site_thresholds(site),
        site.premoderation,
        new_author=new_author,
        signal_codes=signal_codes,
    )


def _is_new_author(session: Session, comment: Comment) -> bool:
    """No approved comment on this site yet from the same email (no email: always new)."""
    if comment.author_email_hash is None:
        return True
    approved = session.scalar(
        select(func.count())
        .select_from(Comment)
        .join(Thread, Thread.id == Comment.thread_id)
        .where(
            Thread.site_id == comment.thread.site_id,
            Comment.author_email_hash == comment.author_email_hash,
            Comment.status == CommentStatus.APPROVED,
        )
    )
    return not approved


SCORING_FAILED = "SCORING_FAILED"


def settle_unscored(session: Session, ids: Sequence[int]) -> list[Outcome]:
    """Decide those of ``ids`` still pending without scores, after scoring failed for good.

    Held for a human unless the site chose to approve (``site.scoring_failure``); either way the
    reason is ``SCORING_FAILED``, so a comment is never left pending forever.
    """
    comments = session.scalars(
        select(Comment)
        .where(Comment.id.in_(ids), Comment.status == CommentStatus.PENDING)
        .options(joinedload(Comment.thread).joinedload(Thread.site))
        .order_by(Comment.id)
    ).unique()
    changes, submitted = [], {}
    for comment in comments:
        submitted[comment.id] = comment.created_at
        choice = comment.thread.site.scoring_failure
        status = CommentStatus.APPROVED if choice == "approve" else CommentStatus.HELD
        values = {"reason_codes": [SCORING_FAILED], "decided_by": "system"}
        changes.append(Change(comment.id, status, reason=SCORING_FAILED, values=values))
    changed = _decide_pending(
        session, changes, actor="system", action="scoring_failed", now=utcnow()
    )
    return [
        Outcome(
            change.comment_id,
            change.status,
            (SCORING_FAILED,),
            created_at=submitted[change.comment_id],
            source="system",
        )
        for change in changes
        if change.comment_id in changed
    ]


@dataclass(frozen=True)
class Change:
    """A decision to write: the new status, the audit event's reason, the columns to set."""

    comment_id: int
    status: CommentStatus
    reason: str | None
    values: Mapping[str, object]


def _decide_pending(
    session: Session, changes: Sequence[Change], *, actor: str, action: str, now: datetime
) -> set[int]:
    """Decide comments only while they are still pending, each with its audit event; the ids of
    those decided.

    The conditional UPDATE is what makes a repeated or concurrent job harmless: whoever decides
    first wins, and nobody overrides a moderator. The whole batch is one executemany; only when
    some row was no longer pending does a query ask which rows this call wrote.
    """
    if not changes:
        return set()
    table = Comment.__table__
    statement = (
        update(table)
        .where(table.c.id == bindparam("comment_id"), table.c.status == CommentStatus.PENDING)
        .values(
            status=bindparam("new_status"),
            decided_at=bindparam("now"),
            # Named apart from the columns: SQLAlchemy reserves those names for itself.
            **{name: bindparam(f"set_{name}") for name in changes[0].values},
        )
    )

    def params(change: Change) -> dict[str, object]:
        return {
            "comment_id": change.comment_id,
            "new_status": change.status,
            "now": now,
            **{f"set_{name}": value for name, value in change.values.items()},
        }

    rows = session.execute(statement, [params(change) for change in changes]).rowcount
    if rows == len(changes) and session.get_bind().dialect.supports_sane_multi_rowcount:
        decided = list(changes)
    else:
        # Some row was decided by someone else first: ours are those stamped with this `now`.
        ours = set(
            session.scalars(
                select(table.c.id).where(
                    table.c.id.in_([change.comment_id for change in changes]),
                    table.c.decided_at == now,
                )
            )
        )
        decided = [change for change in changes if change.comment_id in ours]
    if decided:
        # Scored or settled here, a comment is news twice: it arrived, and it was decided.
        mark(session, [change.comment_id for change in decided], created=True)
        session.execute(
            insert(ModerationEvent),
            [
                {
                    "comment_id": change.comment_id,
                    "actor": actor,
                    "action": action,
                    "from_status": CommentStatus.PENDING,
                    "to_status": change.status,
                    "reason": change.reason,
                    "created_at": now,
                }
                for change in decided
            ],
        )
    return {change.comment_id for change in decided}
