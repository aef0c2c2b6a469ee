"""Out-of-fold validation: every row scored by a model that never saw its thread, post or video."""

from __future__ import annotations

import hashlib
import logging
import multiprocessing
import os
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from models import calibration, metrics
from models.corpus import Corpus
from models.features import Hits
from models.judgement import LABELS
from models.links import LINK_ONLY_MAX, cap_link_only, link_is_all, without_links
from models.normalize import prepare
from models.sources import SUBLABELS
from models.train import fit_labels

log = logging.getLogger(__name__)

FOLDS = 5


@dataclass
class Validation:
    """Out-of-fold raw scores for every row and label, the calibration fitted on them, figures."""

    rows: np.ndarray = field(default_factory=lambda: np.array([], dtype=np.int64))
    raw: np.ndarray = field(default_factory=lambda: np.zeros((0, len(LABELS))))
    words: np.ndarray = field(default_factory=lambda: np.zeros((0, len(LABELS))))  # links cut
    link_only: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    knots: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    thresholds: dict[str, float] = field(default_factory=dict)
    metrics: dict[str, dict] = field(default_factory=dict)


def _hash_fold(key: str, seed: int) -> int:
    digest = hashlib.sha256(f"{seed}:{key}".encode()).digest()
    return int.from_bytes(digest[:4], "big") % FOLDS


def fold_ids(corpus: Corpus, seed: int) -> np.ndarray:
    """The fold of each row. Rows of one group (thread, post, YouTube video) share a fold; a
    YouTube video is a fold's whole share of that source, so spam is judged on unseen videos."""
    videos = sorted({e.group for e in corpus.examples if e.source == "youtube"})
    video_fold = {video: i % FOLDS for i, video in enumerate(videos)}
    out = np.empty(len(corpus), dtype=np.int64)
    for i, e in enumerate(corpus.examples):
        if e.source == "youtube":
            out[i] = video_fold[e.group]
        else:
            out[i] = _hash_fold(f"{e.source}:{e.group or i}", seed)
    return out


# The corpus of the fold being fitted, shared with forked processes rather than pickled to them.
_SHARED: dict[str, object] = {}


def _fit_fold(fold: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    corpus, seed, assigned = _SHARED["corpus"], _SHARED["seed"], _SHARED["assigned"]
    test = np.flatnonzero(assigned == fold)
    train = np.flatnonzero(assigned != fold)
    featurizer = corpus.fit_featurizer(train)
    coef, intercept = fit_labels(corpus, featurizer, train, LABELS, seed)
    log.info("validation fold=%s rows=%s", fold, len(test))
    raw = np.asarray(corpus.matrix(featurizer, test) @ coef) + intercept
    # The scores of the same rows with their links cut out, for the link-only cap.
    words = raw.copy()
    only = np.flatnonzero(_SHARED["link_only"][test])
    if len(only):
        alone = [without_links(prepare(corpus.examples[test[i]].text)) for i in only]
        words[only] = np.asarray(featurizer.matrix(Hits.of(alone)) @ coef) + intercept
    return test, raw, words


def out_of_fold(
    corpus: Corpus,
    seed: int,
    folds: Sequence[int] = tuple(range(FOLDS)),
    jobs: int = 1,
    link_only: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows of the given folds, their raw scores (one column per label) and the raw scores of
    the same rows with links cut out; each fold's rows scored by features and weights fitted on
    every other fold; `jobs` folds at a time."""
    if link_only is None:
        link_only = _link_only(corpus, np.arange(len(corpus)))
    _SHARED.update(corpus=corpus, seed=seed, assigned=fold_ids(corpus, seed), link_only=link_only)
    try:
        if jobs > 1 and len(folds) > 1:
            with multiprocessing.get_context("fork").Pool(min(jobs, len(folds))) as pool:
                results = pool.map(_fit_fold, folds, chunksize=1)
        else:
            results = [_fit_fold(fold) for fold in folds]
    finally:
        _SHARED.clear()
    rows = np.concatenate([test for test, _, _ in results])
    raws = np.concatenate([raw for _, raw, _ in results])
    words = np.concatenate([w for _, _, w in results])
    order = np.argsort(rows)
    return rows[order], raws[order], words[order]


def validate(
    corpus: Corpus, seed: int, folds: Sequence[int] = tuple(range(FOLDS)), jobs: int = 1
) -> Validation:
    link_only = _link_only(corpus, np.arange(len(corpus)))
    rows, raw, words = out_of_fold(corpus, seed, folds, jobs, link_only)
    if keep := os.environ.get("SIEVE_KEEP_VALIDATION_SCORES"):
        np.savez(keep, rows=rows, raw=raw, words=words)  # for studying calibration
    result = Validation(rows=rows, raw=raw, words=words, link_only=link_only[rows])
    sources = corpus.sources()[rows]
    for j, label in enumerate(LABELS):
        carries, y = _truth(corpus, rows, label)
        if len(np.unique(y)) < 2:
            continue
        toxic = None
        if label in SUBLABELS:
            toxic = np.array([corpus.examples[r].labels.get("toxicity", 1) for r in rows[carries]])
        weights = calibration.target_weights(label, sources[carries], y, toxic)
        result.knots[label] = calibration.fit_isotonic(raw[carries, j], y, weights)
    probs = calibrated(result)
    for j, label in enumerate(LABELS):
        if label in result.knots:
            carries, y = _truth(corpus, rows, label)
            result.thresholds[label] = metrics.best_f1_threshold(y, probs[carries, j])
    result.metrics = metrics.report([corpus.examples[i] for i in rows], probs, LABELS)
    return result


def _truth(corpus: Corpus, rows: np.ndarray, label: str) -> tuple[np.ndarray, np.ndarray]:
    """Which of `rows` carry `label`, and their 0/1 values in that order."""
    target_rows, truth = corpus.target(label)
    value = dict(zip(target_rows.tolist(), truth.tolist(), strict=True))
    carries = np.isin(rows, target_rows)
    return carries, np.array([value[r] for r in rows[carries]], dtype=np.int64)


def calibrated(result: Validation) -> np.ndarray:
    """Probabilities of the validated rows as served: calibrated, sub-labels capped by toxicity,
    spam capped where only a link makes it certain (as LinearModel.probabilities)."""
    probs = _calibrate(result, result.raw)
    if len(probs):
        j = LABELS.index("spam")
        checked = result.link_only & (probs[:, j] > LINK_ONLY_MAX)
        if checked.any():
            words = _calibrate(result, result.words[checked])[:, j]
            probs[:, j] = cap_link_only(probs[:, j], words, checked)
    return probs


def _link_only(corpus: Corpus, rows: np.ndarray) -> np.ndarray:
    """Which rows have links and nothing else of spam's patterns (see links.link_is_all)."""
    linked = corpus.linked()[rows]
    return np.array(
        [
            bool(has) and link_is_all(prepare(corpus.examples[r].text))
            for r, has in zip(rows, linked, strict=True)
        ],
        dtype=bool,
    )


def _calibrate(result: Validation, raw: np.ndarray) -> np.ndarray:
    identity = calibration.identity_knots()
    probs = calibration.apply_columns(raw, [result.knots.get(label, identity) for label in LABELS])
    toxicity = probs[:, LABELS.index("toxicity")]
    for j, label in enumerate(LABELS):
        if label in SUBLABELS:
            np.minimum(probs[:, j], toxicity, out=probs[:, j])
    return probs
