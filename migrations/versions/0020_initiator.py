"""who asked for a meeting (inbound or outbound): equality of effort and the old lists read it

Revision ID: 0020_initiator
Revises: 0019_layers
"""
from alembic import op
import sqlalchemy as sa

revision = "0020_initiator"
down_revision = "0019_layers"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("meetings") as batch:
        batch.add_column(sa.Column("initiated_by", sa.String(8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("meetings") as batch:
        batch.drop_column("initiated_by")
