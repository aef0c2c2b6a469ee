"""Comment states and the transitions between them."""

from __future__ import annotations

import enum


class CommentStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    HELD = "held"
    REJECTED = "rejected"
    SPAM = "spam"

    @property
    def is_public(self) -> bool:
        return self is CommentStatus.APPROVED


class IllegalTransition(ValueError):
    """A status change that the moderation workflow does not allow."""


_DECIDED = frozenset({CommentStatus.APPROVED, CommentStatus.REJECTED, CommentStatus.SPAM})

ALLOWED_TRANSITIONS: dict[CommentStatus, frozenset[CommentStatus]] = {
    # The classifier's first judgement.
    CommentStatus.PENDING: frozenset(
        {CommentStatus.APPROVED, CommentStatus.HELD, CommentStatus.REJECTED, CommentStatus.SPAM}
    ),
    # A moderator's review of a held comment.
    CommentStatus.HELD: _DECIDED,
    # Moderator reversals: a decided comment can be re-decided or sent back for review.
    CommentStatus.APPROVED: frozenset(
        {CommentStatus.HELD, CommentStatus.REJECTED, CommentStatus.SPAM}
    ),
    CommentStatus.REJECTED: frozenset(
        {CommentStatus.HELD, CommentStatus.APPROVED, CommentStatus.SPAM}
    ),
    CommentStatus.SPAM: frozenset(
        {CommentStatus.HELD, CommentStatus.APPROVED, CommentStatus.REJECTED}
    ),
}


def check_transition(current: CommentStatus, new: CommentStatus) -> None:
    """Raise ``IllegalTransition`` unless ``current -> new`` is allowed."""
    if new not in ALLOWED_TRANSITIONS[current]:
        raise IllegalTransition(f"a {current.value} comment cannot become {new.value}")


class PreModeration(enum.StrEnum):
    """Which comments a site wants a human to see before they are published."""

    NONE = "none"
    NEW_AUTHORS = "new_authors"
    ALL = "all"


class Role(enum.StrEnum):
    ADMIN = "admin"  # every site, site settings, accounts
    MODERATOR = "moderator"  # the sites assigned to them
