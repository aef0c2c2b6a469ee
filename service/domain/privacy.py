"""Commenters' personal data: kept only as keyed hashes (emails, IPs), purged, erased on request."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, update
from sqlalchemy.orm import Session

from service.storage.tables import (
    Comment,
    OutboundMail,
    PrivacyErasure,
    ReplySubscription,
    utcnow,
)


def keyed_hash(secret: str, purpose: str, value: str) -> str:
    """HMAC-SHA256 of ``value``; ``purpose`` keeps an email hash from matching an IP hash."""
    key = hmac.new(secret.encode(), purpose.encode(), hashlib.sha256).digest()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def email_hash(secret: str, email: str) -> str:
    return keyed_hash(secret, "email", email.strip().lower())


def ip_hash(secret: str, ip: str) -> str:
    return keyed_hash(secret, "ip", ip.strip())


ERASED = "[erased]"


def purge_submitter_context(
    session: Session, retention_days: int, now: datetime | None = None
) -> int:
    """Erase the IP hash, user agent and referrer of comments older than the retention period.

    Returns how many comments lost their context; 0 when retention is off (``0`` days).
    """
    if retention_days <= 0:
        return 0
    cutoff = (now or utcnow()) - timedelta(days=retention_days)
    has_context = or_(
        Comment.ip_hash.is_not(None), Comment.user_agent.is_not(None), Comment.referrer.is_not(None)
    )
    result = session.execute(
        update(Comment)
        .where(Comment.created_at < cutoff, has_context)
        .values(ip_hash=None, user_agent=None, referrer=None)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def erase_author(session: Session, secret: str, email: str, requested_by: str) -> PrivacyErasure:
    """Anonymise every comment by this email, keep them out of training labels, record it."""
    hashed = email_hash(secret, email)
    now = utcnow()
    result = session.execute(
        update(Comment)
        .where(Comment.author_email_hash == hashed)
        .values(
            body=ERASED,
            author_name=ERASED,
            author_email_hash=None,
            ip_hash=None,
            user_agent=None,
            referrer=None,
            explanation=None,
            fingerprint=None,
            erased_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    # The one place an address is kept in the clear: reply subscriptions, and mail not yet sent.
    address = email.strip().lower()
    session.execute(delete(ReplySubscription).where(ReplySubscription.email == address))
    session.execute(
        delete(OutboundMail).where(OutboundMail.recipient == address, OutboundMail.status != "sent")
    )
    record = PrivacyErasure(
        email_hash=hashed,
        comments_erased=result.rowcount or 0,
        requested_by=requested_by[:254],
        created_at=now,
    )
    session.add(record)
    session.flush()
    return record
