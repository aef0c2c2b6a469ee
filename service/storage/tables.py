"""Database tables (SQLAlchemy 2 ORM). The schema changes only through Alembic migrations."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from service.storage.states import CommentStatus, PreModeration, Role

# SQLite only autoincrements INTEGER PRIMARY KEY; PostgreSQL gets 64-bit ids.
Id = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every backend (SQLite drops the offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given; use datetime.now(UTC)")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


def utcnow() -> datetime:
    return datetime.now(UTC)


def _enum(cls: type) -> Enum:
    return Enum(
        cls,
        name=cls.__name__.lower(),
        values_callable=lambda members: [m.value for m in members],
        native_enum=False,
        validate_strings=True,
        length=20,
    )


class Base(DeclarativeBase):
    pass


class Site(Base):
    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    allowed_origins: Mapped[list[str]] = mapped_column(JSON, default=list)
    # {"spam": {"approve_below": 0.5, "reject_above": 0.9}, "toxicity": {...}}
    thresholds: Mapped[dict[str, dict[str, float]]] = mapped_column(JSON, default=dict)
    premoderation: Mapped[PreModeration] = mapped_column(
        _enum(PreModeration), default=PreModeration.NONE
    )
    # flask-limiter rate strings; empty means the server-wide defaults apply.
    rate_limit_ip: Mapped[str] = mapped_column(String(100), default="")
    rate_limit_site: Mapped[str] = mapped_column(String(100), default="")
    blocked_words: Mapped[list[str]] = mapped_column(JSON, default=list)
    blocked_domains: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Links to these domains (and their subdomains) never count against a comment.
    allowed_domains: Mapped[list[str]] = mapped_column(JSON, default=list)
    # What happens to a comment whose scoring keeps failing: "hold" for a human, or "approve".
    scoring_failure: Mapped[str] = mapped_column(String(10), default="hold")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Thread(Base):
    __tablename__ = "threads"
    __table_args__ = (UniqueConstraint("site_id", "key", name="uq_threads_site_key"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(200))
    url: Mapped[str | None] = mapped_column(String(2000))
    title: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    site: Mapped[Site] = relationship()


class Comment(Base):
    __tablename__ = "comments"
    __table_args__ = (
        # Public thread listing: approved comments of a thread, oldest first.
        Index("ix_comments_thread_status_created", "thread_id", "status", "created_at", "id"),
        Index("ix_comments_root", "root_id"),
        # Finding comments left pending (sweeper) and working queues by status.
        Index("ix_comments_status_created", "status", "created_at", "id"),
        Index("ix_comments_author_email_hash", "author_email_hash"),
        Index("ix_comments_ip_hash", "ip_hash"),
        # Moderation queues: per site and status, oldest first or highest score first.
        Index("ix_comments_site_status_created", "site_id", "status", "created_at", "id"),
        Index("ix_comments_site_status_priority", "site_id", "status", "priority", "id"),
        Index("ix_comments_status_priority", "status", "priority", "id"),
        # Grouping near-duplicates (a spam wave) among held comments.
        Index("ix_comments_status_fingerprint", "status", "fingerprint"),
        # The duplicate and repeat-post checks: the same text lately.
        Index("ix_comments_fingerprint_created", "fingerprint", "created_at"),
        Index("uq_comments_site_import_ref", "site_id", "import_ref", unique=True),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    # Denormalised from the thread so that moderation queues filter by site on one index.
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"))
    # The top-level comment of a reply's tree; NULL for a top-level comment.
    root_id: Mapped[int | None] = mapped_column(Id)
    depth: Mapped[int] = mapped_column(Integer, default=0)
    author_name: Mapped[str] = mapped_column(String(200))
    author_email_hash: Mapped[str | None] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[CommentStatus] = mapped_column(
        _enum(CommentStatus), default=CommentStatus.PENDING
    )
    scores: Mapped[dict[str, float] | None] = mapped_column(JSON)
    model_version: Mapped[str | None] = mapped_column(String(64))
    reason_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    explanation: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    decided_by: Mapped[str | None] = mapped_column(String(20))  # "model", "moderator", "guard"
    # The highest label score: the moderation queue's "most urgent first" order.
    priority: Mapped[float | None] = mapped_column(Float)
    # Hash of the normalised text, shared by near-duplicates (see service.domain.fingerprint).
    fingerprint: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Submitter context, kept for feedback and abuse checks; the IP only as a keyed hash.
    ip_hash: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(500))
    referrer: Mapped[str | None] = mapped_column(String(2000))
    request_id: Mapped[str | None] = mapped_column(String(64))
    # Set by `sieve privacy erase`: the text and author are gone, and it is no training label.
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Where an imported comment came from ("disqus:123"): importing the same file twice adds
    # nothing (unique per site).
    import_ref: Mapped[str | None] = mapped_column(String(200))

    thread: Mapped[Thread] = relationship()


class ModerationEvent(Base):
    __tablename__ = "moderation_events"
    __table_args__ = (
        Index("ix_moderation_events_comment", "comment_id", "id"),
        Index("ix_moderation_events_created", "created_at"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"))
    # "model:<version>", "guard", "system", or "moderator:<email>" (then moderator_id is set).
    actor: Mapped[str] = mapped_column(String(200))
    moderator_id: Mapped[int | None] = mapped_column(
        ForeignKey("moderators.id", ondelete="SET NULL")
    )
    action: Mapped[str] = mapped_column(String(40))
    from_status: Mapped[CommentStatus] = mapped_column(_enum(CommentStatus))
    to_status: Mapped[CommentStatus] = mapped_column(_enum(CommentStatus))
    reason: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ChangeEvent(Base):
    """A change to how the service is run (a site's settings, a ban, a token, an account): who
    made it, through which door, on what, and each changed value as it was and as it became."""

    __tablename__ = "change_events"
    __table_args__ = (
        Index("ix_change_events_site", "site_id", "id"),
        Index("ix_change_events_created", "created_at"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    # "moderator:<email>" (then moderator_id is set), "cli:<account>" for a terminal, "system".
    actor: Mapped[str] = mapped_column(String(200))
    moderator_id: Mapped[int | None] = mapped_column(
        ForeignKey("moderators.id", ondelete="SET NULL")
    )
    via: Mapped[str | None] = mapped_column(String(10))  # "page", "api" or "cli"
    action: Mapped[str] = mapped_column(String(40))  # e.g. "site_settings", "site_created"
    # The site it concerns, if any: who moderates that site may read it.
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    subject: Mapped[str] = mapped_column(String(300), default="")  # e.g. "site demo"
    detail: Mapped[str | None] = mapped_column(Text)  # for people, when before/after do not say
    # Each changed value as it was and as it became, keyed by name.
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


moderator_sites = Table(
    "moderator_sites",
    Base.metadata,
    Column("moderator_id", ForeignKey("moderators.id", ondelete="CASCADE"), primary_key=True),
    Column("site_id", ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True),
)


class Moderator(Base):
    __tablename__ = "moderators"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(_enum(Role), default=Role.MODERATOR)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Bumped on logout and password change: every session cookie issued before is void.
    session_epoch: Mapped[int] = mapped_column(Integer, default=0)
    # The e-mail digest of newly held comments on their sites; off with one click.
    digest_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    last_digest_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    sites: Mapped[list[Site]] = relationship(secondary=moderator_sites, lazy="selectin")

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    moderator_id: Mapped[int] = mapped_column(ForeignKey("moderators.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    # SHA-256 of the token; the token itself is shown once, at creation.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    moderator: Mapped[Moderator] = relationship()


class Ban(Base):
    __tablename__ = "bans"
    __table_args__ = (Index("ix_bans_site_kind_value", "site_id", "kind", "value_hash"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))  # "email" or "ip"
    value_hash: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(String(500))
    created_by: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PrivacyErasure(Base):
    """A record that an author's comments were erased on request (what, when, by whom)."""

    __tablename__ = "privacy_erasures"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    # The keyed hash of the email, never the address: proves which author without naming them.
    email_hash: Mapped[str] = mapped_column(String(64), index=True)
    comments_erased: Mapped[int] = mapped_column(Integer)
    requested_by: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SiteKey(Base):
    """A key of the Perspective- and Akismet-compatible APIs. It belongs to one site, whose
    thresholds and policy apply to what it asks."""

    __tablename__ = "site_keys"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    # SHA-256 of the key; the key itself is shown once, at creation.
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(4))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    site: Mapped[Site] = relationship()


