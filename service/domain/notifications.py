"""What others are told when a comment arrives or is decided: the site's webhooks (events
``comment.created`` and ``comment.decided``) and, for an approved reply, the readers who asked to
hear of replies to the comment it answers.

Whatever decides a comment marks it (``mark``); when that transaction commits, the deliveries
and mails are written in it (``write``), so that they exist exactly when the decision does. The
pipeline queues them once committed.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from service.domain import mail
from service.domain.privacy import email_hash
from service.storage.states import CommentStatus
from service.storage.tables import (
    Comment,
    OutboundMail,
    ReplySubscription,
    Thread,
    Webhook,
    WebhookDelivery,
    utcnow,
)

_KEY = "sieve.notify"


@dataclass
class Marked:
    created: set[int] = field(default_factory=set)
    decided: set[int] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.created or self.decided)


@dataclass(frozen=True)
class Outbox:
    """The rows a commit wrote, for the pipeline to queue."""

    deliveries: list[int]
    mails: list[int]


@dataclass(frozen=True)
class Context:
    public_url: str
    secret: str
    mail_enabled: bool


def mark(session: Session, ids: Iterable[int], *, created: bool = False, decided: bool = True):
    """Note comments that arrived or were decided in this transaction."""
    marked = session.info.setdefault(_KEY, Marked())
    ids = list(ids)
    if created:
        marked.created.update(ids)
    if decided:
        marked.decided.update(ids)


def take_marked(session: Session) -> Marked | None:
    return session.info.pop(_KEY, None)


def forget_marked(session: Session) -> None:
    session.info.pop(_KEY, None)


def write(session: Session, marked: Marked, context: Context) -> Outbox:
    """The deliveries and mails for what was marked, added to the session."""
    # Most installations have no webhook: one indexed look, and nothing more is read.
    deliveries: list[WebhookDelivery] = []
    if session.scalar(select(Webhook.id).where(Webhook.active).limit(1)) is not None:
        comments = {
            c.id: c
            for c in session.scalars(
                select(Comment)
                .where(Comment.id.in_(sorted(marked.created | marked.decided)))
                .options(joinedload(Comment.thread).joinedload(Thread.site))
            ).unique()
        }
        deliveries = _webhook_deliveries(session, comments, marked, context)
    mails = []
    if context.mail_enabled and marked.decided:
        replies = session.scalars(
            select(Comment)
            .where(
                Comment.id.in_(sorted(marked.decided)),
                Comment.status == CommentStatus.APPROVED,
                Comment.parent_id.is_not(None),
            )
            .options(joinedload(Comment.thread).joinedload(Thread.site))
            .order_by(Comment.id)
        ).unique()
        mails = _reply_mails(session, list(replies), context)
    session.flush()
    return Outbox([d.id for d in deliveries], [m.id for m in mails])


def _webhook_deliveries(session: Session, comments: dict[int, Comment], marked: Marked, context):
    site_ids = {c.site_id for c in comments.values()}
    if not site_ids:
        return []
    hooks = list(
        session.scalars(select(Webhook).where(Webhook.site_id.in_(site_ids), Webhook.active))
    )
    if not hooks:
        return []
    made = []
    for kind, chosen in (("comment.created", marked.created), ("comment.decided", marked.decided)):
        for cid in sorted(chosen):
            comment = comments.get(cid)
            if comment is None:
                continue
            listening = [h for h in hooks if h.site_id == comment.site_id and kind in h.events]
            if not listening:
                continue
            event_id = f"evt_{uuid.uuid4().hex}"
            body = json.dumps(event_body(event_id, kind, comment, context.public_url),
                              separators=(",", ":"), ensure_ascii=False)  # fmt: skip
            for hook in listening:
                made.append(new_delivery(hook.id, event_id, kind, body))
    session.add_all(made)
    return made


def new_delivery(hook_id: int, event_id: str, event_type: str, body: str) -> WebhookDelivery:
    return WebhookDelivery(
        webhook_id=hook_id,
        delivery_id=str(uuid.uuid4()),
        event_id=event_id,
        event_type=event_type,
        body=body,
        status="pending",
        attempts=0,
        next_attempt_at=utcnow(),
    )


def event_body(event_id: str, kind: str, comment: Comment, public_url: str) -> dict:
    """A webhook event: what a site's other systems need of the comment, never an e-mail or IP
    hash."""
    thread, site = comment.thread, comment.thread.site
    return {
        "id": event_id,
        "type": kind,
        "created_at": utcnow().isoformat(),
        "site": {"slug": site.slug, "name": site.name},
        "thread": {"key": thread.key, "url": thread.url, "title": thread.title},
        "comment": {
            "id": comment.id,
            "parent_id": comment.parent_id,
            "status": comment.status.value,
            "author_name": comment.author_name,
            "body": comment.body,
            "reason_codes": list(comment.reason_codes or []),
            "scores": comment.scores,
            "decided_by": comment.decided_by,
            "created_at": comment.created_at.isoformat(),
            "decided_at": comment.decided_at.isoformat() if comment.decided_at else None,
        },
        "links": {
            "comment": f"{public_url}/api/v1/comments/{comment.id}",
            "moderate": f"{public_url}/moderate/?site={site.slug}&status=all#c{comment.id}",
            "thread": thread.url,
        },
    }


def _reply_mails(session: Session, replies: list[Comment], context: Context) -> list[OutboundMail]:
    if not replies:
        return []
    parents = {r.parent_id for r in replies}
    subscriptions = session.scalars(
        select(ReplySubscription).where(
            ReplySubscription.comment_id.in_(parents),
            ReplySubscription.confirmed_at.is_not(None),
            ReplySubscription.unsubscribed_at.is_(None),
        )
    ).all()
    made = []
    for reply in replies:
        for sub in subscriptions:
            if sub.comment_id != reply.parent_id:
                continue
            if reply.author_email_hash == email_hash(context.secret, sub.email):
                continue  # nobody is told of their own reply
            key = f"reply:{reply.id}:{sub.id}"
            if session.scalar(select(OutboundMail.id).where(OutboundMail.dedupe_key == key)):
                continue  # approved once already (then rejected and approved again)
            made.append(mail.reply_mail(sub, reply, context.public_url, context.secret, key))
    session.add_all(made)
    return made
