"""A site's moderation policy applied to a comment's scores."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from service.status import CommentStatus, PreModeration

# The reason code a label raises when it crosses a threshold.
LABEL_CODES = {
    "spam": "SPAM",
    "toxicity": "TOXIC",
    "severe_toxicity": "SEVERE_TOXIC",
    "obscene": "OBSCENE",
    "threat": "THREAT",
    "insult": "INSULT",
    "identity_attack": "IDENTITY_ATTACK",
}


@dataclass(frozen=True)
class Decision:
    status: CommentStatus
    reason_codes: tuple[str, ...]


def decide(
    scores: Mapping[str, float],
    thresholds: Mapping[str, Mapping[str, float]],
    premoderation: PreModeration = PreModeration.NONE,
    *,
    new_author: bool = False,
    signal_codes: tuple[str, ...] = (),
) -> Decision:
    """Per label: approve below the low threshold, reject above the high one, hold between.

    Spam above its high threshold is filed as spam rather than rejected, so that it feeds
    the spam label; any rejection wins over a hold, and any hold over an approval.
    """
    rejected: list[str] = []
    held: list[str] = []
    for label, limits in thresholds.items():
        score = scores.get(label)
        if score is None:
            continue
        if score >= limits.get("reject_above", 1.01):
            rejected.append(label)
        elif score >= limits.get("approve_below", 1.01):
            held.append(label)
    flagged = [LABEL_CODES.get(label, label.upper()) for label in rejected + held]
    codes = tuple(dict.fromkeys([*flagged, *(signal_codes if flagged else ())]))

    if rejected:
        status = CommentStatus.SPAM if "spam" in rejected else CommentStatus.REJECTED
        return Decision(status, codes)
    if held:
        return Decision(CommentStatus.HELD, codes)
    if premoderation is PreModeration.ALL:
        return Decision(CommentStatus.HELD, ("PREMODERATION",))
    if premoderation is PreModeration.NEW_AUTHORS and new_author:
        return Decision(CommentStatus.HELD, ("NEW_AUTHOR",))
    return Decision(CommentStatus.APPROVED, ())
