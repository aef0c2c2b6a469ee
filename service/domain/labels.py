"""Moderator decisions as training labels for the classifier (the learning loop)."""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.storage.states import CommentStatus
from service.storage.tables import Comment, Feedback, ModerationEvent, Site

COLUMNS = ("text", "spam", "toxicity", "insult", "threat", "site", "decision", "reason",
           "decided_at")  # fmt: skip
# Reject reasons that say the comment was abusive, and the sub-label each also implies.
TOXIC_REASONS = {"TOXIC": None, "INSULT": "insult", "THREAT": "threat", "HARASSMENT": "insult"}


def labels_for(status: CommentStatus, reason: str | None) -> dict[str, int]:
    """What a final moderator decision says about a comment; {} when it says nothing usable."""
    if status is CommentStatus.APPROVED:
        return {"spam": 0, "toxicity": 0}
    if status is CommentStatus.SPAM:
        return {"spam": 1}
    code = (reason or "").upper()
    if status is CommentStatus.REJECTED and code in TOXIC_REASONS:
        labels = {"toxicity": 1}
        if sub := TOXIC_REASONS[code]:
            labels[sub] = 1
        return labels
    return {}


def labelled_rows(session: Session, since: datetime | None = None, site_id: int | None = None):
    """(comment, site slug, last moderator event) for every comment a moderator decided (on
    the site ``site_id``, when given)."""
    last = (
        select(func.max(ModerationEvent.id))
        .where(ModerationEvent.actor.like("moderator:%"))
        .group_by(ModerationEvent.comment_id)
    )
    if since is not None:
        last = last.where(ModerationEvent.created_at >= since)
    query = (
        select(Comment, Site.slug, ModerationEvent)
        .join(ModerationEvent, ModerationEvent.comment_id == Comment.id)
        .join(Site, Site.id == Comment.site_id)
        .where(ModerationEvent.id.in_(last), Comment.erased_at.is_(None))
        .order_by(ModerationEvent.id)
    )
    if site_id is not None:
        query = query.where(Comment.site_id == site_id)
    return session.execute(query.execution_options(yield_per=1000))


def write_labels(
    session: Session, out: Path, since: datetime | None = None, site_id: int | None = None
) -> int:
    """Write the CSV that `sieve model train --labels` and `sieve model eval --data` read (the
    decisions on the site ``site_id`` only, when given)."""
    count = 0
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for comment, slug, event in labelled_rows(session, since, site_id):
            # The comment's current status is final: an undone decision is no label.
            if comment.status is not event.to_status:
                continue
            # Only a rejection's reason says what a comment is (approvals from the bulk form used
            # to carry its reject reason by mistake); an undo's reason is a note.
            rejected = comment.status is CommentStatus.REJECTED and event.action != "undo"
            reason = event.reason if rejected else None
            labels = labels_for(comment.status, reason)
            if not labels:
                continue
            writer.writerow([
                comment.body,
                *(labels.get(name, "") for name in ("spam", "toxicity", "insult", "threat")),
                slug, comment.status.value, reason or "", event.created_at.isoformat(),
            ])  # fmt: skip
            count += 1
        count += _write_feedback(session, writer, since, site_id)
    return count


def _write_feedback(
    session: Session, writer: Any, since: datetime | None, site_id: int | None
) -> int:
    """The examples the compatible APIs' clients sent (suggestscore, submit-spam/ham), as rows
    of the same CSV: decision ``feedback:<source>``, each label 1 at 0.5 or above."""
    query = (
        select(Feedback, Site.slug).join(Site, Site.id == Feedback.site_id).order_by(Feedback.id)
    )
    if since is not None:
        query = query.where(Feedback.created_at >= since)
    if site_id is not None:
        query = query.where(Feedback.site_id == site_id)
    count = 0
    for row, slug in session.execute(query):
        labels = {name: int(value >= 0.5) for name, value in row.labels.items()}
        if not labels:
            continue
        writer.writerow([
            row.text,
            *(labels.get(name, "") for name in ("spam", "toxicity", "insult", "threat")),
            slug, f"feedback:{row.source}", "", row.created_at.isoformat(),
        ])  # fmt: skip
        count += 1
    return count
