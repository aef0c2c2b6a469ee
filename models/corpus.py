"""The training corpus, normalised and hashed once so that every fold reuses the same work."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from models import signals
from models.features import Featurizer, Hits
from models.normalize import prepare
from models.sources import SUBLABELS, Example

MAX_WORD_FEATURES = 100_000
MAX_CHAR_FEATURES = 200_000


@dataclass(frozen=True)
class Corpus:
    examples: Sequence[Example]
    hits: Hits

    @classmethod
    def build(cls, examples: Sequence[Example]) -> Corpus:
        return cls(examples, Hits.of([prepare(e.text) for e in examples]))

    def __len__(self) -> int:
        return len(self.examples)

    def sources(self) -> np.ndarray:
        return np.array([e.source for e in self.examples])

    def linked(self) -> np.ndarray:
        """Which rows contain a link (to a reference site or any other)."""
        links, references = signals.NAMES.index("links"), signals.NAMES.index("reference_links")
        return (self.hits.dense[:, links] > 0) | (self.hits.dense[:, references] > 0)

    def target(self, label: str) -> tuple[np.ndarray, np.ndarray]:
        """Rows that carry `label` and their 0/1 values.

        A comment labelled not toxic is also no insult, threat...: it is a negative of every
        sub-label, whichever source it comes from.
        """
        sub = label in SUBLABELS
        rows, values = [], []
        for i, e in enumerate(self.examples):
            value = e.labels.get(label)
            if value is None and sub and e.labels.get("toxicity") == 0:
                value = 0
            if value is not None:
                rows.append(i)
                values.append(value)
        return np.array(rows, dtype=np.int64), np.array(values, dtype=np.int64)

    def fit_featurizer(self, rows: np.ndarray) -> Featurizer:
        return Featurizer.fit(self.hits.select(rows), MAX_WORD_FEATURES, MAX_CHAR_FEATURES)

    def matrix(self, featurizer: Featurizer, rows: np.ndarray) -> sp.csr_matrix:
        """Features of `rows`, in that order."""
        return featurizer.matrix(self.hits.select(rows))
