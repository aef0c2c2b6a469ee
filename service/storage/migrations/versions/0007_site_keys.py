"""site keys of the Perspective- and Akismet-compatible APIs, their monthly usage, and the
labelled examples their clients send (feedback)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "site_keys",
        sa.Column("id", Id, primary_key=True),
        sa.Column("site_id", Id, sa.ForeignKey("sites.id", ondelete="CASCADE"), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("prefix", sa.String(4), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True)),
        sa.Column("revoked_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_site_keys_site_id", "site_keys", ["site_id"])
    op.create_table(
        "key_usage",
        sa.Column("id", Id, primary_key=True),
        sa.Column("key_id", Id, sa.ForeignKey("site_keys.id", ondelete="CASCADE"), nullable=False),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("api_calls", sa.Integer(), nullable=False),
        sa.Column("spam", sa.Integer(), nullable=False),
        sa.Column("ham", sa.Integer(), nullable=False),
        sa.Column("missed_spam", sa.Integer(), nullable=False),
        sa.Column("false_positives", sa.Integer(), nullable=False),
        sa.UniqueConstraint("key_id", "month", name="uq_key_usage_key_month"),
    )

    op.create_table(
        "feedback",
        sa.Column("id", Id, primary_key=True),
        sa.Column("site_id", Id, sa.ForeignKey("sites.id", ondelete="CASCADE"), nullable=False),
        sa.Column("key_id", Id, sa.ForeignKey("site_keys.id", ondelete="SET NULL")),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("labels", sa.JSON(), nullable=False),
        sa.Column("community_id", sa.String(500)),
        sa.Column("client_token", sa.String(500)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_feedback_site_id", "feedback", ["site_id"])


def downgrade() -> None:
    op.drop_table("feedback")
    op.drop_table("key_usage")
    op.drop_table("site_keys")
