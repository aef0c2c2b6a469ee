"""Perspective's attribute names, and the Sieve label each one is answered with."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Attribute:
    label: str  # one of models.LABELS
    # True when the label means what the attribute means: a client's suggested score for it is
    # then kept as a training label. An approximate attribute is answered with its nearest
    # label, but what clients suggest for it would teach that label something else.
    exact: bool


_EXACT = {
    # Perspective's production attributes.
    "TOXICITY": "toxicity",
    "SEVERE_TOXICITY": "severe_toxicity",
    "IDENTITY_ATTACK": "identity_attack",
    "INSULT": "insult",
    "PROFANITY": "obscene",
    "THREAT": "threat",
    # Trained on New York Times moderation, like Sieve's labels of the same name.
    "OBSCENE": "obscene",
    "SPAM": "spam",
}
_NEAREST = {
    # Experimental attributes.
    "SEXUALLY_EXPLICIT": "obscene",
    "FLIRTATION": "obscene",
    # The other New York Times ones: attacks on people are insults; provoking and the comments
    # moderators reject are mostly incivility; nonsense and trivia are closest to spam.
    "ATTACK_ON_AUTHOR": "insult",
    "ATTACK_ON_COMMENTER": "insult",
    "ATTACK_ON_PUBLISHER": "insult",
    "INFLAMMATORY": "toxicity",
    "LIKELY_TO_REJECT": "toxicity",
    "INCOHERENT": "spam",
    "UNSUBSTANTIAL": "spam",
}
# Every name a client may send (without @VERSION), with the label it is answered with. Each of
# these also exists as NAME_EXPERIMENTAL (TOXICITY_EXPERIMENTAL, ...) with the same meaning.
ATTRIBUTES: dict[str, Attribute] = {
    **{name: Attribute(label, exact=True) for name, label in _EXACT.items()},
    **{name: Attribute(label, exact=False) for name, label in _NEAREST.items()},
}
EXPERIMENTAL_SUFFIX = "_EXPERIMENTAL"


def find_attribute(name: str) -> Attribute | None:
    """The attribute a requested name means (``INSULT``, ``INSULT@v2``, ``INSULT_EXPERIMENTAL``),
    or None for a name Perspective never had or Sieve has no label near."""
    base = name.split("@", 1)[0].strip().upper()
    return ATTRIBUTES.get(base) or ATTRIBUTES.get(base.removesuffix(EXPERIMENTAL_SUFFIX))
