"""`sieve model eval`: ranking figures and the default policy's outcome, per source and slice."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from models import load_classifier, metrics
from models.sources import Example, load_all, load_moderator_csv


def _datasets(paths: tuple[Path, ...]) -> list[Example]:
    examples: list[Example] = []
    for path in paths:
        if path.is_dir():
            examples += load_all(path)[0]
        else:
            examples += [
                Example(e.text, path.name, e.labels, e.group) for e in load_moderator_csv(path)
            ]
    return examples


def evaluate(paths: tuple[Path, ...], model_dir: Path | None = None) -> dict[str, Any]:
    """{"model", "datasets": {source: {slice: {"rows", "labels": {label: figures}, "policy"}}}}."""
    classifier = load_classifier(model_dir)
    examples = _datasets(paths)
    probs = classifier.probabilities([e.text for e in examples])
    return {
        "model": classifier.version,
        "policy": {"hold_at": metrics.HOLD, "reject_at": metrics.REJECT},
        "datasets": metrics.report(examples, probs, classifier.labels),
    }


def format_table(report: dict[str, Any]) -> str:
    """Two tables: ranking per source, slice and label; the default policy per source and slice."""
    nan = float("nan")
    policy = report.get("policy", {})
    lines = [f"model {report['model']}", ""]
    lines.append(f"{'dataset':15} {'slice':6} {'label':16} {'rows':>6} {'pos':>6} {'ROC AUC':>8} "
                 f"{'AP':>7} {'P@0.5':>6} {'R@0.5':>6}")  # fmt: skip
    for name, slices in report["datasets"].items():
        for slice_name, entry in slices.items():
            for label, m in entry["labels"].items():
                lines.append(
                    f"{name:15} {slice_name:6} {label:16} {m['rows']:>6} {m['positives']:>6} "
                    f"{m.get('roc_auc', nan):>8.4f} {m.get('average_precision', nan):>7.4f} "
                    f"{m['precision']:>6.3f} {m['recall']:>6.3f}"
                )
    lines += ["", f"default policy: hold at {policy.get('hold_at')}, reject at "
              f"{policy.get('reject_at')} (spam or toxicity)"]  # fmt: skip
    head = (f"{'dataset':15} {'slice':6} {'benign':>7} {'approved':>9} {'held':>7} {'rejected':>9}"
            f" {'harmful':>8} {'caught':>7} {'rejected':>9}")  # fmt: skip
    lines.append(head)
    for name, slices in report["datasets"].items():
        for slice_name, entry in slices.items():
            p = entry["policy"]

            def share(key: str, p: dict = p) -> str:
                return f"{100 * p[key]:.1f}%" if key in p else "-"

            lines.append(
                f"{name:15} {slice_name:6} {p['benign']:>7} {share('benign_approved'):>9} "
                f"{share('benign_held'):>7} {share('benign_rejected'):>9} {p['harmful']:>8} "
                f"{share('harmful_caught'):>7} {share('harmful_rejected'):>9}"
            )
    return "\n".join(lines)
