"""Isotonic calibration of raw linear scores, fitted on out-of-fold predictions.

The training mix is far more harmful than a comment section (half of its toxicity rows are
toxic). The calibration reweights it to the share of harmful comments a site sees, so that the
default policy (hold at 0.5, reject at 0.9) means what a site owner expects on real traffic.
"""

from __future__ import annotations

import numpy as np
from sklearn.isotonic import IsotonicRegression

# A sliver of the raw sigmoid keeps the calibrated score strictly monotone, so ranking
# (and therefore ROC AUC) is exactly that of the linear model, with no isotonic ties.
_RAW_SHARE = 0.01
# The share of harmful comments the calibration assumes, per label.
BASE_RATES = {"spam": 0.05, "toxicity": 0.12}
# Sources whose toxicity labels mean something narrower (an insult at a participant, hate against
# a group) or whose negatives are hand-picked hard cases: reported, but not calibrated on.
NOT_CALIBRATED_ON = frozenset({"civil", "kaggle_insults", "hateval"})
SOURCE_POWER = 0.5


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def identity_knots() -> tuple[np.ndarray, np.ndarray]:
    """For a label no validation could calibrate: probability = sigmoid(raw score)."""
    grid = np.linspace(-12, 12, 97)
    return grid, sigmoid(grid)


def target_weights(
    label: str, sources: np.ndarray, truth: np.ndarray, toxic: np.ndarray | None = None
) -> np.ndarray:
    """Weights of held-out rows for calibration: each source's weight grows with the square
    root of its size, and the harmful rows (toxic ones for a sub-label) are scaled to the
    label's base rate. Sources in NOT_CALIBRATED_ON get no weight for the toxicity labels."""
    harmful = truth == 1 if toxic is None else toxic == 1
    weights = np.zeros(len(truth))
    used = np.ones(len(truth), dtype=bool)
    if label != "spam" and not np.all(np.isin(sources, list(NOT_CALIBRATED_ON))):
        used = ~np.isin(sources, list(NOT_CALIBRATED_ON))
    names, counts = np.unique(sources[used], return_counts=True)
    totals = counts.astype(float) ** SOURCE_POWER
    for name, total in zip(names, totals / totals.sum(), strict=True):
        mask = used & (sources == name)
        weights[mask] = total / mask.sum()
    rate = BASE_RATES.get(label, BASE_RATES["toxicity"])
    bad, good = used & harmful, used & ~harmful
    if bad.any() and good.any():
        weights[bad] *= rate / weights[bad].sum()
        weights[good] *= (1 - rate) / weights[good].sum()
    return weights * len(weights)


def fit_isotonic(
    scores: np.ndarray, truth: np.ndarray, weights: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Breakpoints (raw score -> probability) of an increasing step-linear calibration map."""
    iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip", increasing=True)
    iso.fit(scores.astype(np.float64), truth.astype(np.float64), sample_weight=weights)
    return iso.X_thresholds_.astype(np.float64), iso.y_thresholds_.astype(np.float64)


def apply(scores: np.ndarray, knots: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """Calibrated probabilities in [0, 1] for raw linear scores."""
    return apply_columns(scores[:, None], [knots])[:, 0]


def apply_columns(raw: np.ndarray, knots: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """apply() for a (texts x labels) matrix, one calibration per column."""
    calibrated = np.empty_like(raw, dtype=np.float64)
    for j, (x, y) in enumerate(knots):
        calibrated[:, j] = np.interp(raw[:, j], x, y)
    mixed = (1.0 - _RAW_SHARE) * calibrated + _RAW_SHARE * sigmoid(raw)
    mixed[np.isnan(mixed)] = 0.0
    return np.clip(mixed, 0.0, 1.0)
