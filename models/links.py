"""Links in the judgement: the ones a site vouches for are masked before scoring, and a link
alone can make a comment suspect (held) but never certain spam (rejected)."""

from __future__ import annotations

from collections.abc import Collection, Iterable

import numpy as np

from models import patterns
from models.normalize import Normalized, prepare

# A comment whose words alone (links removed) score below WORDS_ALONE as spam is at most
# LINK_ONLY_MAX spam, however its links score: a bare link, or a citation of a site the model
# has seen in spam, is held for a person, not rejected (the default policy rejects at 0.9).
LINK_ONLY_MAX = 0.85
WORDS_ALONE = 0.5


def without_links(doc: Normalized) -> Normalized:
    """The document with its link placeholders cut out, as if the links were never written."""
    if not doc.links:
        return doc
    parts, last = [], 0
    for link in doc.links:
        parts.append(doc.text[last : link.start])
        last = link.end
    parts.append(doc.text[last:])
    return Normalized(" ".join(parts), doc.original, None, ())


def link_is_all(doc: Normalized) -> bool:
    """The document has links, and none of spam's own patterns: no shortener, contact detail,
    promotion or money talk (each of those is evidence beyond a link)."""
    if not doc.links or any(link.domain in patterns.SHORTENERS for link in doc.links):
        return False
    text = doc.text
    return not (
        patterns.PROMOTION.search(text)
        or patterns.PHONE.search(text)
        or patterns.MESSAGING.search(text)
        or ("@" in text and patterns.EMAIL.search(text))
    )


def needs_words_check(docs: list[Normalized], spam: np.ndarray) -> np.ndarray:
    """Rows whose spam score exceeds LINK_ONLY_MAX with nothing but links as evidence."""
    return np.array(
        [s > LINK_ONLY_MAX and link_is_all(d) for d, s in zip(docs, spam, strict=True)],
        dtype=bool,
    ).reshape(len(docs))


def cap_link_only(spam: np.ndarray, words_spam: np.ndarray, checked: np.ndarray) -> np.ndarray:
    """``spam`` with rows of ``checked`` whose words alone score below WORDS_ALONE capped at
    LINK_ONLY_MAX (``words_spam`` holds those rows' link-free scores, in order)."""
    out = spam.copy()
    rows = np.flatnonzero(checked)
    capped = rows[words_spam < WORDS_ALONE]
    out[capped] = np.minimum(out[capped], LINK_ONLY_MAX)
    return out


def clean_domains(domains: Iterable[str]) -> frozenset[str]:
    """Lower-case hosts without scheme, ``www.`` or path; blanks dropped."""
    return frozenset(d for d in (patterns.domain_of(x.strip().lower()) for x in domains) if d)


def is_allowed(host: str, allowed: Collection[str]) -> bool:
    """The host is an allowed domain or one of its subdomains."""
    return any(host == d or host.endswith("." + d) for d in allowed)


def mask_allowed_links(text: str, allowed: Collection[str]) -> str:
    """``text`` with every link to an allowed domain blanked out by spaces of the same length.

    The length is kept so that reasons found in the masked text index the original one.
    """
    if not allowed:
        return text
    doc = prepare(text)
    spans = [doc.span(x.start, x.end) for x in doc.links if is_allowed(x.domain, allowed)]
    if not spans:
        return text
    chars = list(doc.original)
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    return "".join(chars) + text[len(doc.original) :]
