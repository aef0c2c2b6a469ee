"""integrations: signed webhooks and their deliveries, outgoing mail, readers' reply
subscriptions, moderators' digest preference, and imported comments' origin

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Stamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "webhooks",
        sa.Column("id", Id, primary_key=True),
        sa.Column("site_id", Id, sa.ForeignKey("sites.id", ondelete="CASCADE"), nullable=False),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("events", sa.JSON(), nullable=False),
        sa.Column("secret", sa.String(80), nullable=False),
        sa.Column("previous_secret", sa.String(80)),
        sa.Column("previous_secret_until", Stamp),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", Stamp, nullable=False),
    )
    op.create_index("ix_webhooks_site", "webhooks", ["site_id", "active"])
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", Id, primary_key=True),
        sa.Column(
            "webhook_id", Id, sa.ForeignKey("webhooks.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("delivery_id", sa.String(40), nullable=False, unique=True),
        sa.Column("event_id", sa.String(40), nullable=False),
        sa.Column("event_type", sa.String(40), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("response_code", sa.Integer()),
        sa.Column("error", sa.String(500)),
        sa.Column("duration_ms", sa.Integer()),
        sa.Column("created_at", Stamp, nullable=False),
        sa.Column("last_attempt_at", Stamp),
        sa.Column("next_attempt_at", Stamp),
    )
    op.create_index("ix_webhook_deliveries_webhook", "webhook_deliveries", ["webhook_id", "id"])
    op.create_index(
        "ix_webhook_deliveries_due", "webhook_deliveries", ["status", "next_attempt_at"]
    )
    op.create_table(
        "outbound_mail",
        sa.Column("id", Id, primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("recipient", sa.String(254), nullable=False),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("headers", sa.JSON(), nullable=False),
        sa.Column("dedupe_key", sa.String(100), unique=True),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.String(500)),
        sa.Column("created_at", Stamp, nullable=False),
        sa.Column("sent_at", Stamp),
        sa.Column("next_attempt_at", Stamp),
    )
    op.create_index("ix_outbound_mail_due", "outbound_mail", ["status", "next_attempt_at"])
    op.create_table(
        "reply_subscriptions",
        sa.Column("id", Id, primary_key=True),
        sa.Column(
            "comment_id", Id, sa.ForeignKey("comments.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("token", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", Stamp, nullable=False),
        sa.Column("confirmed_at", Stamp),
        sa.Column("unsubscribed_at", Stamp),
    )
    op.create_index("ix_reply_subscriptions_comment", "reply_subscriptions", ["comment_id"])
    with op.batch_alter_table("moderators") as batch:
        batch.add_column(
            sa.Column("digest_enabled", sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch.add_column(sa.Column("last_digest_at", Stamp))
    with op.batch_alter_table("comments") as batch:
        batch.add_column(sa.Column("import_ref", sa.String(200)))
    op.create_index(
        "uq_comments_site_import_ref", "comments", ["site_id", "import_ref"], unique=True
    )


def downgrade() -> None:
    op.drop_index("uq_comments_site_import_ref", table_name="comments")
    with op.batch_alter_table("comments") as batch:
        batch.drop_column("import_ref")
    with op.batch_alter_table("moderators") as batch:
        batch.drop_column("last_digest_at")
        batch.drop_column("digest_enabled")
    op.drop_table("reply_subscriptions")
    op.drop_table("outbound_mail")
    op.drop_table("webhook_deliveries")
    op.drop_table("webhooks")
