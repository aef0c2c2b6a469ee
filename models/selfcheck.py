"""A model's own checks: probe texts and the scores the model gave them when it was trained,
written into its metadata and run at every load. A model that no longer gives them (a changed
feature module, a wrong file beside the metadata) is refused before it decides anything."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from models.judgement import LABELS
from models.linear import ArtifactError

if TYPE_CHECKING:
    from models.classifier import Classifier

# What the service needs of every model: the labels its policies and reason codes are built on.
REQUIRED_LABELS = ("spam", "toxicity")
PROBES = (
    "Thanks for the article, the second chart answered my question.",
    "You are a worthless idiot and everyone here hates you.",
    "Check out my channel and subscribe!!! bit.ly/win-free-prizes",
    "I disagree: the 2019 report (https://www.reuters.com/world/report) says otherwise.",
    "Shut up or I will find you and hurt you.",
    "Great recipe, I added a pinch of cinnamon and it was lovely.",
)
TOLERANCE = 1e-4


def probe_scores(classifier: Classifier) -> list[dict[str, Any]]:
    """The ``checks`` entry of a model's metadata: each probe with the scores it gets."""
    rows = classifier.probabilities(list(PROBES))
    labels = classifier.labels
    return [
        {"text": text, "scores": dict(zip(labels, (round(float(p), 6) for p in row), strict=True))}
        for text, row in zip(PROBES, rows.tolist(), strict=True)
    ]


def verify(classifier: Classifier) -> None:
    """Raise ``ArtifactError`` naming every check the loaded model fails."""
    metadata = classifier.metadata
    problems = []
    version = metadata.get("version")
    if not isinstance(version, str) or not version.strip():
        problems.append("metadata.json names no version")
    labels = list(classifier.labels)
    if metadata.get("labels") != labels:
        problems.append(f"metadata.json lists labels {metadata.get('labels')}, the model {labels}")
    if missing := [label for label in REQUIRED_LABELS if label not in labels]:
        problems.append(f"the model scores no {', '.join(missing)}")
    if unknown := [label for label in labels if label not in LABELS]:
        problems.append(f"the model scores labels this service does not know: {unknown}")
    checks = metadata.get("checks") or []
    texts = [str(check.get("text", "")) for check in checks] or list(PROBES)
    rows = classifier.probabilities(texts).tolist()
    for text, row, check in zip(texts, rows, checks or [{}] * len(texts), strict=True):
        for label, p in zip(labels, row, strict=True):
            if not (math.isfinite(p) and 0.0 <= p <= 1.0):
                problems.append(f"{label} of {text!r} is {p}, not a probability")
            expected = check.get("scores", {}).get(label)
            if expected is not None and abs(p - expected) > TOLERANCE:
                problems.append(
                    f"{label} of {text!r} is {p:.6f}, but the model card recorded {expected:.6f}"
                )
    if problems:
        raise ArtifactError(f"model {version or '?'} fails its own checks: " + "; ".join(problems))
