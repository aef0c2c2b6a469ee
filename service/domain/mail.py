"""The mail Sieve sends, written as rows to send (``outbound_mail``): a reader's confirmation
of their wish to hear of replies, one mail per approved reply, and moderators' digests of newly
held comments. Links that stop mail are signed, so that one click is enough and no one else's
mail can be stopped by guessing."""

from __future__ import annotations

import secrets
from collections import defaultdict
from datetime import datetime, timedelta

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.storage.states import CommentStatus
from service.storage.tables import (
    Comment,
    Moderator,
    OutboundMail,
    ReplySubscription,
    Site,
    utcnow,
)

EXCERPT = 300
DIGEST_MOST = 20  # comments listed in one digest; the rest are counted


def _signer(secret: str, purpose: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt=f"sieve-mail-{purpose}")


def signed(secret: str, purpose: str, value: int) -> str:
    return _signer(secret, purpose).dumps(value)


def unsigned(secret: str, purpose: str, token: str) -> int | None:
    try:
        value = _signer(secret, purpose).loads(token)
    except BadSignature:
        return None
    return value if isinstance(value, int) else None


def _one_click(stop: str) -> dict[str, str]:
    """RFC 8058: mail clients show an unsubscribe button that POSTs to the link."""
    return {"List-Unsubscribe": f"<{stop}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def _excerpt(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= EXCERPT else text[: EXCERPT - 1].rstrip() + "…"


def _row(kind: str, to: str, subject: str, body: str, headers=None, key=None) -> OutboundMail:
    return OutboundMail(
        kind=kind, recipient=to, subject=subject[:300], body=body, headers=headers or {},
        dedupe_key=key, status="pending", attempts=0, next_attempt_at=utcnow(),
    )  # fmt: skip


def subscribe(session: Session, comment: Comment, email: str, public_url: str) -> OutboundMail:
    """Record a reader's wish to hear of replies and write the mail that asks them to confirm;
    nothing else is ever sent to the address unless they do."""
    sub = ReplySubscription(
        comment_id=comment.id, email=email.strip().lower(), token=secrets.token_urlsafe(24)
    )
    session.add(sub)
    title = comment.thread.title or comment.thread.url or comment.thread.key
    body = (
        f"Someone, hopefully you, asked to be told by e-mail of replies to a comment on "
        f"“{title}”:\n\n  {_excerpt(comment.body)}\n\n"
        f"To confirm, open this link:\n{public_url}/mail/confirm/{sub.token}\n\n"
        "If it was not you, ignore this message: nothing more will be sent to this address."
    )
    message = _row("confirm", sub.email, f"Confirm: replies to your comment on {title}", body)
    session.add(message)
    return message


def reply_mail(
    sub: ReplySubscription, reply: Comment, public_url: str, secret: str, key: str
) -> OutboundMail:
    thread = reply.thread
    title = thread.title or thread.url or thread.key
    stop = f"{public_url}/mail/unsubscribe/{signed(secret, 'replies', sub.id)}"
    where = f"{thread.url}#sieve-comment-{reply.id}" if thread.url else title
    body = (
        f"{reply.author_name} replied to your comment on “{title}”:\n\n"
        f"  {_excerpt(reply.body)}\n\nRead it: {where}\n\n"
        f"You get this because you asked to hear of replies. Stop: {stop}"
    )
    return _row("reply", sub.email, f"New reply on {title}", body, _one_click(stop), key)


def digests_due(
    session: Session, now: datetime, minutes: int, public_url: str, secret: str
) -> list[OutboundMail]:
    """A digest for each moderator who wants one, has had none for ``minutes`` and has newly
    held comments on their sites; their ``last_digest_at`` moves to ``now``."""
    made = []
    since_default = now - timedelta(minutes=minutes)
    moderators = session.scalars(
        select(Moderator).where(Moderator.active, Moderator.digest_enabled)
    ).all()
    for moderator in moderators:
        if moderator.last_digest_at and moderator.last_digest_at > now - timedelta(minutes=minutes):
            continue
        since = moderator.last_digest_at or since_default
        query = (
            select(Comment, Site.slug)
            .join(Site, Site.id == Comment.site_id)
            .where(Comment.status == CommentStatus.HELD, Comment.decided_at > since)
            .order_by(Comment.id)
        )
        if not moderator.is_admin:
            query = query.where(Comment.site_id.in_([s.id for s in moderator.sites] or [-1]))
        rows = session.execute(query.limit(1000)).all()
        moderator.last_digest_at = now
        if rows:
            made.append(_digest(moderator, rows, public_url, secret))
    session.add_all(made)
    return made


def _digest(moderator: Moderator, rows: list, public_url: str, secret: str) -> OutboundMail:
    by_site: dict[str, list[Comment]] = defaultdict(list)
    for comment, slug in rows:
        by_site[slug].append(comment)
    count = len(rows)
    lines = [f"{count} new comment{'s' if count != 1 else ''} wait for a moderator.", ""]
    shown = 0
    for slug, comments in sorted(by_site.items()):
        lines.append(f"{slug}: {len(comments)} held — {public_url}/moderate/?site={slug}")
        for comment in comments[: max(0, DIGEST_MOST - shown)]:
            codes = ", ".join(comment.reason_codes or []) or "held"
            lines.append(f"  #{comment.id} [{codes}] {comment.author_name}: "
                         f"{_excerpt(comment.body)[:160]}")  # fmt: skip
            lines.append(f"    {public_url}/moderate/?site={slug}#c{comment.id}")
            shown += 1
        lines.append("")
    stop = f"{public_url}/mail/digest-off/{signed(secret, 'digest', moderator.id)}"
    lines.append(f"You get this digest at most every so often. Turn it off: {stop}")
    sites = ", ".join(sorted(by_site))
    return _row("digest", moderator.email, f"{count} comments wait for you on {sites}",
                "\n".join(lines), _one_click(stop))  # fmt: skip


def confirm(session: Session, token: str) -> ReplySubscription | None:
    sub = session.scalar(select(ReplySubscription).where(ReplySubscription.token == token))
    if sub is not None and sub.confirmed_at is None and sub.unsubscribed_at is None:
        sub.confirmed_at = utcnow()
    return sub


def unsubscribe(session: Session, secret: str, token: str) -> ReplySubscription | None:
    sub_id = unsigned(secret, "replies", token)
    sub = session.get(ReplySubscription, sub_id) if sub_id is not None else None
    if sub is not None and sub.unsubscribed_at is None:
        sub.unsubscribed_at = utcnow()
    return sub


def digest_off(session: Session, secret: str, token: str) -> Moderator | None:
    moderator_id = unsigned(secret, "digest", token)
    moderator = session.get(Moderator, moderator_id) if moderator_id is not None else None
    if moderator is not None:
        moderator.digest_enabled = False
    return moderator
