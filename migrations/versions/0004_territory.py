"""territory: rules, manual overrides, roll-forward change plans and their assignments

Revision ID: 0004_territory
Revises: 0001_core
"""
from alembic import op
import sqlalchemy as sa

revision = "0004_territory"
down_revision = "0001_core"
branch_labels = None
depends_on = None


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"],
                                   name=op.f(f"fk_{table}_{column}_{target}"))


def upgrade() -> None:
    op.create_table(
        "territory_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("territory_id", sa.Integer(), nullable=False),
        sa.Column("countries", sa.String(length=500), nullable=False),
        sa.Column("regions", sa.String(length=1000), nullable=False),
        sa.Column("postal_prefixes", sa.String(length=1000), nullable=False),
        sa.Column("center_latitude", sa.Float(), nullable=True),
        sa.Column("center_longitude", sa.Float(), nullable=True),
        sa.Column("radius_km", sa.Float(), nullable=True),
        sa.Column("industries", sa.String(length=1000), nullable=False),
        sa.Column("segments", sa.String(length=200), nullable=False),
        sa.Column("potential_bands", sa.String(length=50), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        _fk("territory_rules", "territory_id", "territories"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_territory_rules")),
        sa.UniqueConstraint("territory_id", name=op.f("uq_territory_rules_territory_id")),
    )
    op.create_table(
        "territory_overrides",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("territory_id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        _fk("territory_overrides", "account_id", "accounts"),
        _fk("territory_overrides", "territory_id", "territories"),
        _fk("territory_overrides", "created_by_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_territory_overrides")),
        sa.UniqueConstraint("account_id", name=op.f("uq_territory_overrides_account_id")),
    )
    with op.batch_alter_table("territory_overrides") as batch_op:
        batch_op.create_index(batch_op.f("ix_territory_overrides_territory_id"), ["territory_id"])

    op.create_table(
        "territory_plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("announced_on", sa.Date(), nullable=False),
        sa.Column("cutoff_on", sa.Date(), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("protection_mode", sa.String(length=16), nullable=False),
        sa.Column("major_federal", sa.String(length=16), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("scheduled_at", sa.DateTime(), nullable=True),
        sa.Column("applied_at", sa.DateTime(), nullable=True),
        _fk("territory_plans", "created_by_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_territory_plans")),
    )
    with op.batch_alter_table("territory_plans") as batch_op:
        batch_op.create_index(batch_op.f("ix_territory_plans_status"), ["status"])
        batch_op.create_index(batch_op.f("ix_territory_plans_effective_on"), ["effective_on"])
        batch_op.create_index(batch_op.f("ix_territory_plans_created_by_id"), ["created_by_id"])

    table = "territory_plan_assignments"
    op.create_table(
        table,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("from_owner_id", sa.Integer(), nullable=True),
        sa.Column("from_territory_id", sa.Integer(), nullable=True),
        sa.Column("to_territory_id", sa.Integer(), nullable=True),
        sa.Column("to_owner_id", sa.Integer(), nullable=True),
        sa.Column("decision", sa.String(length=16), nullable=True),
        sa.Column("moves_on", sa.Date(), nullable=True),
        sa.Column("protected_until", sa.Date(), nullable=True),
        sa.Column("protecting_opportunity_id", sa.Integer(), nullable=True),
        sa.Column("territory_applied_at", sa.DateTime(), nullable=True),
        sa.Column("applied_at", sa.DateTime(), nullable=True),
        _fk(table, "plan_id", "territory_plans"),
        _fk(table, "account_id", "accounts"),
        _fk(table, "from_owner_id", "users"),
        _fk(table, "from_territory_id", "territories"),
        _fk(table, "to_territory_id", "territories"),
        _fk(table, "to_owner_id", "users"),
        _fk(table, "protecting_opportunity_id", "opportunities"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_territory_plan_assignments")),
        sa.UniqueConstraint("plan_id", "account_id", name="uq_plan_assignments_account"),
    )
    with op.batch_alter_table(table) as batch_op:
        batch_op.create_index(batch_op.f("ix_territory_plan_assignments_plan_id"), ["plan_id"])
        batch_op.create_index(batch_op.f("ix_territory_plan_assignments_account_id"), ["account_id"])
        batch_op.create_index(batch_op.f("ix_territory_plan_assignments_from_owner_id"),
                              ["from_owner_id"])
        batch_op.create_index(batch_op.f("ix_territory_plan_assignments_to_owner_id"),
                              ["to_owner_id"])


def downgrade() -> None:
    op.drop_table("territory_plan_assignments")
    op.drop_table("territory_plans")
    op.drop_table("territory_overrides")
    op.drop_table("territory_rules")
