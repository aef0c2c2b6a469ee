"""Labelled examples from the compatible APIs' clients: Perspective's suggestscore, Akismet's
submit-spam and submit-ham. They join the moderators' labels in ``sieve model export-labels``."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from service.storage.tables import Feedback, Site, SiteKey

SOURCES = ("perspective", "akismet")
# Sieve's labels a client's example may carry (Perspective's attributes are mapped onto these).
LABELS = ("spam", "toxicity", "severe_toxicity", "obscene", "threat", "insult", "identity_attack")


def record_feedback(
    session: Session,
    site: Site,
    key: SiteKey | None,
    source: str,
    text: str,
    labels: dict[str, float],
    community_id: str | None = None,
    client_token: str | None = None,
) -> Feedback:
    """Keep one labelled example; ``labels`` maps Sieve's label names to 0..1."""
    if source not in SOURCES:
        raise ValueError(f"unknown feedback source {source!r}")
    unknown = set(labels) - set(LABELS)
    if unknown:
        raise ValueError(f"unknown labels {sorted(unknown)}")
    clean: dict[str, Any] = {name: float(value) for name, value in labels.items()}
    row = Feedback(
        site_id=site.id,
        key_id=key.id if key is not None else None,
        source=source,
        text=text,
        labels=clean,
        community_id=(community_id or None) and community_id[:500],
        client_token=(client_token or None) and client_token[:500],
    )
    session.add(row)
    return row
