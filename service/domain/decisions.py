"""Moderator decisions: one audited status change each, idempotent, reversible (undo, redo)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.domain.notifications import mark
from service.storage.states import CommentStatus, IllegalTransition, check_transition
from service.storage.tables import Comment, ModerationEvent, Moderator, utcnow

ACTIONS: dict[str, CommentStatus] = {
    "approve": CommentStatus.APPROVED,
    "reject": CommentStatus.REJECTED,
    "spam": CommentStatus.SPAM,
    "hold": CommentStatus.HELD,
}
# Why a moderator rejected a comment; the first ones also become toxicity training labels.
REJECT_REASONS = ("TOXIC", "INSULT", "THREAT", "HARASSMENT", "OFF_TOPIC", "PERSONAL_INFO", "OTHER")
# The reject reason each of the classifier's reason codes points to. Spam has no reject reason
# (it has its own action), so a comment held for spam suggests OTHER, which is no training label.
SUGGESTED_REASONS = {
    "TOXIC": "TOXIC",
    "SEVERE_TOXIC": "TOXIC",
    "OBSCENE": "TOXIC",
    "INSULT": "INSULT",
    "THREAT": "THREAT",
    "IDENTITY_ATTACK": "HARASSMENT",
}
# Only these decisions say why; a reason sent with an approval or a hold is dropped.
REASONED_ACTIONS = ("reject", "spam")


@dataclass(frozen=True)
class Outcome:
    comment_id: int
    changed: bool
    status: CommentStatus
    message: str = ""


def actor_name(moderator: Moderator) -> str:
    return f"moderator:{moderator.email}"


def suggested_reject_reason(comment: Comment) -> str:
    """The reject reason that the comment's own reason codes point to; OTHER if none does, so
    that a hurried reject never files a comment held for spam or a new author as toxic."""
    for code in comment.reason_codes or ():
        if code in SUGGESTED_REASONS:
            return SUGGESTED_REASONS[code]
    return "OTHER"


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
    # The audit log, its CSV and the training labels take a stored reason at its word.
    reason = reason if action in REASONED_ACTIONS else None
    _record(session, comment, target, moderator, action, reason)
    return Outcome(comment.id, True, target)


def _last_decisions(session: Session, comment: Comment, count: int) -> list[ModerationEvent]:
    """The comment's latest moderator events, newest first."""
    query = (
        select(ModerationEvent)
        .where(
            ModerationEvent.comment_id == comment.id,
            ModerationEvent.actor.like("moderator:%"),
        )
        .order_by(ModerationEvent.id.desc())
        .limit(count)
    )
    return list(session.scalars(query))


def undo(session: Session, comment: Comment, moderator: Moderator) -> Outcome:
    """Put the comment back where the last moderator decision found it.

    An undo is not itself undone: that would make the decision again without saying so.
    ``redo`` does that, when asked.
    """
    last = next(iter(_last_decisions(session, comment, 1)), None)
    if last is None or last.action == "undo" or last.to_status is not comment.status:
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


def redo(session: Session, comment: Comment, moderator: Moderator) -> Outcome:
    """Make again, with its reason, the decision that the comment's last undo took back."""
    events = _last_decisions(session, comment, 2)
    if (
        len(events) < 2
        or events[0].action != "undo"
        or events[0].to_status is not comment.status
        or events[1].action not in ACTIONS
    ):
        return Outcome(comment.id, False, comment.status, "nothing to redo")
    return decide(session, comment, events[1].action, moderator, events[1].reason)


REVERSALS = {"undo": undo, "redo": redo}


def decide_many(
    session: Session,
    comments: Iterable[Comment],
    action: str,
    moderator: Moderator,
    reason: str | None = None,
) -> list[Outcome]:
    if action in REVERSALS:
        return [REVERSALS[action](session, comment, moderator) for comment in comments]
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
    mark(session, [comment.id])
