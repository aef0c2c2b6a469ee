"""The labels the classifier scores and the shape of its answer for one text."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

LABELS = ("spam", "toxicity", "severe_toxicity", "obscene", "threat", "insult", "identity_attack")
CODES = {
    "spam": "SPAM",
    "toxicity": "TOXIC",
    "severe_toxicity": "SEVERE_TOXIC",
    "obscene": "OBSCENE",
    "threat": "THREAT",
    "insult": "INSULT",
    "identity_attack": "IDENTITY_ATTACK",
}


@dataclass(frozen=True, slots=True)
class Reason:
    """A span of the original text that raised one label's score; text == original[start:end]."""

    label: str
    code: str
    text: str
    start: int
    end: int
    weight: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "code": self.code,
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "weight": self.weight,
        }


@dataclass(frozen=True, slots=True)
class Judgement:
    """Calibrated probabilities for one text, with the reasons behind the raised ones."""

    spam: float
    toxicity: float
    labels: dict[str, float]
    reasons: tuple[Reason, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "spam": self.spam,
            "toxicity": self.toxicity,
            "labels": dict(self.labels),
            "reasons": [r.to_dict() for r in self.reasons],
        }
