"""Site keys of the Perspective- and Akismet-compatible APIs: created, found, revoked, counted.

A key is 12 lower-case letters and digits (WordPress refuses Akismet keys of any other length),
shown once and stored only as its SHA-256. One key serves both APIs and belongs to one site.
"""

from __future__ import annotations

import hashlib
import secrets
import string
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from service.domain.audit import Actor, record_admin_event
from service.storage.tables import KeyUsage, Site, SiteKey, utcnow

KEY_LENGTH = 12
ALPHABET = string.ascii_lowercase + string.digits
COUNTS = ("api_calls", "spam", "ham", "missed_spam", "false_positives")


def key_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_key(session: Session, site: Site, name: str, actor: Actor) -> tuple[str, SiteKey]:
    """A new key for ``site``; the plain key is returned once, only its hash is kept."""
    key = "".join(secrets.choice(ALPHABET) for _ in range(KEY_LENGTH))
    record = SiteKey(
        site_id=site.id, name=name.strip()[:100] or "key", key_hash=key_digest(key), prefix=key[:4]
    )
    session.add(record)
    session.flush()
    after = {"key": record.name, "prefix": record.prefix}
    subject = f"site key {record.name} of {site.slug}"
    record_admin_event(session, actor, "create_site_key", site, {}, after, subject=subject)
    return key, record


def find_key(session: Session, key: str) -> SiteKey | None:
    """The live key ``key`` names (its last use stamped), or None."""
    if len(key) != KEY_LENGTH:
        return None
    record = session.scalar(select(SiteKey).where(SiteKey.key_hash == key_digest(key)))
    if record is None or record.revoked_at is not None:
        return None
    record.last_used_at = utcnow()
    return record


def revoke_key(session: Session, record: SiteKey, actor: Actor) -> bool:
    """Revoke ``record``; False if it already was."""
    if record.revoked_at is not None:
        return False
    record.revoked_at = utcnow()
    subject = f"site key {record.name} of {record.site.slug}"
    before, after = {"revoked": False}, {"revoked": True}
    record_admin_event(
        session, actor, "revoke_site_key", record.site, before, after, subject=subject
    )
    return True


def keys_of(session: Session, site: Site | None = None) -> list[SiteKey]:
    query = select(SiteKey).order_by(SiteKey.id)
    if site is not None:
        query = query.where(SiteKey.site_id == site.id)
    return list(session.scalars(query))


def month_of(moment: datetime | None = None) -> str:
    return (moment or utcnow()).strftime("%Y-%m")


def count_use(session: Session, record: SiteKey, **amounts: int) -> None:
    """Add ``amounts`` (api_calls, spam, ham, missed_spam, false_positives) to this month's
    usage of the key, atomically in the database."""
    unknown = set(amounts) - set(COUNTS)
    if unknown:
        raise ValueError(f"unknown usage counts: {sorted(unknown)}")
    month = month_of()
    where = (KeyUsage.key_id == record.id, KeyUsage.month == month)
    if session.scalar(select(KeyUsage.id).where(*where)) is None:
        try:  # the month's first call; another process may be making the same row right now
            with session.begin_nested():
                session.add(KeyUsage(key_id=record.id, month=month, **dict.fromkeys(COUNTS, 0)))
        except IntegrityError:
            pass  # it did: add to its row
    columns = {name: getattr(KeyUsage, name) + amount for name, amount in amounts.items()}
    session.execute(update(KeyUsage).where(*where).values(**columns))


def usage_of(session: Session, record: SiteKey, month: str | None = None) -> dict[str, int]:
    """The key's counts for ``month`` (default: this one); zeros when it was not used."""
    row = session.scalar(
        select(KeyUsage).where(
            KeyUsage.key_id == record.id, KeyUsage.month == (month or month_of())
        )
    )
    return {name: getattr(row, name) if row else 0 for name in COUNTS}