class KeyUsage(Base):
    """What one key did in one calendar month (UTC): Akismet's usage-limit and key-sites."""

    __tablename__ = "key_usage"
    __table_args__ = (UniqueConstraint("key_id", "month", name="uq_key_usage_key_month"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    key_id: Mapped[int] = mapped_column(ForeignKey("site_keys.id", ondelete="CASCADE"))
    month: Mapped[str] = mapped_column(String(7))  # YYYY-MM
    api_calls: Mapped[int] = mapped_column(Integer, default=0)
    spam: Mapped[int] = mapped_column(Integer, default=0)
    ham: Mapped[int] = mapped_column(Integer, default=0)
    missed_spam: Mapped[int] = mapped_column(Integer, default=0)
    false_positives: Mapped[int] = mapped_column(Integer, default=0)


class Feedback(Base):
    """A labelled example from a compatible API (Perspective's suggestscore, Akismet's
    submit-spam / submit-ham): training data for the site's learning loop, exported with the
    moderators' labels."""

    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    key_id: Mapped[int | None] = mapped_column(ForeignKey("site_keys.id", ondelete="SET NULL"))
    source: Mapped[str] = mapped_column(String(20))  # "perspective" or "akismet"
    text: Mapped[str] = mapped_column(Text)
    # Label name -> 0/1 (or a probability from Perspective clients), e.g. {"spam": 1}.
    labels: Mapped[dict[str, Any]] = mapped_column(JSON)
    community_id: Mapped[str | None] = mapped_column(String(500))
    client_token: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ModelDeployment(Base):
    """A change of the model that decides (role "live") or of the candidate scoring beside it
    (role "shadow"; no path: the shadow was turned off). The newest row of a role is in force."""

    __tablename__ = "model_deployments"
    __table_args__ = (Index("ix_model_deployments_role", "role", "id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    role: Mapped[str] = mapped_column(String(10))
    # The artifact folder, as every worker and web process must find it.
    path: Mapped[str | None] = mapped_column(String(1000))
    version: Mapped[str | None] = mapped_column(String(64))
    sha256: Mapped[str | None] = mapped_column(String(64))  # of model.skops, as checked
    actor: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ShadowScore(Base):
    """What a candidate model in the shadow made of a comment; it never decides anything."""

    __tablename__ = "shadow_scores"
    __table_args__ = (
        UniqueConstraint("model_version", "comment_id", name="uq_shadow_scores_version_comment"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"))
    model_version: Mapped[str] = mapped_column(String(64))
    scores: Mapped[dict[str, float]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Webhook(Base):
    """A site's HTTP endpoint told of its comments, each request signed with ``secret``."""

    __tablename__ = "webhooks"
    __table_args__ = (Index("ix_webhooks_site", "site_id", "active"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    url: Mapped[str] = mapped_column(String(2000))
    events: Mapped[list[str]] = mapped_column(JSON)
    # Needed in the clear to sign; shown once, at creation and rotation.
    secret: Mapped[str] = mapped_column(String(80))
    # After a rotation the old secret signs too, until the receiver has the new one.
    previous_secret: Mapped[str | None] = mapped_column(String(80))
    previous_secret_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    site: Mapped[Site] = relationship()


class WebhookDelivery(Base):
    """One event for one webhook, and how its delivery went (the delivery log)."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        Index("ix_webhook_deliveries_webhook", "webhook_id", "id"),
        Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    webhook_id: Mapped[int] = mapped_column(ForeignKey("webhooks.id", ondelete="CASCADE"))
    delivery_id: Mapped[str] = mapped_column(String(40), unique=True)  # Sieve-Delivery
    event_id: Mapped[str] = mapped_column(String(40))
    event_type: Mapped[str] = mapped_column(String(40))
    body: Mapped[str] = mapped_column(Text)  # exactly the bytes signed and sent
    status: Mapped[str] = mapped_column(String(12))  # pending, delivered, failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    response_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(String(500))
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    webhook: Mapped[Webhook] = relationship()


class OutboundMail(Base):
    """A message to send; kept until sent, so that an SMTP or Redis outage loses none."""

    __tablename__ = "outbound_mail"
    __table_args__ = (Index("ix_outbound_mail_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # digest, confirm, reply
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    headers: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    # Set where one event must give one mail at most (a reply, per subscription).
    dedupe_key: Mapped[str | None] = mapped_column(String(100), unique=True)
    status: Mapped[str] = mapped_column(String(12))  # pending, sent, failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ReplySubscription(Base):
    """A reader's wish to hear of replies to their comment: nothing is sent before they
    confirm by the link mailed to them, nothing after they unsubscribe."""

    __tablename__ = "reply_subscriptions"
    __table_args__ = (Index("ix_reply_subscriptions_comment", "comment_id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(254))
    token: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    unsubscribed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
