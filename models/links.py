"""Links a site vouches for: masked before scoring, so they never count against a comment."""

from __future__ import annotations

from collections.abc import Collection, Iterable

from models import patterns
from models.normalize import prepare


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
