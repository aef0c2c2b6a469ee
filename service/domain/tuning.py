"""Thresholds tuned on a site's own moderator decisions (``sieve sites tune``).

For each label, every candidate pair of thresholds is replayed on the comments a moderator
decided: how many it would have approved, held and auto-rejected, and how many of those the
moderator decided otherwise. The recommendation meets the site's tolerance (few wrong
auto-rejections, most harmful comments caught) while holding as few comments as it can.

With a few hundred labels the figures are noisy, and the recommendation leans the safe way: the
catch target is judged on an interpolated quantile (one outlier does not drag the thresholds),
and auto-rejecting more than the site does now needs the 95% upper bound of wrong rejections
within the tolerance, not only the share seen.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from datetime import datetime

import numpy as np
from sqlalchemy.orm import Session

from service.domain.audit import Actor
from service.domain.labels import labelled_rows, labels_for
from service.domain.site_settings import change_site_settings
from service.domain.sites import site_thresholds
from service.storage.tables import Site

TUNED_LABELS = ("spam", "toxicity")
# Below these the figures say more about chance than about the site.
MIN_LABELLED = 50
MIN_HARMFUL = 10
LOWS = np.round(np.arange(0.02, 0.99, 0.02), 2)
HIGHS = np.append(np.round(np.arange(0.05, 1.0, 0.01), 2), 1.0)  # 1: reject only certainties


@dataclass(frozen=True)
class Tolerance:
    # At most this share of auto-rejected comments may be ones a moderator would approve.
    wrong_reject_share: float = 0.01
    # At least this share of what moderators refused must be held or rejected.
    catch_share: float = 0.95


@dataclass(frozen=True)
class Outcome:
    """One pair of thresholds replayed on the labelled comments."""

    approve_below: float
    reject_above: float
    approved: int
    held: int
    rejected: int
    wrongly_rejected: int  # rejected, but a moderator approved it
    wrongly_approved: int  # approved, but a moderator refused it
    held_for_nothing: int  # held, and a moderator approved it
    caught: int  # of the refused ones, held or rejected

    @property
    def errors(self) -> int:
        """Wrong automatic decisions, the ones readers feel: a good comment refused, a harmful
        one published. A comment held for nothing costs a moderator a look, not a reader."""
        return self.wrongly_rejected + self.wrongly_approved

    def as_dict(self) -> dict[str, float | int]:
        return {**asdict(self), "errors": self.errors}


@dataclass(frozen=True)
class Tuning:
    label: str
    labelled: int
    harmful: int
    current: Outcome
    recommended: Outcome | None
    note: str  # how far to trust it, or why there is none
    # (threshold, share of approved comments scoring at or above it, share of refused ones below)
    curve: tuple[tuple[float, float, float], ...] = ()

    def as_dict(self) -> dict[str, object]:
        return {
            "label": self.label,
            "labelled": self.labelled,
            "harmful": self.harmful,
            "current": self.current.as_dict(),
            "recommended": self.recommended.as_dict() if self.recommended else None,
            "errors_current": self.current.errors,
            "errors_recommended": self.recommended.errors if self.recommended else None,
            "note": self.note,
            "curve": [
                {"threshold": t, "good_at_or_above": good, "refused_below": refused}
                for t, good, refused in self.curve
            ],
        }


def labelled_scores(
    session: Session, site: Site, since: datetime | None = None
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per label, the model's scores of the site's moderator-decided comments and what the
    moderator said (1: refused for that label, 0: approved)."""
    found: dict[str, tuple[list[float], list[int]]] = {label: ([], []) for label in TUNED_LABELS}
    for comment, _, event in labelled_rows(session, since, site.id):
        if not comment.scores or comment.status is not event.to_status:
            continue
        reason = event.reason if event.action != "undo" else None
        for label, truth in labels_for(comment.status, reason).items():
            if label in found and label in comment.scores:
                found[label][0].append(float(comment.scores[label]))
                found[label][1].append(int(truth))
    return {label: (np.array(s), np.array(t, dtype=int)) for label, (s, t) in found.items()}


CURVE_STEPS = np.round(np.linspace(0, 1, 51), 2)


def error_curve(scores: np.ndarray, truth: np.ndarray) -> tuple[tuple[float, float, float], ...]:
    """Against each threshold: the share of approved comments scoring at or above it (held or
    rejected, were it a threshold) and the share of refused ones below it (approved, were it
    the approve-below threshold). Empty where either kind has no comment."""
    good, refused = np.sort(scores[truth == 0]), np.sort(scores[truth == 1])
    if not len(good) or not len(refused):
        return ()
    above = 1 - np.searchsorted(good, CURVE_STEPS, side="left") / len(good)
    below = np.searchsorted(refused, CURVE_STEPS, side="left") / len(refused)
    return tuple(
        (float(t), round(float(a), 4), round(float(b), 4))
        for t, a, b in zip(CURVE_STEPS, above, below, strict=True)
    )


