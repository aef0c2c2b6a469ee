"""moderators, tokens, bans, queue indexes

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Stamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "moderators",
        sa.Column("id", Id, nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column(
            "role",
            sa.Enum("admin", "moderator", name="role", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", Stamp, nullable=False),
        sa.Column("last_login_at", Stamp, nullable=True),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", Stamp, nullable=True),
        sa.Column("session_epoch", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("email"),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", Id, nullable=False),
        sa.Column("moderator_id", Id, nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("created_at", Stamp, nullable=False),
        sa.Column("last_used_at", Stamp, nullable=True),
        sa.Column("revoked_at", Stamp, nullable=True),
        sa.ForeignKeyConstraint(["moderator_id"], ["moderators.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_table(
        "bans",
        sa.Column("id", Id, nullable=False),
        sa.Column("site_id", Id, nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("value_hash", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("created_by", sa.String(length=254), nullable=False),
        sa.Column("created_at", Stamp, nullable=False),
        sa.Column("expires_at", Stamp, nullable=True),
        sa.Column("lifted_at", Stamp, nullable=True),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_bans_site_kind_value", "bans", ["site_id", "kind", "value_hash"])
    op.create_table(
        "moderator_sites",
        sa.Column("moderator_id", Id, nullable=False),
        sa.Column("site_id", Id, nullable=False),
        sa.ForeignKeyConstraint(["moderator_id"], ["moderators.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("moderator_id", "site_id"),
    )

    with op.batch_alter_table("sites") as batch:
        batch.add_column(sa.Column("blocked_words", sa.JSON(), nullable=False, server_default="[]"))
        batch.add_column(
            sa.Column("blocked_domains", sa.JSON(), nullable=False, server_default="[]")
        )
        batch.add_column(
            sa.Column(
                "scoring_failure", sa.String(length=10), nullable=False, server_default="hold"
            )
        )

    # site_id is copied from each comment's thread before it becomes NOT NULL.
    with op.batch_alter_table("comments") as batch:
        batch.add_column(sa.Column("site_id", Id, nullable=True))
        batch.add_column(sa.Column("priority", sa.Float(), nullable=True))
        batch.add_column(sa.Column("fingerprint", sa.String(length=40), nullable=True))
    op.execute(
        "UPDATE comments SET site_id = "
        "(SELECT threads.site_id FROM threads WHERE threads.id = comments.thread_id)"
    )
    with op.batch_alter_table("comments") as batch:
        batch.alter_column("site_id", existing_type=Id, nullable=False)
        batch.create_foreign_key(
            "fk_comments_site_id", "sites", ["site_id"], ["id"], ondelete="CASCADE"
        )
        batch.create_index("ix_comments_ip_hash", ["ip_hash"])
        batch.create_index(
            "ix_comments_site_status_created", ["site_id", "status", "created_at", "id"]
        )
        batch.create_index(
            "ix_comments_site_status_priority", ["site_id", "status", "priority", "id"]
        )
        batch.create_index("ix_comments_status_priority", ["status", "priority", "id"])
        batch.create_index("ix_comments_status_fingerprint", ["status", "fingerprint"])

    with op.batch_alter_table("moderation_events") as batch:
        batch.add_column(sa.Column("moderator_id", Id, nullable=True))
        batch.create_foreign_key(
            "fk_moderation_events_moderator_id",
            "moderators",
            ["moderator_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("moderation_events") as batch:
        batch.drop_constraint("fk_moderation_events_moderator_id", type_="foreignkey")
        batch.drop_column("moderator_id")
    with op.batch_alter_table("comments") as batch:
        batch.drop_constraint("fk_comments_site_id", type_="foreignkey")
        for index in (
            "ix_comments_status_fingerprint",
            "ix_comments_status_priority",
            "ix_comments_site_status_priority",
            "ix_comments_site_status_created",
            "ix_comments_ip_hash",
        ):
            batch.drop_index(index)
        batch.drop_column("fingerprint")
        batch.drop_column("priority")
        batch.drop_column("site_id")
    with op.batch_alter_table("sites") as batch:
        batch.drop_column("scoring_failure")
        batch.drop_column("blocked_domains")
        batch.drop_column("blocked_words")
    op.drop_table("moderator_sites")
    op.drop_index("ix_bans_site_kind_value", table_name="bans")
    op.drop_table("bans")
    op.drop_table("api_tokens")
    op.drop_table("moderators")
