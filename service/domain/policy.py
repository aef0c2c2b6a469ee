"""A site's moderation policy applied to a comment's scores."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from models.judgement import CODES
from models.links import clean_domains
from service.storage.states import CommentStatus, PreModeration

# The reason code a label raises when it crosses a threshold (the classifier's own codes).
LABEL_CODES = CODES


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


_WORD = re.compile(r"\w+(?:['\u2019]\w+)*", re.UNICODE)
_DOMAIN = re.compile(r"(?:https?://)?(?:www\.)?((?:[a-z0-9-]+\.)+[a-z]{2,})", re.IGNORECASE)


def blocked_codes(body: str, words: list[str], domains: list[str]) -> tuple[str, ...]:
    """``BLOCKED_WORD`` / ``BLOCKED_DOMAIN`` when the text uses a term the site has blocked.

    Words match whole words, case-insensitively (a multi-word entry matches as a phrase);
    a blocked domain also blocks its subdomains.
    """
    codes = []
    folded = body.casefold()
    tokens = " " + " ".join(_WORD.findall(folded)) + " "
    if any(f" {' '.join(_WORD.findall(w.casefold()))} " in tokens for w in words if w.strip()):
        codes.append("BLOCKED_WORD")
    found = {match.group(1).lower() for match in _DOMAIN.finditer(folded)}
    blocked = {d.strip().lower().removeprefix("www.") for d in domains if d.strip()}
    if any(host == d or host.endswith("." + d) for host in found for d in blocked):
        codes.append("BLOCKED_DOMAIN")
    return tuple(codes)


def allowed_link_domains(domains: Iterable[str], origins: Iterable[str]) -> frozenset[str]:
    """The domains whose links never count against a site's comments: those it allows, and its
    own (the hosts of its allowed origins), in the form the classifier matches links by."""
    return clean_domains([*domains, *origins])
