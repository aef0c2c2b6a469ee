"""intake fast path: an index for the duplicate check, and no root_id on top-level comments

* The duplicate check (same text from the same author lately) and the repeat-post check look
  comments up by fingerprint; without this index they scanned every comment of the author's IP
  or the whole table.
* Intake writes a comment with one INSERT, so a top-level comment's root_id is NULL rather than
  its own id (which is only known after the insert). Older rows are brought in line.

Stop the web processes of the previous version before upgrading: one still running afterwards
would give a reply to a new top-level comment the wrong root, and the thread would not list it.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_comments_fingerprint_created", "comments", ["fingerprint", "created_at"])
    op.execute("UPDATE comments SET root_id = NULL WHERE root_id = id AND parent_id IS NULL")


def downgrade() -> None:
    op.execute("UPDATE comments SET root_id = id WHERE root_id IS NULL AND parent_id IS NULL")
    op.drop_index("ix_comments_fingerprint_created", table_name="comments")
