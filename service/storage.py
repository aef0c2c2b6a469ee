"""Database tables (SQLAlchemy 2 ORM). The schema changes only through Alembic migrations."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from service.status import CommentStatus, PreModeration

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
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"))
    # The top-level comment of this reply tree (itself for a top-level comment).
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
    decided_by: Mapped[str | None] = mapped_column(String(20))  # "model" or "moderator"
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Submitter context, kept for feedback and abuse checks; the IP only as a keyed hash.
    ip_hash: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(500))
    referrer: Mapped[str | None] = mapped_column(String(2000))
    request_id: Mapped[str | None] = mapped_column(String(64))

    thread: Mapped[Thread] = relationship()


class ModerationEvent(Base):
    __tablename__ = "moderation_events"
    __table_args__ = (
        Index("ix_moderation_events_comment", "comment_id", "id"),
        Index("ix_moderation_events_created", "created_at"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"))
    actor: Mapped[str] = mapped_column(String(200))  # "model:<version>", "system", or a moderator
    action: Mapped[str] = mapped_column(String(40))
    from_status: Mapped[CommentStatus] = mapped_column(_enum(CommentStatus))
    to_status: Mapped[CommentStatus] = mapped_column(_enum(CommentStatus))
    reason: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
