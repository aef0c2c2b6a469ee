"""Comment states move only along the allowed transitions."""

from __future__ import annotations

import pytest

from service.storage.states import CommentStatus as S
from service.storage.states import IllegalTransition, check_transition


@pytest.mark.parametrize("new", [S.APPROVED, S.HELD, S.REJECTED, S.SPAM])
def test_a_pending_comment_can_be_decided_any_way(new):
    check_transition(S.PENDING, new)


@pytest.mark.parametrize("new", [S.APPROVED, S.REJECTED, S.SPAM])
def test_a_held_comment_can_be_decided_by_a_moderator(new):
    check_transition(S.HELD, new)


@pytest.mark.parametrize(
    ("current", "new"),
    [
        (S.APPROVED, S.REJECTED),
        (S.REJECTED, S.APPROVED),
        (S.SPAM, S.APPROVED),
        (S.APPROVED, S.HELD),
    ],
)
def test_moderators_can_reverse_a_decision(current, new):
    check_transition(current, new)


@pytest.mark.parametrize(
    ("current", "new"),
    [
        (S.APPROVED, S.PENDING),
        (S.HELD, S.PENDING),
        (S.SPAM, S.PENDING),
        (S.PENDING, S.PENDING),
        (S.HELD, S.HELD),
        (S.APPROVED, S.APPROVED),
    ],
)
def test_illegal_transitions_raise(current, new):
    with pytest.raises(IllegalTransition, match=f"{current.value} comment cannot become"):
        check_transition(current, new)
