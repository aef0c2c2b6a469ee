"""Dense signals beyond n-grams: links and their domains, contact patterns, promotion, length."""

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
    "reference_links",
    "emails",
    "phones",
    "messaging",
    "promotion",
    "caps_ratio",
    "repeated_chars",
    "length",
)
_REPEATS = re.compile(r"(.)\1{2,}")


def link_spans(doc: Normalized) -> list[tuple[int, int]]:
    """Links, excluding those to reference and news sites (a citation is not a promotion)."""
    return [(link.start, link.end) for link in doc.links if not patterns.is_reference(link.domain)]


def contact_spans(text: str) -> list[tuple[int, int]]:
    found = [patterns.EMAIL, patterns.PHONE, patterns.MESSAGING]
    return sorted(m.span() for pattern in found for m in pattern.finditer(text))


def promotion_spans(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in patterns.PROMOTION.finditer(text)]


def _row(doc: Normalized) -> list[float]:
    text = doc.text
    domains = {link.domain for link in doc.links}
    references = {d for d in domains if patterns.is_reference(d)}
    others = [link for link in doc.links if link.domain not in references]
    links = doc.links
    letters = sum(map(str.isalpha, doc.original))
    upper = sum(map(str.isupper, doc.original))
    return [
        min(len(others), 5) / 5,
        float(any(d in patterns.SHORTENERS for d in domains)),
        min(len(domains - references), 3) / 3,
        min(len(links) - len(others), 3) / 3,
        float(bool(patterns.EMAIL.search(text))) if "@" in text else 0.0,
        float(bool(patterns.PHONE.search(text))),
        float(bool(patterns.MESSAGING.search(text))),
        min(len(patterns.PROMOTION.findall(text)), 3) / 3,
        upper / letters if letters >= 8 else 0.0,  # short texts in capitals are not shouting
        min(len(_REPEATS.findall(doc.original)), 5) / 5,
        min(math.log1p(len(text)) / 8, 1.0),
    ]


def extract(docs: Sequence[Normalized]) -> np.ndarray:
    """One row of signals per document, each scaled to [0, 1]."""
    return np.array([_row(d) for d in docs], dtype=np.float32).reshape(len(docs), len(NAMES))
