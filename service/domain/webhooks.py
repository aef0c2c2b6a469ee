"""Signed webhooks: a site's endpoints told of new and decided comments.

Each request carries ``Sieve-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw
body>">`` (a second ``v1=`` during a rotation, with the previous secret), ``Sieve-Event`` and
``Sieve-Delivery``. The bodies never hold e-mail or IP hashes.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
import socket
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.domain.audit import Actor, record_admin_event
from service.domain.notifications import new_delivery
from service.storage.tables import Site, Webhook, WebhookDelivery, utcnow

EVENTS = ("comment.created", "comment.decided")
# After a rotation, the old secret signs too for this long: time to update the receiver.
ROTATION_OVERLAP = timedelta(hours=24)


class WebhookRefused(ValueError):
    """A webhook that cannot be added as given; nothing was saved."""


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def signature(secrets_: list[str], timestamp: int, body: bytes) -> str:
    """The ``Sieve-Signature`` header: one ``v1=`` per secret in force."""
    signed = f"{timestamp}.".encode() + body
    macs = [hmac.new(s.encode(), signed, hashlib.sha256).hexdigest() for s in secrets_]
    return ",".join([f"t={timestamp}", *(f"v1={mac}" for mac in macs)])


def secrets_in_force(hook: Webhook, now: datetime) -> list[str]:
    keys = [hook.secret]
    if hook.previous_secret and hook.previous_secret_until and hook.previous_secret_until > now:
        keys.append(hook.previous_secret)
    return keys


def unsafe_address(address: str) -> bool:
    """Loopback, private, link-local or otherwise not a public internet address."""
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


def resolve_public(host: str, port: int) -> list[str]:
    """The addresses ``host`` resolves to, refusing any that is not public (a webhook must not
    reach the server's own network: server-side request forgery)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise WebhookRefused(f"{host} does not resolve: {error}") from None
    addresses = sorted({info[4][0] for info in infos})
    if bad := [a for a in addresses if unsafe_address(a)]:
        raise WebhookRefused(
            f"{host} resolves to {', '.join(bad)}, a loopback, private or link-local address; "
            "set SIEVE_WEBHOOK_ALLOW_PRIVATE=true to allow it"
        )
    return addresses


def check_url(url: str, allow_private: bool) -> str:
    """The URL as stored, or ``WebhookRefused`` saying what is wrong with it."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise WebhookRefused(f"{url!r} is not an http(s) URL")
    if parts.username or parts.password:
        raise WebhookRefused("a webhook URL carries no user or password: the signature proves us")
    if len(url) > 2000:
        raise WebhookRefused("a webhook URL is at most 2,000 characters")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise WebhookRefused(f"{url!r} has a port that is no number") from None
    if not allow_private:
        resolve_public(parts.hostname, port)
    return url


def check_events(events: list[str] | None) -> list[str]:
    chosen = list(dict.fromkeys(e.strip() for e in (events or EVENTS) if e.strip()))
    if unknown := [e for e in chosen if e not in EVENTS]:
        raise WebhookRefused(f"unknown events {unknown}; choose from {', '.join(EVENTS)}")
    return chosen


def add_webhook(
    session: Session,
    site: Site,
    url: str,
    events: list[str] | None,
    actor: Actor,
    allow_private: bool,
) -> tuple[Webhook, str]:
    """A new active webhook and its signing secret (shown once)."""
    hook = Webhook(
        site_id=site.id,
        url=check_url(url, allow_private),
        events=check_events(events),
        secret=new_secret(),
        active=True,
        created_by=actor.name,
    )
    session.add(hook)
    session.flush()
    record_admin_event(
        session, actor, "webhook_added", site, None, {"url": hook.url, "events": hook.events},
        subject=f"webhook #{hook.id}",
    )  # fmt: skip
    return hook, hook.secret


def rotate_secret(session: Session, hook: Webhook, actor: Actor) -> str:
    """A new secret; the old one keeps signing beside it for ``ROTATION_OVERLAP``."""
    hook.previous_secret, hook.secret = hook.secret, new_secret()
    hook.previous_secret_until = utcnow() + ROTATION_OVERLAP
    record_admin_event(
        session, actor, "webhook_rotated", hook.site, None, {"previous_valid_until":
                                                             hook.previous_secret_until.isoformat()},
        subject=f"webhook #{hook.id}",
    )  # fmt: skip
    return hook.secret


def set_active(session: Session, hook: Webhook, active: bool, actor: Actor) -> None:
    if hook.active == active:
        return
    hook.active = active
    record_admin_event(
        session, actor, "webhook_enabled" if active else "webhook_disabled", hook.site,
        {"active": not active}, {"active": active}, subject=f"webhook #{hook.id}",
    )  # fmt: skip


def delete_webhook(session: Session, hook: Webhook, actor: Actor) -> None:
    record_admin_event(
        session, actor, "webhook_deleted", hook.site, {"url": hook.url, "events": hook.events},
        None, subject=f"webhook #{hook.id}",
    )  # fmt: skip
    session.delete(hook)


def webhooks_of(session: Session, site: Site | None = None) -> list[Webhook]:
    query = select(Webhook).order_by(Webhook.id)
    if site is not None:
        query = query.where(Webhook.site_id == site.id)
    return list(session.scalars(query))


def deliveries_of(session: Session, hook: Webhook, limit: int = 50) -> list[WebhookDelivery]:
    query = select(WebhookDelivery).where(WebhookDelivery.webhook_id == hook.id)
    return list(session.scalars(query.order_by(WebhookDelivery.id.desc()).limit(limit)))


def redeliver(session: Session, delivery: WebhookDelivery) -> WebhookDelivery:
    """The same event again, as a new delivery (a new ``Sieve-Delivery``)."""
    again = new_delivery(delivery.webhook_id, delivery.event_id, delivery.event_type, delivery.body)
    session.add(again)
    session.flush()
    return again
