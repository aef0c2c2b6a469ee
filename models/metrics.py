"""Metrics for validation and `sieve model eval`: ranking quality and errors at a threshold."""

from __future__ import annotations

from collections.abc import Sequence
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


# The default site policy (service.domain.sites.DEFAULT_THRESHOLDS): hold at 0.5, reject at 0.9, for
# the two labels a site acts on.
HOLD, REJECT = 0.5, 0.9
POLICY_LABELS = ("spam", "toxicity")
LONG = 500
SLICES = ("all", "links", "long")


def decisions(probs: np.ndarray, labels: Sequence[str]) -> np.ndarray:
    """0 approve, 1 hold, 2 reject: what the default policy does with each row."""
    acting = [labels.index(label) for label in POLICY_LABELS if label in labels]
    top = probs[:, acting].max(axis=1) if acting else np.zeros(len(probs))
    return (top >= HOLD).astype(np.int64) + (top >= REJECT).astype(np.int64)


def operating_point(harmful: np.ndarray, decided: np.ndarray) -> dict[str, Any]:
    """Shares of benign rows approved / held / rejected and of harmful rows caught / rejected."""
    benign = ~harmful
    out: dict[str, Any] = {"benign": int(benign.sum()), "harmful": int(harmful.sum())}
    if benign.any():
        for name, code in (("approved", 0), ("held", 1), ("rejected", 2)):
            out[f"benign_{name}"] = round(float(np.mean(decided[benign] == code)), 4)
    if harmful.any():
        out["harmful_caught"] = round(float(np.mean(decided[harmful] >= 1)), 4)
        out["harmful_rejected"] = round(float(np.mean(decided[harmful] == 2)), 4)
    return out


def slice_masks(texts: Sequence[str]) -> dict[str, np.ndarray]:
    from models.normalize import prepare

    links = np.array([bool(prepare(t).links) for t in texts], dtype=bool)
    long = np.array([len(t) > LONG for t in texts], dtype=bool)
    return {"all": np.ones(len(texts), dtype=bool), "links": links, "long": long}


def report(
    examples: Sequence[Any], probs: np.ndarray, labels: Sequence[str]
) -> dict[str, dict[str, Any]]:
    """Per source and slice (all, with a link, longer than 500 characters): ranking figures per
    label and what the default policy does with the benign and the harmful comments."""
    labels = list(labels)
    sources = np.array([e.source for e in examples])
    masks = slice_masks([e.text for e in examples])
    decided = decisions(probs, labels)
    out: dict[str, dict[str, Any]] = {}
    for source in [*sorted(set(sources.tolist())), "all"]:
        mine = np.ones(len(examples), bool) if source == "all" else sources == source
        per_slice: dict[str, Any] = {}
        for name in SLICES:
            mask = mine & masks[name]
            if not mask.any():
                continue
            idx = np.flatnonzero(mask)
            entry: dict[str, Any] = {"rows": len(idx), "labels": {}}
            harmful = np.zeros(len(idx), dtype=bool)
            for j, label in enumerate(labels):
                carried = [(k, examples[i].labels[label]) for k, i in enumerate(idx)
                           if label in examples[i].labels]  # fmt: skip
                if not carried:
                    continue
                at = np.array([k for k, _ in carried])
                truth = np.array([v for _, v in carried])
                if label in POLICY_LABELS:
                    harmful[at] |= truth == 1
                if 0 < truth.sum() < len(truth):
                    entry["labels"][label] = binary(truth, probs[idx[at], j], HOLD)
            entry["policy"] = operating_point(harmful, decided[idx])
            per_slice[name] = entry
        out[source] = per_slice
    return out
