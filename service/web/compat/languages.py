"""The language a comment is written in, as the Perspective-compatible API reports it.

py3langid ships its model inside the package (loaded once per process, about a second, so
``service.wsgi`` loads it before serving). Sieve's classifier is trained on English comments only.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from py3langid.langid import LanguageIdentifier

SUPPORTED = frozenset({"en"})
ENGLISH = "en"
# py3langid guesses wildly on a few words ("ok" -> sr, "thanks!" -> xh, "lol" -> st, at under
# 10% confidence). A short or unsure text counts as English, the language Sieve reads, rather
# than failing the short replies that make up much of any comment section; detection only
# speaks up when it is sure.
MIN_LETTERS = 20
MIN_CONFIDENCE = 0.5
# The beginning tells the language as well as the whole, at a bounded cost.
SAMPLE_CHARS = 2000

_identifier: LanguageIdentifier | None = None
_lock = threading.Lock()


def load() -> LanguageIdentifier:
    global _identifier
    with _lock:
        if _identifier is None:
            from py3langid.langid import MODEL_FILE, LanguageIdentifier

            # An identifier of our own, with probabilities: py3langid's module-level one gives
            # raw log scores, and set_languages() on it would change it for every caller.
            _identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
        return _identifier


def detect_language(text: str) -> str:
    """The ISO 639-1 code of the text's language; English when the text is too short or
    detection is unsure (see MIN_LETTERS)."""
    sample = text[:SAMPLE_CHARS]
    if sum(char.isalpha() for char in sample) < MIN_LETTERS:
        return ENGLISH
    language, confidence = load().classify(sample)
    if confidence < MIN_CONFIDENCE or language in ("und", "zxx"):
        return ENGLISH
    return language


def primary_language(code: str) -> str:
    """``en`` for ``en``, ``EN-us`` or ``en_GB``: BCP-47 and ISO codes are both accepted."""
    return code.strip().replace("_", "-").split("-")[0].lower()


def unsupported(codes: list[str]) -> list[str]:
    """Those of ``codes`` Sieve's classifier cannot read."""
    return [code for code in codes if primary_language(code) not in SUPPORTED]
