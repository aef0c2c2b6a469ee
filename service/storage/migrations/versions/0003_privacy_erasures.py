"""privacy erasures: comments.erased_at and the erasure record

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Stamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("comments") as batch:
        batch.add_column(sa.Column("erased_at", Stamp, nullable=True))
    op.create_table(
        "privacy_erasures",
        sa.Column("id", Id, nullable=False),
        sa.Column("email_hash", sa.String(length=64), nullable=False),
        sa.Column("comments_erased", sa.Integer(), nullable=False),
        sa.Column("requested_by", sa.String(length=254), nullable=False),
        sa.Column("created_at", Stamp, nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_privacy_erasures_email_hash", "privacy_erasures", ["email_hash"])


def downgrade() -> None:
    op.drop_index("ix_privacy_erasures_email_hash", table_name="privacy_erasures")
    op.drop_table("privacy_erasures")
    with op.batch_alter_table("comments") as batch:
        batch.drop_column("erased_at")
