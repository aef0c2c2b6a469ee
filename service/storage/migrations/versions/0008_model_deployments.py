"""model deployments (which model decides, which one runs in the shadow) and the shadow model's
scores, stored apart from the live ones

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Stamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "model_deployments",
        sa.Column("id", Id, primary_key=True),
        sa.Column("role", sa.String(10), nullable=False),
        sa.Column("path", sa.String(1000)),
        sa.Column("version", sa.String(64)),
        sa.Column("sha256", sa.String(64)),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("created_at", Stamp, nullable=False),
    )
    op.create_index("ix_model_deployments_role", "model_deployments", ["role", "id"])
    op.create_table(
        "shadow_scores",
        sa.Column("id", Id, primary_key=True),
        sa.Column(
            "comment_id", Id, sa.ForeignKey("comments.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("model_version", sa.String(64), nullable=False),
        sa.Column("scores", sa.JSON(), nullable=False),
        sa.Column("created_at", Stamp, nullable=False),
        sa.UniqueConstraint("model_version", "comment_id", name="uq_shadow_scores_version_comment"),
    )


def downgrade() -> None:
    op.drop_table("shadow_scores")
    op.drop_index("ix_model_deployments_role", table_name="model_deployments")
    op.drop_table("model_deployments")
