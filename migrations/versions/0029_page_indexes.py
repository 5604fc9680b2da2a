"""the meetings of a deal found by an index: the one-sided deals (a rep's open deals, a manager's
look at a rep) and the deal page count a deal's meetings by who asked for them, which read all
1,000,000 meetings at real size without it (issue 13)

Revision ID: 0029_page_indexes
Revises: 0028_aggregates
"""
from alembic import op

revision = "0029_page_indexes"
down_revision = "0028_aggregates"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(op.f("ix_meetings_opportunity_id"), "meetings", ["opportunity_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_meetings_opportunity_id"), table_name="meetings")
