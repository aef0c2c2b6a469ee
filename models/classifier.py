"""The classifier the service and worker use: load once, score batches of texts."""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from models import artifact, selfcheck
from models.explain import explain_batch
from models.judgement import Judgement, Reason
from models.linear import LinearModel
from models.links import mask_allowed_links
from models.normalize import prepare

log = logging.getLogger(__name__)

DEFAULT_ARTIFACT_DIR = artifact.latest_dir()
# Reasons are given for labels at or above this probability; below it there is nothing to explain.
REASON_THRESHOLD = 0.5


class Classifier:
    """Spam and toxicity judgement for comment texts."""

    def __init__(self, model: LinearModel, metadata: dict[str, Any]) -> None:
        self.model = model
        self.metadata = metadata

    @property
    def version(self) -> str:
        return str(self.metadata.get("version", "unknown"))

    @property
    def labels(self) -> tuple[str, ...]:
        return self.model.labels

    @property
    def thresholds(self) -> dict[str, float]:
        """Operating thresholds per label, as chosen at training time."""
        return dict(self.metadata.get("thresholds", {}))

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """Calibrated probabilities, shape (len(texts), len(labels)), without reasons."""
        docs = [prepare(_as_text(t)) for t in texts]
        return self.model.probabilities(docs)[0]

    def score(
        self,
        texts: Sequence[str],
        explain: bool = True,
        allowed_domains: Sequence[Collection[str]] | None = None,
    ) -> list[Judgement]:
        """One Judgement per text, in order; texts are featurised together as one batch.

        ``allowed_domains``, one collection per text, names the domains whose links never count
        against that text (a site's own and its sources'); they are masked before scoring.
        """
        if isinstance(texts, str):
            raise TypeError("score() takes a sequence of texts, not a single str")
        texts = [_as_text(t) for t in texts]
        if allowed_domains is not None:
            texts = [
                mask_allowed_links(t, allowed)
                for t, allowed in zip(texts, allowed_domains, strict=True)
            ]
        docs = [prepare(t) for t in texts]
        if not docs:
            return []
        probs, entries = self.model.probabilities(docs)
        reasons: list[tuple[Reason, ...]] = [() for _ in docs]
        if explain:
            raised = [np.flatnonzero(row >= REASON_THRESHOLD).tolist() for row in probs]
            reasons = explain_batch(docs, entries, self.model, raised)
        labels = self.model.labels
        out = []
        for row, why in zip(probs.round(6).tolist(), reasons, strict=True):
            values = dict(zip(labels, row, strict=True))
            out.append(Judgement(values["spam"], values["toxicity"], values, why))
        return out


def _as_text(text: object) -> str:
    if not isinstance(text, str):
        raise TypeError(f"texts must be str, got {type(text).__name__}")
    return text


def load_classifier(path: str | Path | None = None) -> Classifier:
    """Load an artifact directory (default: the one models/artifacts/LATEST names)."""
    directory = Path(path) if path is not None else artifact.latest_dir()
    model, metadata = artifact.load(directory)
    classifier = Classifier(model, metadata)
    selfcheck.verify(classifier)
    log.info("model loaded version=%s path=%s", metadata.get("version"), directory)
    return classifier
