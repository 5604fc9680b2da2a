"""audit action names in one scheme, `<what it acts on>.<what happened>`: rename the stored
events of territory plans (webapp/domain/audit_actions.py, RENAMED)

Revision ID: 0019_layers
Revises: 0018_speed_more
"""
from alembic import op
import sqlalchemy as sa

revision = "0019_layers"
down_revision = "0018_speed_more"
branch_labels = None
depends_on = None

# Written out, not imported: a migration keeps meaning what it meant when it was written.
RENAMED = {
    "territory.plan_scheduled": "territory_plan.scheduled",
    "territory.account_moved": "account.moved_by_plan",
    "territory.account_rolled": "account.rolled_by_plan",
    "territory.account_territory_changed": "account.territory_changed_by_plan",
}

audit_events = sa.table("audit_events", sa.column("action", sa.String))


def _rename(pairs) -> None:
    for old, new in pairs:
        op.execute(audit_events.update().where(audit_events.c.action == old)
                   .values(action=new))


def upgrade() -> None:
    _rename(RENAMED.items())


def downgrade() -> None:
    _rename((new, old) for old, new in RENAMED.items())
