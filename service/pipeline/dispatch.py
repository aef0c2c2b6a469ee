"""Sending what the outbox holds: one webhook delivery or one mail per job. A failure is
recorded and retried after ``SIEVE_RETRY_BACKOFF`` (about a day), then marked failed; the row,
not the job, is the truth, so a lost job is queued again by the sweeper."""

from __future__ import annotations

import logging
import smtplib
import ssl
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import unquote, urlsplit

from flask import current_app

from service.domain.mail import digests_due
from service.domain.webhooks import secrets_in_force, signature
from service.pipeline import http_post, outbox
from service.pipeline.broker import redis_connection
from service.storage import db
from service.storage.tables import OutboundMail, WebhookDelivery, utcnow

log = logging.getLogger(__name__)


def _next_try(attempts: int) -> float | None:
    """Seconds until the next attempt after ``attempts`` failed ones; None: give up."""
    backoff = current_app.config["SIEVE"].retry_backoff
    return float(backoff[attempts - 1]) if attempts <= len(backoff) else None


def _retry_later(row: WebhookDelivery | OutboundMail, now: datetime) -> float | None:
    """After a failed attempt: due again after the backoff, or failed for good when it is spent.
    The delay in seconds, None when there is no next attempt."""
    delay = _next_try(row.attempts)
    row.status = "pending" if delay is not None else "failed"
    row.next_attempt_at = now + timedelta(seconds=delay) if delay is not None else None
    return delay


def deliver_webhook(row_id: int) -> str:
    """POST one delivery; its status afterwards."""
    settings = current_app.config["SIEVE"]
    with db.session_scope() as session:
        delivery = session.get(WebhookDelivery, row_id)
        if delivery is None or delivery.status != "pending":
            return delivery.status if delivery else "gone"
        hook = delivery.webhook
        if not hook.active:
            delivery.status, delivery.error = "cancelled", "the webhook is disabled"
            return delivery.status
        now = utcnow()
        body = delivery.body.encode()
        headers = {
            "Sieve-Signature": signature(secrets_in_force(hook, now), int(now.timestamp()), body),
            "Sieve-Event": delivery.event_type,
            "Sieve-Delivery": delivery.delivery_id,
        }
        allow_private = settings.webhook_allow_private or not settings.is_production
        answer = http_post.post(hook.url, body, headers, allow_private)
        delivery.attempts += 1
        delivery.last_attempt_at = now
        delivery.response_code = answer.status
        delivery.duration_ms = round(answer.seconds * 1000)
        ok = answer.status is not None and 200 <= answer.status < 300
        delivery.error = None if ok else (answer.error or f"HTTP {answer.status}")
        if ok:
            delay, delivery.status, delivery.next_attempt_at = None, "delivered", None
        else:
            delay = _retry_later(delivery, now)
        status, attempts = delivery.status, delivery.attempts
    log.info("webhook delivery id=%s status=%s attempts=%s code=%s", row_id, status, attempts,
             answer.status)  # fmt: skip
    if delay is not None:
        outbox.enqueue("webhooks", row_id, delay)
    return status


def send_mail(row_id: int) -> str:
    """Send one mail through SIEVE_SMTP_URL; its status afterwards."""
    settings = current_app.config["SIEVE"]
    with db.session_scope() as session:
        message = session.get(OutboundMail, row_id)
        if message is None or message.status != "pending":
            return message.status if message else "gone"
        now = utcnow()
        message.attempts += 1
        try:
            smtp_send(settings.smtp_url, _email(message, settings.mail_from))
        except (OSError, smtplib.SMTPException, ssl.SSLError) as error:
            message.error = f"{type(error).__name__}: {error}"[:500]
            delay = _retry_later(message, now)
        else:
            delay = None
            message.status, message.sent_at, message.error = "sent", now, None
        status, kind = message.status, message.kind
    log.info("mail id=%s kind=%s status=%s", row_id, kind, status)
    if delay is not None:
        outbox.enqueue("mail", row_id, delay)
    return status


def _email(row: OutboundMail, sender: str) -> EmailMessage:
    email = EmailMessage()
    email["From"] = sender
    email["To"] = row.recipient
    email["Subject"] = row.subject
    email["Date"] = formatdate(localtime=False)
    email["Message-ID"] = make_msgid(domain="sieve.invalid")
    email["Auto-Submitted"] = "auto-generated"
    for name, value in (row.headers or {}).items():
        email[name] = value
    email.set_content(row.body)
    return email


def smtp_send(url: str, message: EmailMessage) -> None:
    """smtp:// (plain), smtp+starttls:// (STARTTLS required) or smtps:// (TLS from the start),
    with the user and password of the URL if any."""
    parts = urlsplit(url)
    timeout = 20
    if parts.scheme == "smtps":
        client = smtplib.SMTP_SSL(parts.hostname, parts.port or 465, timeout=timeout,
                                  context=ssl.create_default_context())  # fmt: skip
    else:
        client = smtplib.SMTP(parts.hostname, parts.port or 25, timeout=timeout)
    with client:
        if parts.scheme == "smtp+starttls":
            client.starttls(context=ssl.create_default_context())
        if parts.username:
            client.login(unquote(parts.username), unquote(parts.password or ""))
        client.send_message(message)


def digest_if_due() -> int:
    """Write and queue the moderators' digests that are due; one worker at a time, at most once
    a minute. How many were written."""
    settings = current_app.config["SIEVE"]
    if not settings.smtp_url:
        return 0
    claim = f"sieve:digest:{outbox.side_queue('mail').name}"
    if not redis_connection().set(claim, "1", nx=True, ex=60):
        return 0
    with db.session_scope() as session:
        made = digests_due(
            session, utcnow(), settings.digest_minutes, settings.public_url, settings.secret_key
        )
        session.flush()
        ids = [message.id for message in made]
    for mail_id in ids:
        outbox.enqueue("mail", mail_id)
    if ids:
        log.info("digests written count=%s", len(ids))
    return len(ids)
