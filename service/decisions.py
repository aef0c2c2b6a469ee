"""Moderator decisions: one audited status change each, idempotent, reversible with undo."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.status import CommentStatus, IllegalTransition, check_transition
from service.storage import Comment, ModerationEvent, Moderator, utcnow

ACTIONS: dict[str, CommentStatus] = {
    "approve": CommentStatus.APPROVED,
    "reject": CommentStatus.REJECTED,
    "spam": CommentStatus.SPAM,
    "hold": CommentStatus.HELD,
}
# Why a moderator rejected a comment; the first ones also become toxicity training labels.
REJECT_REASONS = ("TOXIC", "INSULT", "THREAT", "HARASSMENT", "OFF_TOPIC", "PERSONAL_INFO", "OTHER")


@dataclass(frozen=True)
class Outcome:
    comment_id: int
    changed: bool
    status: CommentStatus
    message: str = ""


def actor_name(moderator: Moderator) -> str:
    return f"moderator:{moderator.email}"


def decide(
    session: Session,
    comment: Comment,
    action: str,
    moderator: Moderator,
    reason: str | None = None,
) -> Outcome:
    """Apply ``action``; asking for the status a comment already has changes nothing."""
    target = ACTIONS[action]
    if comment.status is target:
        return Outcome(comment.id, False, target, "already " + target.value)
    try:
        check_transition(comment.status, target)
    except IllegalTransition as error:
        return Outcome(comment.id, False, comment.status, str(error))
    _record(session, comment, target, moderator, action, reason)
    return Outcome(comment.id, True, target)


def undo(session: Session, comment: Comment, moderator: Moderator) -> Outcome:
    """Put the comment back where the last moderator decision found it."""
    last = session.scalar(
        select(ModerationEvent)
        .where(
            ModerationEvent.comment_id == comment.id,
            ModerationEvent.actor.like("moderator:%"),
        )
        .order_by(ModerationEvent.id.desc())
        .limit(1)
    )
    if last is None or last.to_status is not comment.status:
        return Outcome(comment.id, False, comment.status, "nothing to undo")
    # A pending comment cannot be re-entered; an undone decision on one goes back for review.
    target = last.from_status
    if target is CommentStatus.PENDING:
        target = CommentStatus.HELD
    if target is comment.status:
        return Outcome(comment.id, False, comment.status, "nothing to undo")
    check_transition(comment.status, target)
    _record(session, comment, target, moderator, "undo", f"undo of event {last.id}")
    return Outcome(comment.id, True, target)


def decide_many(
    session: Session,
    comments: Iterable[Comment],
    action: str,
    moderator: Moderator,
    reason: str | None = None,
) -> list[Outcome]:
    if action == "undo":
        return [undo(session, comment, moderator) for comment in comments]
    return [decide(session, comment, action, moderator, reason) for comment in comments]


def _record(
    session: Session,
    comment: Comment,
    target: CommentStatus,
    moderator: Moderator,
    action: str,
    reason: str | None,
) -> None:
    now = utcnow()
    session.add(
        ModerationEvent(
            comment_id=comment.id,
            actor=actor_name(moderator),
            moderator_id=moderator.id,
            action=action,
            from_status=comment.status,
            to_status=target,
            reason=(reason or None) and reason[:500],
            created_at=now,
        )
    )
    comment.status = target
    comment.decided_by = "moderator"
    comment.decided_at = now
