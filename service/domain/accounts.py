"""Moderator accounts, their passwords and their personal API tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from service.domain.audit import Actor, record_admin_event
from service.storage.states import Role
from service.storage.tables import ApiToken, Moderator, Site, utcnow

MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 12
# Checked against when the email is unknown, so that a miss takes as long as a wrong password.
_DUMMY_HASH = generate_password_hash("not a real password")
# Who made an account when no person did: the first admin of `sieve up`.
SYSTEM = Actor("system", "cli")


class AccountError(ValueError):
    """A request about an account that cannot be carried out; the message says why."""


class LoginRefused(Exception):
    def __init__(self, message: str, locked_until: datetime | None = None) -> None:
        super().__init__(message)
        self.locked_until = locked_until


def normalise_email(email: str) -> str:
    return email.strip().lower()


def create_moderator(
    session: Session,
    email: str,
    password: str,
    role: Role,
    sites: list[Site],
    actor: Actor = SYSTEM,
) -> Moderator:
    email = normalise_email(email)
    if "@" not in email or len(email) > 254:
        raise AccountError(f"{email!r} is not an email address")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"the password must be at least {MIN_PASSWORD_LENGTH} characters")
    if session.scalar(select(Moderator).where(Moderator.email == email)):
        raise AccountError(f"a moderator {email} exists already")
    if role is Role.MODERATOR and not sites:
        raise AccountError("a moderator needs at least one site (--site)")
    # scrypt: slow and salted; the parameters travel inside the hash string.
    moderator = Moderator(
        email=email,
        password_hash=generate_password_hash(password, method="scrypt"),
        role=role,
        active=True,
        failed_logins=0,
        session_epoch=0,
    )
    moderator.sites = list(sites)
    session.add(moderator)
    session.flush()
    after = {"moderator": email, "role": role.value, "sites": [site.slug for site in sites]}
    subject = f"{role.value} {email}"
    record_admin_event(session, actor, "create_moderator", None, {}, after, subject=subject)
    return moderator


def authenticate(session: Session, email: str, password: str) -> Moderator:
    """The moderator with these credentials; failures count towards a temporary lock."""
    moderator = session.scalar(select(Moderator).where(Moderator.email == normalise_email(email)))
    now = utcnow()
    if moderator is None or not moderator.active:
        check_password_hash(_DUMMY_HASH, password)
        raise LoginRefused("wrong email or password")
    if moderator.locked_until and moderator.locked_until > now:
        raise LoginRefused("too many failed logins; try again later", moderator.locked_until)
    if not check_password_hash(moderator.password_hash, password):
        moderator.failed_logins += 1
        if moderator.failed_logins >= MAX_FAILED_LOGINS:
            moderator.locked_until = now + LOCKOUT
            moderator.failed_logins = 0
        raise LoginRefused("wrong email or password")
    moderator.failed_logins = 0
    moderator.locked_until = None
    moderator.last_login_at = now
    return moderator


def can_moderate(moderator: Moderator, site_id: int) -> bool:
    return moderator.is_admin or any(site.id == site_id for site in moderator.sites)


def visible_site_ids(moderator: Moderator) -> list[int] | None:
    """The sites a moderator may see; None means every site (an admin)."""
    return None if moderator.is_admin else [site.id for site in moderator.sites]


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(
    session: Session, moderator: Moderator, name: str, actor: Actor | None = None
) -> tuple[str, ApiToken]:
    """A new token for ``moderator``; the plain value is returned once and only its hash is
    stored. ``actor`` is who made it (default: the moderator, on the tokens page)."""
    name = name.strip()[:100] or "token"
    token = "sieve_" + secrets.token_urlsafe(32)
    record = ApiToken(
        moderator_id=moderator.id, name=name, token_hash=token_digest(token), prefix=token[:12]
    )
    session.add(record)
    session.flush()
    fields = _token_fields(record)
    _record_token_change(session, actor or Actor.moderator(moderator, "page"), "create_token",
                         record, {}, fields)  # fmt: skip
    return token, record


def _token_fields(record: ApiToken) -> dict[str, str]:
    """A token in the audit trail: enough to recognise it on the tokens page, never to use it."""
    return {"token": record.name, "prefix": record.prefix, "owner": record.moderator.email}


def _record_token_change(
    session: Session, actor: Actor, action: str, record: ApiToken, before: dict, after: dict
) -> None:
    subject = f"API token {record.name} of {record.moderator.email}"
    record_admin_event(session, actor, action, None, before, after, subject=subject)


def moderator_for_token(session: Session, token: str) -> Moderator | None:
    record = session.scalar(select(ApiToken).where(ApiToken.token_hash == token_digest(token)))
    if record is None or record.revoked_at is not None or not record.moderator.active:
        return None
    record.last_used_at = utcnow()
    return record.moderator


def revoke_token(
    session: Session, moderator: Moderator, token_id: int, actor: Actor | None = None
) -> bool:
    """Revoke a token of ``moderator`` (an admin may revoke anyone's); False if not theirs."""
    record = session.get(ApiToken, token_id)
    if record is None or (record.moderator_id != moderator.id and not moderator.is_admin):
        return False
    if record.revoked_at is None:
        record.revoked_at = utcnow()
        fields = _token_fields(record)
        before, after = {**fields, "revoked": False}, {**fields, "revoked": True}
        who = actor or Actor.moderator(moderator, "page")
        _record_token_change(session, who, "revoke_token", record, before, after)
    return True
