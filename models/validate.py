"""Held-out validation: toxicity on 20% per source, spam by leaving whole videos out."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np
from sklearn.model_selection import train_test_split

from models import calibration, metrics
from models.corpus import Corpus
from models.sources import SUBLABELS
from models.train import fit_labels

HOLDOUT = 0.2
TOXICITY_LABELS = ("toxicity", *SUBLABELS)


@dataclass
class Validation:
    """Out-of-sample raw scores per label, the calibration fitted on them, and the figures."""

    knots: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    thresholds: dict[str, float] = field(default_factory=dict)
    metrics: dict[str, dict] = field(default_factory=dict)
    holdout: dict[str, np.ndarray] = field(default_factory=dict)  # label -> corpus rows held out


def _in_holdout(group: str, seed: int) -> bool:
    digest = hashlib.sha256(f"{seed}:{group}".encode()).digest()
    return digest[0] < 256 * HOLDOUT


def toxicity_holdout(corpus: Corpus, seed: int) -> np.ndarray:
    """20% of each toxicity source, stratified; sentences of one forum post stay together."""
    rows, truth = corpus.target("toxicity")
    sources = corpus.sources()[rows]
    held = []
    for source in np.unique(sources):
        mine, y = rows[sources == source], truth[sources == source]
        groups = [corpus.examples[i].group for i in mine]
        if all(groups):
            held.append(mine[[_in_holdout(g, seed) for g in groups]])
        elif len(np.unique(y)) > 1 and len(mine) >= 10:
            held.append(train_test_split(mine, test_size=HOLDOUT, random_state=seed, stratify=y)[1])
    return np.sort(np.concatenate(held)) if held else np.array([], dtype=np.int64)


def _record(
    result: Validation,
    label: str,
    rows: np.ndarray,
    raw: np.ndarray,
    corpus: Corpus,
    cap: np.ndarray | None = None,
) -> None:
    """Calibrate on the held-out scores, then report per source and pooled."""
    truth = np.array([corpus.examples[i].labels[label] for i in rows])
    if len(np.unique(truth)) < 2:
        return
    knots = calibration.fit_isotonic(raw, truth)
    prob = calibration.apply(raw, knots)
    if cap is not None:  # as served: a sub-label is capped by the toxicity probability
        prob = np.minimum(prob, cap)
    threshold = metrics.best_f1_threshold(truth, prob)
    result.knots[label], result.thresholds[label], result.holdout[label] = knots, threshold, rows
    per = {"all": metrics.binary(truth, prob, threshold)}
    sources = corpus.sources()[rows]
    for source in np.unique(sources):
        mask = sources == source
        per[str(source)] = metrics.binary(truth[mask], prob[mask], threshold)
    if label == "spam":
        for video in sorted({corpus.examples[i].group for i in rows} - {""}):
            mask = np.array([corpus.examples[i].group == video for i in rows])
            per[f"youtube:{video}"] = metrics.binary(truth[mask], prob[mask], threshold)
    result.metrics[label] = per


def holdout_scores(corpus: Corpus, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Held-out toxicity rows and their raw scores (toxicity, then sub-labels) from a model
    fitted, features included, on everything else."""
    held = toxicity_holdout(corpus, seed)
    train_rows = np.setdiff1d(np.arange(len(corpus)), held)
    featurizer = corpus.fit_featurizer(train_rows)
    coef, intercept = fit_labels(corpus, featurizer, train_rows, TOXICITY_LABELS, seed)
    return held, np.asarray(corpus.matrix(featurizer, held) @ coef) + intercept


def validate(corpus: Corpus, seed: int) -> Validation:
    result = Validation()
    everything = np.arange(len(corpus))
    if len(toxicity_holdout(corpus, seed)):
        held, raw = holdout_scores(corpus, seed)
        for j, label in enumerate(TOXICITY_LABELS):
            carries = np.array([label in corpus.examples[i].labels for i in held], dtype=bool)
            cap = None
            if label != "toxicity" and "toxicity" in result.knots:
                cap = calibration.apply(raw[carries, 0], result.knots["toxicity"])
            _record(result, label, held[carries], raw[carries, j], corpus, cap)
    spam_rows, _ = corpus.target("spam")
    videos = sorted({corpus.examples[i].group for i in spam_rows} - {""})
    oof_rows, oof_raw = [], []
    for video in videos:  # leave one video out: the same spam recurs within a video
        out = np.array([corpus.examples[i].group == video for i in everything])
        featurizer = corpus.fit_featurizer(everything[~out])
        coef, intercept = fit_labels(corpus, featurizer, everything[~out], ("spam",), seed)
        test = everything[out]
        oof_rows.append(test)
        oof_raw.append(np.asarray(corpus.matrix(featurizer, test) @ coef)[:, 0] + intercept[0])
    if oof_rows:
        _record(result, "spam", np.concatenate(oof_rows), np.concatenate(oof_raw), corpus)
    return result
