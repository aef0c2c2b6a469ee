"""`sieve model eval`: figures per label and per dataset for any labelled data."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

from models import load_classifier, metrics
from models.sources import Example, load_all, load_moderator_csv


def _datasets(paths: tuple[Path, ...]) -> dict[str, list[Example]]:
    grouped: dict[str, list[Example]] = defaultdict(list)
    for path in paths:
        if path.is_dir():
            for example in load_all(path)[0]:
                grouped[example.source].append(example)
        else:
            grouped[path.name] = load_moderator_csv(path)
    return dict(grouped)


def evaluate(paths: tuple[Path, ...], model_dir: Path | None = None) -> dict[str, Any]:
    """{dataset: {label: metrics}} for every label a dataset carries."""
    classifier = load_classifier(model_dir)
    thresholds = classifier.thresholds
    report: dict[str, Any] = {"model": classifier.version, "datasets": {}}
    for name, examples in _datasets(paths).items():
        probs = classifier.probabilities([e.text for e in examples])
        per_label = {}
        for j, label in enumerate(classifier.labels):
            rows = [i for i, e in enumerate(examples) if label in e.labels]
            if not rows:
                continue
            truth = np.array([examples[i].labels[label] for i in rows])
            threshold = thresholds.get(label, 0.5)
            per_label[label] = metrics.binary(truth, probs[rows, j], threshold)
        report["datasets"][name] = per_label
    return report


def format_table(report: dict[str, Any]) -> str:
    nan = float("nan")
    head = f"{'dataset':14} {'label':16} {'rows':>6} {'pos':>6} {'ROC AUC':>8} {'AP':>7}"
    lines = [f"model {report['model']}", head + f" {'thr':>6} {'P':>6} {'R':>6} {'F1':>6}"]
    for name, per_label in report["datasets"].items():
        for label, m in per_label.items():
            lines.append(
                f"{name:14} {label:16} {m['rows']:>6} {m['positives']:>6} "
                f"{m.get('roc_auc', nan):>8.4f} {m.get('average_precision', nan):>7.4f} "
                f"{m['threshold']:>6.3f} {m['precision']:>6.3f} {m['recall']:>6.3f} {m['f1']:>6.3f}"
            )
    return "\n".join(lines)
