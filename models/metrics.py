"""Metrics for validation and `sieve model eval`: ranking quality and errors at a threshold."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.metrics import average_precision_score, precision_recall_curve, roc_auc_score


def at_threshold(truth: np.ndarray, prob: np.ndarray, threshold: float) -> dict[str, float]:
    predicted = prob >= threshold
    tp = int(np.sum(predicted & (truth == 1)))
    precision = tp / max(int(predicted.sum()), 1)
    recall = tp / max(int(truth.sum()), 1)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"threshold": threshold, "precision": precision, "recall": recall, "f1": f1}


def binary(truth: np.ndarray, prob: np.ndarray, threshold: float) -> dict[str, Any]:
    """ROC AUC, average precision and precision/recall/F1 at `threshold` (None if one class)."""
    out: dict[str, Any] = {"rows": len(truth), "positives": int(truth.sum())}
    if 0 < truth.sum() < len(truth):
        out["roc_auc"] = float(roc_auc_score(truth, prob))
        out["average_precision"] = float(average_precision_score(truth, prob))
    out |= at_threshold(truth, prob, threshold)
    # None when nothing reaches 0.9: no precision to keep, rather than a misleading 0.
    high = at_threshold(truth, prob, 0.9)
    out["precision_at_0.9"] = high["precision"] if np.any(prob >= 0.9) else None
    out["predicted_at_0.9"] = int(np.sum(prob >= 0.9))
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in out.items()}


def best_f1_threshold(truth: np.ndarray, prob: np.ndarray) -> float:
    """The probability threshold with the highest F1 on these rows."""
    if not 0 < truth.sum() < len(truth):
        return 0.5
    precision, recall, thresholds = precision_recall_curve(truth, prob)
    f1 = 2 * precision * recall / np.maximum(precision + recall, 1e-12)
    return round(float(thresholds[int(np.argmax(f1[:-1]))]), 4)
