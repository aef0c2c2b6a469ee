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

from models import (
    artifact,
    calibration,
    corpus,
    features,
    metrics,
    selfcheck,
    signals,
    train,
    validate,
)
from models.classifier import Classifier
from models.corpus import Corpus
from models.judgement import LABELS
from models.linear import LinearModel
from models.sources import (
    Example,
    load_all,
    load_moderator_csv,
    moderator_sites,
    sample_per_source,
)

log = logging.getLogger(__name__)


def build_model(
    examples: list[Example], seed: int = train.DEFAULT_SEED, jobs: int = 1
) -> tuple[LinearModel, dict[str, Any]]:
    """Validate, then fit every label on all rows; returns the model and its training metadata."""
    started = time.perf_counter()
    data = Corpus.build(examples)
    validation = validate.validate(data, seed, jobs=jobs)
    everything = np.arange(len(data))
    featurizer = data.fit_featurizer(everything)
    coef, intercept = train.fit_labels(data, featurizer, everything, LABELS, seed)
    identity = calibration.identity_knots()
    knots = tuple(validation.knots.get(label, identity) for label in LABELS)
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
                            "spam_weight_shares": train.SPAM_SHARES,
                            "source_weight_power": train.SOURCE_POWER,
                            "negative_trust": train.NEGATIVE_TRUST,
                            "toxicity_weights": "per source n^power, classes balanced within it",
                            "calibration_base_rates": calibration.BASE_RATES},
        "thresholds": validation.thresholds,
        "policy": {"hold_at": metrics.HOLD, "reject_at": metrics.REJECT,
                   "labels": list(metrics.POLICY_LABELS)},
        "validation": {
            "method": (
                f"{validate.FOLDS}-fold cross-validation: rows of one thread, post or "
                "Wikipedia revision share a fold, and each YouTube video is wholly in one fold "
                "(spam is judged on videos the model never saw). Every row is scored by "
                "features and weights fitted on the other folds. Calibration (isotonic, "
                "reweighted to the base rates in hyperparameters) is fitted on these "
                "out-of-fold scores, and the figures below are of calibrated scores, sub-labels "
                "capped by toxicity, as served. 'policy' is what the default site policy does: "
                "benign comments approved / held / rejected, harmful ones caught (held or "
                "rejected) and rejected. The final model is then refitted on all rows."
            ),
            "metrics": validation.metrics,
        },
    }  # fmt: skip
    return model, metadata


def train_to(
    data_dir: Path,
    out_dir: Path,
    seed: int,
    extra_labels: tuple[Path, ...] = (),
    jobs: int = 1,
    sample: int | None = None,
) -> dict[str, Any]:
    """`sieve model train`: build from data_dir (+ moderator CSVs) and save into out_dir.

    ``sample`` keeps at most that many rows of each source (a quick candidate); the moderator
    labels are always used whole.
    """
    examples, manifest = load_all(data_dir)
    if sample is not None:
        examples = sample_per_source(examples, sample, seed)
        for name in manifest:
            manifest[name]["rows_used"] = sum(1 for e in examples if e.source == name)
    sites: dict[str, int] = {}
    for path in extra_labels:
        rows = load_moderator_csv(path)
        examples += rows
        of_sites = moderator_sites(path)
        for slug, count in of_sites.items():
            sites[slug] = sites.get(slug, 0) + count
        manifest[f"moderator:{path.name}"] = {"file": str(path), "rows": len(rows),
                                              "sha256": artifact.sha256_file(path),
                                              "sites": of_sites}  # fmt: skip
    model, metadata = build_model(examples, seed, jobs)
    metadata = {
        "version": out_dir.name,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "labels": list(LABELS),
        "data": manifest,
        # Whose moderators' decisions it learned from, and how many of each site's.
        "moderator_labels": {"sites": dict(sorted(sites.items())), "rows": sum(sites.values())},
        **({"sample_per_source": sample} if sample is not None else {}),
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
    saved = artifact.write_metadata(
        out_dir, {**saved, "checks": selfcheck.probe_scores(Classifier(model, saved))}
    )
    log.info("model trained version=%s seconds=%s", out_dir.name, metadata["training_seconds"])
    return saved
