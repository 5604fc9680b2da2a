"""indexes for the plans at real size, second round: an account's meetings and notes newest
first (account page, the last meeting of every open deal), a deal's history newest first, and
the open commitments of one party soonest due first (Today), first meetings per rep (team), the
territory list's potential sort per owner and overall

Revision ID: 0018_speed_more
Revises: 0017_capture
"""
from alembic import op
import sqlalchemy as sa

revision = "0018_speed_more"
down_revision = "0017_capture"
branch_labels = None
depends_on = None


def upgrade() -> None:
    potential = sa.text("potential DESC")
    name = sa.text("lower(name)")
    op.create_index("ix_accounts_owner_potential", "accounts", ["owner_id", potential, name, "id"])
    op.create_index("ix_accounts_potential", "accounts", [potential, name, "id"])
    op.create_index("ix_meetings_account_started", "meetings", ["account_id", "started_at"])
    op.create_index("ix_meetings_first", "meetings", ["user_id", "started_at"],
                    postgresql_where=sa.text("is_first_meeting"),
                    sqlite_where=sa.text("is_first_meeting"))
    op.create_index("ix_notes_account_created", "notes", ["account_id", "created_at"])
    op.create_index("ix_opportunity_changes_opportunity_changed", "opportunity_changes",
                    ["opportunity_id", "changed_at"])
    op.create_index("ix_commitments_open_due", "commitments", ["party", "due_on", "id"],
                    postgresql_where=sa.text("kept IS NULL"), sqlite_where=sa.text("kept IS NULL"))


def downgrade() -> None:
    op.drop_index("ix_commitments_open_due", table_name="commitments")
    op.drop_index("ix_opportunity_changes_opportunity_changed", table_name="opportunity_changes")
    op.drop_index("ix_notes_account_created", table_name="notes")
    op.drop_index("ix_meetings_first", table_name="meetings")
    op.drop_index("ix_meetings_account_started", table_name="meetings")
    op.drop_index("ix_accounts_potential", table_name="accounts")
    op.drop_index("ix_accounts_owner_potential", table_name="accounts")
