"""Dense signals beyond n-grams: links and their domains, contact patterns, shouting, length."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

import numpy as np

from models import patterns
from models.normalize import Normalized

NAMES = (
    "links",
    "link_shortener",
    "link_domains",
    "emails",
    "phones",
    "messaging",
    "caps_ratio",
    "repeated_chars",
    "length",
)
_REPEATS = re.compile(r"(.)\1{2,}")


def link_spans(text: str) -> list[tuple[int, int]]:
    if not patterns.LINK_HINT.search(text):
        return []
    return [m.span() for m in patterns.URL.finditer(text)]


def contact_spans(text: str) -> list[tuple[int, int]]:
    found = [patterns.EMAIL, patterns.PHONE, patterns.MESSAGING]
    return sorted(m.span() for pattern in found for m in pattern.finditer(text))


def _row(doc: Normalized) -> list[float]:
    text = doc.text
    links = patterns.URL.findall(text) if patterns.LINK_HINT.search(text) else []
    domains = {patterns.domain_of(link) for link in links}
    letters = sum(map(str.isalpha, doc.original))
    upper = sum(map(str.isupper, doc.original))
    return [
        min(len(links), 5) / 5,
        float(any(d in patterns.SHORTENERS for d in domains)),
        min(len(domains), 3) / 3,
        float(bool(patterns.EMAIL.search(text))) if "@" in text else 0.0,
        float(bool(patterns.PHONE.search(text))),
        float(bool(patterns.MESSAGING.search(text))),
        upper / letters if letters >= 8 else 0.0,  # short texts in capitals are not shouting
        min(len(_REPEATS.findall(doc.original)), 5) / 5,
        min(math.log1p(len(text)) / 8, 1.0),
    ]


def extract(docs: Sequence[Normalized]) -> np.ndarray:
    """One row of signals per document, each scaled to [0, 1]."""
    return np.array([_row(d) for d in docs], dtype=np.float32).reshape(len(docs), len(NAMES))
