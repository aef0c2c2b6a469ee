"""RQ jobs. Module-level functions taking ids; their signatures are a wire format."""

from __future__ import annotations

import logging
import time

from service import db
from worker import context
from worker.scoring import score_pending

log = logging.getLogger(__name__)


def score_comments(comment_ids: list[int], *, request_id: str | None = None) -> dict[str, int]:
    """Score and decide the given comments; a repeat run is harmless."""
    app, classifier = context.current()
    started = time.perf_counter()
    with app.app_context(), db.session_scope() as session:
        outcomes = score_pending(session, classifier, comment_ids)
    counts: dict[str, int] = {}
    for outcome in outcomes:
        counts[outcome.status.value] = counts.get(outcome.status.value, 0) + 1
    log.info(
        "comments scored count=%s decided=%s model=%s ms=%.1f request_id=%s",
        len(comment_ids),
        counts,
        classifier.version,
        (time.perf_counter() - started) * 1000,
        request_id,
    )
    return counts
