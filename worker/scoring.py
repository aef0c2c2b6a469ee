"""Scoring pending comments and recording the site policy's decision."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, joinedload

from models import Classifier, Judgement
from service.abuse import repeat_post_boost
from service.policy import Decision, blocked_codes, decide
from service.sites import site_thresholds
from service.status import CommentStatus, PreModeration, check_transition
from service.storage import Comment, ModerationEvent, Thread, utcnow

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    comment_id: int
    status: CommentStatus
    reason_codes: tuple[str, ...]
    scores: Mapping[str, float] = field(default_factory=dict)


def score_pending(session: Session, classifier: Classifier, ids: Sequence[int]) -> list[Outcome]:
    """Score those of ``ids`` still pending and decide them, in the caller's transaction.

    Comments that are no longer pending (already scored, or decided by a moderator) are left
    alone, so running the same job twice never changes a decision.
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
    judgements = classifier.score([comment.body for comment in comments])
    now = utcnow()
    outcomes = []
    for comment, judgement in zip(comments, judgements, strict=True):
        decision = _decision(session, comment, judgement)
        check_transition(CommentStatus.PENDING, decision.status)
        changed = _decide_pending(
            session,
            comment.id,
            decision.status,
            actor=f"model:{classifier.version}",
            action="score",
            reason=",".join(decision.reason_codes) or None,
            now=now,
            scores={label: round(p, 6) for label, p in judgement.labels.items()},
            model_version=classifier.version,
            reason_codes=list(decision.reason_codes),
            explanation=[reason.to_dict() for reason in judgement.reasons],
            priority=round(max(judgement.labels.values(), default=0.0), 6),
            decided_by="model",
        )
        if not changed:
            continue
        outcomes.append(
            Outcome(comment.id, decision.status, decision.reason_codes, judgement.labels)
        )
    return outcomes


def _decision(session: Session, comment: Comment, judgement: Judgement) -> Decision:
    site = comment.thread.site
    if blocked := blocked_codes(comment.body, site.blocked_words, site.blocked_domains):
        return Decision(CommentStatus.REJECTED, blocked)
    scores = dict(judgement.labels)
    signal_codes = tuple(dict.fromkeys(reason.code for reason in judgement.reasons))
    # The same text from many authors or sites is a campaign, whatever its words.
    if (floor := repeat_post_boost(session, comment)) is not None:
        scores["spam"] = max(scores.get("spam", 0.0), floor)
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
    now = utcnow()
    outcomes = []
    for comment in comments:
        choice = comment.thread.site.scoring_failure
        status = CommentStatus.APPROVED if choice == "approve" else CommentStatus.HELD
        changed = _decide_pending(
            session,
            comment.id,
            status,
            actor="system",
            action="scoring_failed",
            reason=SCORING_FAILED,
            now=now,
            reason_codes=[SCORING_FAILED],
            decided_by="system",
        )
        if not changed:
            continue
        outcomes.append(Outcome(comment.id, status, (SCORING_FAILED,)))
    return outcomes


def _decide_pending(
    session: Session,
    comment_id: int,
    status: CommentStatus,
    *,
    actor: str,
    action: str,
    reason: str | None,
    now: datetime,
    **values: object,
) -> bool:
    """Decide a comment only while it is still pending, with its audit event; False if it was not.

    The conditional UPDATE is what makes a repeated or concurrent job harmless: whoever decides
    first wins, and nobody overrides a moderator.
    """
    changed = session.execute(
        update(Comment)
        .where(Comment.id == comment_id, Comment.status == CommentStatus.PENDING)
        .values(status=status, decided_at=now, **values)
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed:
        session.add(
            ModerationEvent(
                comment_id=comment_id,
                actor=actor,
                action=action,
                from_status=CommentStatus.PENDING,
                to_status=status,
                reason=reason,
                created_at=now,
            )
        )
    return bool(changed)