def replay(scores: np.ndarray, truth: np.ndarray, low: float, high: float) -> Outcome:
    approved, rejected = scores < low, scores >= high
    held = ~approved & ~rejected
    harmful = truth == 1
    return Outcome(
        approve_below=float(low),
        reject_above=float(high),
        approved=int(approved.sum()),
        held=int(held.sum()),
        rejected=int(rejected.sum()),
        wrongly_rejected=int((rejected & ~harmful).sum()),
        wrongly_approved=int((approved & harmful).sum()),
        held_for_nothing=int((held & ~harmful).sum()),
        caught=int((~approved & harmful).sum()),
    )


def recommend(
    label: str,
    scores: np.ndarray,
    truth: np.ndarray,
    current: dict[str, float],
    tolerance: Tolerance = Tolerance(),
) -> Tuning:
    now = replay(scores, truth, current["approve_below"], current["reject_above"])
    harmful = int(truth.sum())
    if len(truth) < MIN_LABELLED or harmful < MIN_HARMFUL:
        note = (
            f"too few labels to recommend: {len(truth)} decided comments, {harmful} refused for "
            f"{label} (at least {MIN_LABELLED} and {MIN_HARMFUL} are needed)"
        )
        return Tuning(label, len(truth), harmful, now, None, note, error_curve(scores, truth))
    curve = error_curve(scores, truth)
    # The highest approve-below that catches the share asked for, estimated from the refused
    # comments' scores (interpolated, so that one low outlier among few labels does not decide).
    catch_limit = float(np.quantile(scores[truth == 1], 1 - tolerance.catch_share))
    current_high = current["reject_above"]
    best: Outcome | None = None
    for low in (low for low in LOWS if low <= catch_limit + 1e-9):
        for high in HIGHS[low <= HIGHS]:
            outcome = replay(scores, truth, low, high)
            if not _rejects_within(outcome, tolerance, confident=high < current_high):
                continue
            key = (outcome.held, outcome.errors, -outcome.rejected)
            if best is None or key < (best.held, best.errors, -best.rejected):
                best = outcome
    if best is None:
        note = (
            f"no thresholds catch {tolerance.catch_share:.0%} of what moderators refused with at "
            f"most {tolerance.wrong_reject_share:.0%} wrong auto-rejections; keep the current ones"
        )
        return Tuning(label, len(truth), harmful, now, None, note, curve)
    low_ci, _ = wilson(best.caught, harmful)
    _, high_ci = wilson(best.wrongly_rejected, best.rejected)
    note = (
        f"from {len(truth)} decided comments ({harmful} refused): catches "
        f"{best.caught / harmful:.0%} (95% interval from {low_ci:.0%}); wrongly auto-rejects "
        f"{best.wrongly_rejected} of {best.rejected} (up to {high_ci:.1%} with 95% confidence)"
    )
    return Tuning(label, len(truth), harmful, now, best, note, curve)


def _rejects_within(outcome: Outcome, tolerance: Tolerance, confident: bool) -> bool:
    """Whether few enough of what these thresholds auto-reject are comments a moderator would
    approve. Rejecting more than now needs proof: the 95% upper bound must be within the
    tolerance, not only the share seen (a wrongly rejected reader does not come back)."""
    if not confident:
        return outcome.wrongly_rejected <= tolerance.wrong_reject_share * outcome.rejected
    if outcome.rejected == 0:
        return True
    return wilson(outcome.wrongly_rejected, outcome.rejected)[1] <= tolerance.wrong_reject_share


def wilson(successes: int, total: int, z: float = 1.96) -> tuple[float, float]:
    """The Wilson score interval of a proportion (0..1 for no observations)."""
    if total == 0:
        return 0.0, 1.0
    p = successes / total
    centre = p + z * z / (2 * total)
    spread = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total))
    denominator = 1 + z * z / total
    return max(0.0, (centre - spread) / denominator), min(1.0, (centre + spread) / denominator)


def tune_site(
    session: Session, site: Site, since: datetime | None = None, tolerance: Tolerance = Tolerance()
) -> list[Tuning]:
    thresholds = site_thresholds(site)
    data = labelled_scores(session, site, since)
    return [
        recommend(label, *data[label], thresholds[label], tolerance)
        for label in TUNED_LABELS
        if label in thresholds
    ]


def apply_recommended(
    session: Session, site: Site, tunings: list[Tuning], actor: Actor
) -> dict[str, Outcome]:
    """Set each recommended pair as the site's thresholds, audited with before and after; the
    labels changed (none when there was nothing to recommend)."""
    recommended = {t.label: t.recommended for t in tunings if t.recommended is not None}
    if not recommended:
        return {}
    thresholds = {label: dict(pair) for label, pair in (site.thresholds or {}).items()}
    for label, outcome in recommended.items():
        thresholds[label] = {
            "approve_below": outcome.approve_below,
            "reject_above": outcome.reject_above,
        }
    if errors := change_site_settings(session, site, {"thresholds": thresholds}, actor):
        raise ValueError(f"the recommended thresholds were refused: {errors}")
    return recommended
