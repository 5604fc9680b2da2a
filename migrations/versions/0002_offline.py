"""client_writes: the answer given to each offline write, by its idempotency key

Revision ID: 0002_offline
Revises: 0001_core
"""
from alembic import op
import sqlalchemy as sa


revision = "0002_offline"
down_revision = "0001_core"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "client_writes",
        sa.Column("key", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("location", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_client_writes_user_id_users")),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_client_writes")),
    )
    with op.batch_alter_table("client_writes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_client_writes_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("client_writes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_client_writes_user_id"))
    op.drop_table("client_writes")
