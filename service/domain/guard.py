"""Deciding a comment at intake, before any model sees it (the guard, bans)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from service.domain.notifications import mark
from service.storage.states import CommentStatus, check_transition
from service.storage.tables import Comment, ModerationEvent, utcnow


def file_at_intake(
    session: Session, comment: Comment, status: CommentStatus, reasons: tuple[str, ...]
) -> None:
    """Decide a just-stored comment on the guard's word, with its audit event."""
    check_transition(comment.status, status)
    now = utcnow()
    session.add(
        ModerationEvent(
            comment_id=comment.id,
            actor="guard",
            action="guard",
            from_status=comment.status,
            to_status=status,
            reason=",".join(reasons),
            created_at=now,
        )
    )
    comment.status = status
    comment.reason_codes = list(reasons)
    comment.decided_by = "guard"
    comment.decided_at = now
    mark(session, [comment.id], created=True)
