"""Fingerprints that near-duplicate comments share, so a spam wave is handled as one group."""

from __future__ import annotations

import hashlib
import re
import unicodedata

_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)
_DIGITS = re.compile(r"\d+")


def text_fingerprint(body: str) -> str:
    """Equal for texts that differ only in case, spacing, punctuation or numbers."""
    folded = unicodedata.normalize("NFKC", body).casefold()
    words = _NOT_WORD.sub(" ", _DIGITS.sub("0", folded)).split()
    return hashlib.sha1(" ".join(words).encode(), usedforsecurity=False).hexdigest()
