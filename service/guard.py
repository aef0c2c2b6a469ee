"""Intake checks that decide a comment before any model sees it: bans, for now."""

from __future__ import annotations

from sqlalchemy.orm import Session

from service.bans import active_ban
from service.status import CommentStatus, check_transition
from service.storage import Comment, ModerationEvent, utcnow


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


def reject_if_banned(session: Session, comment: Comment) -> bool:
    """Reject the comment of a banned author; True if it was."""
    ban = active_ban(session, comment.site_id, comment.author_email_hash, comment.ip_hash)
    if ban is None:
        return False
    file_at_intake(session, comment, CommentStatus.REJECTED, ("BANNED",))
    return True
