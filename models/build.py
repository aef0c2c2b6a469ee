"""Build an artifact end to end: load data, validate, fit on everything, save with metadata."""

from __future__ import annotations

import logging
import platform
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import scipy
import sklearn
import skops

from models import artifact, calibration, corpus, features, signals, train
from models.corpus import Corpus
from models.judgement import LABELS
from models.linear import LinearModel
from models.sources import Example, load_all, load_moderator_csv
from models.validate import validate

log = logging.getLogger(__name__)


def _identity_knots() -> tuple[np.ndarray, np.ndarray]:
    """Used for a label no validation could calibrate: probability = sigmoid(raw score)."""
    grid = np.linspace(-12, 12, 97)
    return grid, calibration.sigmoid(grid)


def build_model(
    examples: list[Example], seed: int = train.DEFAULT_SEED
) -> tuple[LinearModel, dict[str, Any]]:
    """Validate, then fit every label on all rows; returns the model and its training metadata."""
    started = time.perf_counter()
    data = Corpus.build(examples)
    validation = validate(data, seed)
    everything = np.arange(len(data))
    featurizer = data.fit_featurizer(everything)
    coef, intercept = train.fit_labels(data, featurizer, everything, LABELS, seed)
    knots = tuple(validation.knots.get(label, _identity_knots()) for label in LABELS)
    model = LinearModel(LABELS, featurizer, coef, intercept, knots)
    metadata = {
        "seed": seed,
        "training_seconds": round(time.perf_counter() - started, 1),
        "rows": len(data),
        "features": {
            "word_ngrams": len(featurizer.word.buckets),
            "char_ngrams": len(featurizer.char.buckets),
            "signals": list(signals.NAMES),
            "hash_bits": features.BITS,
            "char_range": list(features.CHAR_RANGE),
            "max_word": corpus.MAX_WORD_FEATURES,
            "max_char": corpus.MAX_CHAR_FEATURES,
        },
        "hyperparameters": {"C": train.C_BY_LABEL, "C_sublabels": train.C_SUBLABEL,
                            "naive_bayes_scaled_labels": sorted(train.NB_LABELS),
                            "naive_bayes_alpha": train.NB_ALPHA,
                            "youtube_share_of_spam_weight": train.YOUTUBE_SHARE,
                            "toxicity_weights": "equal total per (source, class)"},
        "thresholds": validation.thresholds,
        "validation": {
            "method": (
                "toxicity and sub-labels: 20% held out per source (stratified; Stormfront split "
                "by post), features and weights fitted on the other 80%; spam: leave-one-video-out "
                "over YouTube videos 01-04 (SMS always in training). Calibration (isotonic) and "
                "thresholds (best F1) are fitted on these held-out scores; sub-label figures are "
                "capped by the toxicity probability, as served. The final model is then refitted "
                "on all rows."
            ),
            "metrics": validation.metrics,
        },
    }  # fmt: skip
    return model, metadata


def train_to(
    data_dir: Path, out_dir: Path, seed: int, extra_labels: tuple[Path, ...] = ()
) -> dict[str, Any]:
    """`sieve model train`: build from data_dir (+ moderator CSVs) and save into out_dir."""
    examples, manifest = load_all(data_dir)
    for path in extra_labels:
        rows = load_moderator_csv(path)
        examples += rows
        manifest[f"moderator:{path.name}"] = {"file": str(path), "rows": len(rows),
                                              "sha256": artifact.sha256_file(path)}  # fmt: skip
    model, metadata = build_model(examples, seed)
    metadata = {
        "version": out_dir.name,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "labels": list(LABELS),
        "data": manifest,
        **metadata,
        "libraries": {
            "python": platform.python_version(),
            "scikit-learn": sklearn.__version__,
            "numpy": np.__version__,
            "scipy": scipy.__version__,
            "skops": skops.__version__,
        },
    }
    saved = artifact.save(model, metadata, out_dir)
    log.info("model trained version=%s seconds=%s", out_dir.name, metadata["training_seconds"])
    return saved
