"""per-owner totals of the manager pages (issue 13): deal_totals (open and won deals per
owner, stage, currency, qualified and month), account_totals (accounts, customers, potential
and open qualified pipeline per owner and territory) and totals_owners (one lockable row per
owner). Filled here from the existing deals and accounts; webapp/models/aggregates.py keeps
them exact from then on.

Revision ID: 0028_aggregates
Revises: 0027_intel
"""
from alembic import op
import sqlalchemy as sa

revision = "0028_aggregates"
down_revision = "0027_intel"
branch_labels = None
depends_on = None

OPEN = "('first_meeting', 'qualified', 'proposal', 'negotiation')"


def _month(column: str, dialect: str) -> str:
    if dialect == "sqlite":
        return f"date({column}, 'start of month')"
    return f"CAST(date_trunc('month', CAST({column} AS TIMESTAMP)) AS DATE)"


def upgrade() -> None:
    op.create_table(
        "deal_totals",
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(20), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("qualified", sa.Boolean(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("deals", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Numeric(16, 2), nullable=False),
        sa.PrimaryKeyConstraint("owner_id", "stage", "currency", "qualified", "month",
                                name=op.f("pk_deal_totals")),
    )
    op.create_table(
        "account_totals",
        sa.Column("owner_key", sa.Integer(), nullable=False),
        sa.Column("territory_key", sa.Integer(), nullable=False),
        sa.Column("accounts", sa.Integer(), nullable=False),
        sa.Column("customers", sa.Integer(), nullable=False),
        sa.Column("potential", sa.Integer(), nullable=False),
        sa.Column("pipeline", sa.Numeric(16, 2), nullable=False),
        sa.PrimaryKeyConstraint("owner_key", "territory_key", name=op.f("pk_account_totals")),
    )
    op.create_table(
        "totals_owners",
        sa.Column("owner_key", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("owner_key", name=op.f("pk_totals_owners")),
    )
    dialect = op.get_bind().dialect.name
    month = (f"CASE WHEN stage = 'won' THEN {_month('closed_at', dialect)} "
             f"ELSE {_month('close_on', dialect)} END")
    op.execute("INSERT INTO totals_owners (owner_key, version) "
               "SELECT id, 0 FROM users")  # others on demand (an empty database stays empty)
    op.execute(
        "INSERT INTO deal_totals (owner_id, stage, currency, qualified, month, deals, amount) "
        "SELECT owner_id, stage, currency, qualified, month, count(*), sum(amount) FROM ("
        f"SELECT owner_id, stage, currency, coalesce(qualified, false) AS qualified, "
        f"{month} AS month, coalesce(amount, 0) AS amount FROM opportunities "
        f"WHERE owner_id IS NOT NULL AND (stage IN {OPEN} "
        "OR (stage = 'won' AND closed_at IS NOT NULL))) AS deals "
        "GROUP BY owner_id, stage, currency, qualified, month")
    op.execute(
        "INSERT INTO account_totals (owner_key, territory_key, accounts, customers, potential, "
        "pipeline) SELECT owner_key, territory_key, count(*), sum(customer), sum(potential), "
        "sum(pipeline) FROM (SELECT coalesce(a.owner_id, 0) AS owner_key, "
        "coalesce(a.territory_id, 0) AS territory_key, "
        "CASE WHEN a.status = 'customer' THEN 1 ELSE 0 END AS customer, "
        "coalesce(a.potential, 0) AS potential, coalesce(p.amount, 0) AS pipeline "
        "FROM accounts a LEFT JOIN (SELECT account_id, sum(amount) AS amount "
        f"FROM opportunities WHERE stage IN {OPEN} AND qualified = true "
        "GROUP BY account_id) p ON p.account_id = a.id) AS per_account "
        "GROUP BY owner_key, territory_key")


def downgrade() -> None:
    op.drop_table("totals_owners")
    op.drop_table("account_totals")
    op.drop_table("deal_totals")
