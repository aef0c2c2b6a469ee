"""Training: one logistic regression per label over shared features, source-balanced weights."""

from __future__ import annotations

import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression

from models import signals
from models.corpus import Corpus
from models.features import Featurizer

DEFAULT_SEED = 20261125
# Inverse regularisation per label, chosen on the validation splits (see metadata.json).
C_BY_LABEL = {"spam": 1.0, "toxicity": 2.0}
C_SUBLABEL = 2.0
NB_ALPHA = 1.0
# NB scaling helped toxicity on every source but hurt the sparse Jigsaw sub-labels and spam.
NB_LABELS = frozenset({"toxicity"})
# Spam weight: YouTube comments are the target domain; SMS adds vocabulary but its ham is chat;
# the comments of every toxicity source, toxic or not, teach what an ordinary comment looks like.
SPAM_SHARES = {"youtube": 0.7, "sms": 0.1, "comments": 0.2}
# A source's total weight grows with the square root of its size: a big source does not drown
# the rest, a small one is not blown up to match it.
SOURCE_POWER = 0.5
# Trust in a source's negatives (1 = as much as its positives). Civil Comments' were all
# pre-selected as likely toxic and mix in whole-post toxicity; Kaggle's and HatEval's label only
# insults at a participant or hate, so a profane but otherwise ordinary comment there is a 0.
NEGATIVE_TRUST = {"civil": 0.3, "kaggle_insults": 0.6, "hateval": 0.6}


def _source_totals(sources: np.ndarray) -> dict[str, float]:
    names, counts = np.unique(sources, return_counts=True)
    raw = counts.astype(float) ** SOURCE_POWER
    return dict(zip(names.tolist(), (raw / raw.sum()).tolist(), strict=True))


def label_weights(label: str, sources: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """Sample weights: per-source totals, then the class balance each label needs.

    Toxicity: each source's classes get half its weight each, so that a source's skew (Davidson is
    83% toxic) teaches content rather than "tweet = toxic". Sub-labels keep their natural rates
    within a source. Spam: fixed shares for YouTube, SMS and ordinary comments.
    """
    weights = np.zeros(len(truth))
    if label == "spam":
        family = np.where(np.isin(sources, ["youtube", "sms"]), sources, "comments")
        for name, share in SPAM_SHARES.items():
            mask = family == name
            if not mask.any():
                continue
            if name == "comments":
                for source, total in _source_totals(sources[mask]).items():
                    inner = mask & (sources == source)
                    weights[inner] = share * total / inner.sum()
            else:
                weights[mask] = share / mask.sum()
    else:
        for source, total in _source_totals(sources).items():
            mask = sources == source
            classes = [c for c in (0, 1) if np.any(mask & (truth == c))]
            for c in classes:
                cell = mask & (truth == c)
                share = 1 / len(classes) if label == "toxicity" else cell.sum() / mask.sum()
                weights[cell] = total * share / cell.sum()
        for source, trust in NEGATIVE_TRUST.items():
            weights[(sources == source) & (truth == 0)] *= trust
    present = weights > 0
    return weights * (present.sum() / weights[present].sum()) if present.any() else weights + 1


def fit_label(
    matrix: sp.csr_matrix, truth: np.ndarray, weights: np.ndarray, label: str, seed: int
) -> tuple[np.ndarray, float]:
    """Weights and intercept of one label's logistic regression."""
    if len(np.unique(truth)) < 2:
        # A label with one class in the data cannot be learned; score it by its base rate.
        rate = float(np.clip(truth.mean() if len(truth) else 0.0, 1e-3, 1 - 1e-3))
        return np.zeros(matrix.shape[1]), float(np.log(rate / (1 - rate)))
    ratio = nb_ratio(matrix, truth, weights) if label in NB_LABELS else np.ones(matrix.shape[1])
    c = C_BY_LABEL.get(label, C_SUBLABEL)
    model = LogisticRegression(C=c, solver="liblinear", max_iter=1000, random_state=seed)
    with warnings.catch_warnings():
        # liblinear's convergence notice on tiny samples is not actionable; scores are checked.
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(matrix @ sp.diags(ratio), truth, sample_weight=weights)
    # Folding the ratio into the weights keeps serving a plain dot product.
    return model.coef_.ravel() * ratio, float(model.intercept_[0])


def nb_ratio(matrix: sp.csr_matrix, truth: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Naive-Bayes log-count ratio per n-gram (NBSVM, Wang & Manning 2012); 1 for signals."""
    positive = NB_ALPHA + np.asarray(matrix.T @ (weights * (truth == 1))).ravel()
    negative = NB_ALPHA + np.asarray(matrix.T @ (weights * (truth == 0))).ravel()
    ratio = np.log((positive / positive.sum()) / (negative / negative.sum()))
    ratio[-len(signals.NAMES) :] = 1.0
    return ratio.astype(np.float32)


def fit_labels(
    corpus: Corpus, featurizer: Featurizer, rows: np.ndarray, labels: tuple[str, ...], seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """(n_features x n_labels) weights and intercepts, each label trained on its rows in `rows`."""
    allowed = np.zeros(len(corpus), dtype=bool)
    allowed[rows] = True
    used = np.flatnonzero(allowed & _has_any_label(corpus, labels))
    position = np.full(len(corpus), -1)
    position[used] = np.arange(len(used))
    matrix = corpus.matrix(featurizer, used)
    sources = corpus.sources()
    coef = np.zeros((featurizer.n_features, len(labels)), dtype=np.float32)
    intercept = np.zeros(len(labels))
    for j, label in enumerate(labels):
        target_rows, truth = corpus.target(label)
        keep = allowed[target_rows]
        target_rows, truth = target_rows[keep], truth[keep]
        weights = label_weights(label, sources[target_rows], truth)
        coef[:, j], intercept[j] = fit_label(
            matrix[position[target_rows]], truth, weights, label, seed
        )
    return coef, intercept


def _has_any_label(corpus: Corpus, labels: tuple[str, ...]) -> np.ndarray:
    return np.array([any(name in e.labels for name in labels) for e in corpus.examples])
