"""indexes for the plans at real size: the territory list sorted by name (per owner and for
everyone), open commitments, opportunity changes per rep

Revision ID: 0016_speed
Revises: 0012_import_jobs
"""
from alembic import op
import sqlalchemy as sa

revision = "0016_speed"
down_revision = "0015_limits"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_accounts_owner_lower_name", "accounts",
                    ["owner_id", sa.text("lower(name)"), "id"])
    op.create_index("ix_accounts_lower_name", "accounts", [sa.text("lower(name)"), "id"])
    op.create_index("ix_commitments_open", "commitments", ["kept", "account_id", "due_on"])
    op.create_index("ix_opportunity_changes_user_changed", "opportunity_changes",
                    ["user_id", "changed_at"])


def downgrade() -> None:
    op.drop_index("ix_opportunity_changes_user_changed", table_name="opportunity_changes")
    op.drop_index("ix_commitments_open", table_name="commitments")
    op.drop_index("ix_accounts_lower_name", table_name="accounts")
    op.drop_index("ix_accounts_owner_lower_name", table_name="accounts")
