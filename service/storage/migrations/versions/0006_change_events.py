"""change events: who changed how the service is run (a site's settings, a ban, a token, an
account), through which door, from what to what

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Stamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "change_events",
        sa.Column("id", Id, nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("moderator_id", Id, nullable=True),
        sa.Column("via", sa.String(length=10), nullable=True),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("site_id", Id, nullable=True),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.Column("created_at", Stamp, nullable=False),
        sa.ForeignKeyConstraint(["moderator_id"], ["moderators.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_change_events_site", "change_events", ["site_id", "id"])
    op.create_index("ix_change_events_created", "change_events", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_change_events_created", table_name="change_events")
    op.drop_index("ix_change_events_site", table_name="change_events")
    op.drop_table("change_events")
