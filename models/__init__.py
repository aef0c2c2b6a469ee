"""Sieve's classifier: spam and toxicity judgement with reasons, trained from public datasets."""

from models.classifier import DEFAULT_ARTIFACT_DIR, Classifier, load_classifier
from models.judgement import LABELS, Judgement, Reason
from models.linear import ArtifactError

__all__ = [
    "DEFAULT_ARTIFACT_DIR",
    "LABELS",
    "ArtifactError",
    "Classifier",
    "Judgement",
    "Reason",
    "load_classifier",
]
