"""The fitted linear model: features, one weight column per label, calibration maps."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from models import calibration, features, links, signals
from models.features import Block, Entries, Featurizer, Hits
from models.normalize import Normalized
from models.sources import SUBLABELS

FORMAT_VERSION = 1


class ArtifactError(RuntimeError):
    """A model artifact that cannot or must not be loaded."""


@dataclass(frozen=True)
class LinearModel:
    """Everything needed to score: shared features, weights (n_features x n_labels), calibration."""

    labels: tuple[str, ...]
    featurizer: Featurizer
    coef: np.ndarray
    intercept: np.ndarray
    knots: tuple[tuple[np.ndarray, np.ndarray], ...]

    def raw(self, matrix: sp.csr_matrix) -> np.ndarray:
        """Uncalibrated linear scores (log-odds), one column per label."""
        return np.asarray(matrix @ self.coef, dtype=np.float64) + self.intercept

    def __post_init__(self) -> None:
        # Contiguous float32 slices: a dtype mismatch made scipy copy all weights on every call.
        n_grams = self.coef.shape[0] - len(signals.NAMES)
        object.__setattr__(
            self, "_ngram_coef", np.ascontiguousarray(self.coef[:n_grams], np.float32)
        )
        object.__setattr__(self, "_signal_coef", np.asarray(self.coef[n_grams:], np.float64))

    def raw_hits(self, hits: Hits) -> tuple[np.ndarray, Entries]:
        """Same as raw(), straight from hits; also returns the n-gram entries for explanations."""
        entries = self.featurizer.entries(hits)
        rows, cols, values = entries
        n_docs, n_grams = len(hits.dense), self._ngram_coef.shape[0]
        indptr = np.searchsorted(rows, np.arange(n_docs + 1))
        # Built from its parts, a CSR matrix skips the sorting and checks of the generic path.
        matrix = sp.csr_matrix((values.astype(np.float32), cols, indptr), shape=(n_docs, n_grams))
        raw = np.asarray(matrix @ self._ngram_coef, dtype=np.float64)
        return raw + hits.dense @ self._signal_coef + self.intercept, entries

    def probabilities(self, docs: list[Normalized]) -> tuple[np.ndarray, Entries]:
        """Calibrated probabilities of prepared documents (a link alone never makes a comment
        more than links.LINK_ONLY_MAX spam), and the n-gram entries for explanations."""
        raw, entries = self.raw_hits(Hits.of(docs))
        probs = self.calibrate(raw)
        if "spam" in self.labels and len(docs):
            j = self.labels.index("spam")
            checked = links.needs_words_check(docs, probs[:, j])
            if checked.any():
                alone = [links.without_links(d) for d, c in zip(docs, checked, strict=True) if c]
                words = self.calibrate(self.raw_hits(Hits.of(alone))[0])[:, j]
                probs[:, j] = links.cap_link_only(probs[:, j], words, checked)
        return probs, entries

    def calibrate(self, raw: np.ndarray) -> np.ndarray:
        """Calibrated probabilities; a sub-label never exceeds toxicity (it is a kind of it)."""
        probs = calibration.apply_columns(raw, list(self.knots))
        if "toxicity" in self.labels:
            toxicity = probs[:, self.labels.index("toxicity")]
            for j, label in enumerate(self.labels):
                if label in SUBLABELS:
                    np.minimum(probs[:, j], toxicity, out=probs[:, j])
        return probs

    def to_state(self) -> dict[str, Any]:
        """A plain dict of arrays, lists and numbers: all skops needs to trust."""
        return {
            "format_version": FORMAT_VERSION,
            "labels": list(self.labels),
            "signals": list(signals.NAMES),
            "bits": features.BITS,
            "hashing": features.HASHING,
            "char_range": list(features.CHAR_RANGE),
            "word_buckets": self.featurizer.word.buckets,
            "word_idf": self.featurizer.word.idf,
            "char_buckets": self.featurizer.char.buckets,
            "char_idf": self.featurizer.char.idf,
            "coef": self.coef,
            "intercept": self.intercept,
            "calibration_x": [k[0] for k in self.knots],
            "calibration_y": [k[1] for k in self.knots],
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> LinearModel:
        expected = {
            "format_version": FORMAT_VERSION,
            "signals": list(signals.NAMES),
            "bits": features.BITS,
            "hashing": features.HASHING,
            "char_range": list(features.CHAR_RANGE),
        }
        for key, value in expected.items():
            if state.get(key) != value:
                raise ArtifactError(
                    f"artifact was built by different feature code ({key}={state.get(key)!r}, "
                    f"this code expects {value!r}); retrain with `sieve model train`"
                )
        featurizer = Featurizer(
            Block(state["word_buckets"], state["word_idf"]),
            Block(state["char_buckets"], state["char_idf"]),
        )
        knots = tuple(zip(state["calibration_x"], state["calibration_y"], strict=True))
        model = cls(tuple(state["labels"]), featurizer, state["coef"], state["intercept"], knots)
        if model.coef.shape != (featurizer.n_features, len(model.labels)):
            raise ArtifactError(f"artifact weights have shape {model.coef.shape}, not consistent")
        return model
