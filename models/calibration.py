"""Isotonic calibration of raw linear scores, fitted on held-out predictions."""

from __future__ import annotations

import numpy as np
from sklearn.isotonic import IsotonicRegression

# A sliver of the raw sigmoid keeps the calibrated score strictly monotone, so ranking
# (and therefore ROC AUC) is exactly that of the linear model, with no isotonic ties.
_RAW_SHARE = 0.01


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def fit_isotonic(scores: np.ndarray, truth: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Breakpoints (raw score -> probability) of an increasing step-linear calibration map."""
    iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip", increasing=True)
    iso.fit(scores.astype(np.float64), truth.astype(np.float64))
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
