"""vendor pals, vendor-pal meetings and intel items (account intel and market news in one
table: the rows of market_intel move into intel_items)

Revision ID: 0027_intel
Revises: 0026_people
"""
from alembic import op
import sqlalchemy as sa

revision = "0027_intel"
down_revision = "0026_people"
branch_labels = None
depends_on = None


def _fk(column: str, table: str, target: str = "users") -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"],
                                   name=op.f(f"fk_{table}_{column}_{target}"))


def upgrade() -> None:
    op.create_table(
        "vendor_pals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(36), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("company", sa.String(120), nullable=False),
        sa.Column("sells", sa.String(200), nullable=False),
        sa.Column("phone", sa.String(40), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("last_met_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        _fk("user_id", "vendor_pals"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vendor_pals")),
        sa.UniqueConstraint("uuid", name=op.f("uq_vendor_pals_uuid")),
    )
    op.create_index(op.f("ix_vendor_pals_user_id"), "vendor_pals", ["user_id"])
    op.create_table(
        "pal_meetings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(36), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("pal_id", sa.Integer(), nullable=False),
        sa.Column("met_on", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        _fk("user_id", "pal_meetings"),
        _fk("pal_id", "pal_meetings", "vendor_pals"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pal_meetings")),
        sa.UniqueConstraint("uuid", name=op.f("uq_pal_meetings_uuid")),
    )
    op.create_index(op.f("ix_pal_meetings_user_id"), "pal_meetings", ["user_id"])
    op.create_index(op.f("ix_pal_meetings_pal_id"), "pal_meetings", ["pal_id"])
    intel = op.create_table(
        "intel_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(36), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("rep_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("learned_on", sa.Date(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("pal_id", sa.Integer(), nullable=True),
        sa.Column("source_text", sa.String(200), nullable=False),
        sa.Column("pal_meeting_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        _fk("user_id", "intel_items"),
        _fk("rep_id", "intel_items"),
        _fk("account_id", "intel_items", "accounts"),
        _fk("contact_id", "intel_items", "contacts"),
        _fk("pal_id", "intel_items", "vendor_pals"),
        _fk("pal_meeting_id", "intel_items", "pal_meetings"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intel_items")),
        sa.UniqueConstraint("uuid", name=op.f("uq_intel_items_uuid")),
    )
    op.create_index(op.f("ix_intel_items_user_id"), "intel_items", ["user_id"])
    op.create_index(op.f("ix_intel_items_rep_id"), "intel_items", ["rep_id"])
    op.create_index(op.f("ix_intel_items_pal_id"), "intel_items", ["pal_id"])
    op.create_index(op.f("ix_intel_items_created_at"), "intel_items", ["created_at"])
    op.create_index("ix_intel_items_account_learned", "intel_items", ["account_id", "learned_on"])

    # The manager's market intel becomes intel without an account: learned the day it was posted.
    bind = op.get_bind()
    old = sa.table("market_intel", sa.column("id", sa.Integer), sa.column("author_id", sa.Integer),
                   sa.column("rep_id", sa.Integer), sa.column("body", sa.Text),
                   sa.column("created_at", sa.DateTime))
    rows = bind.execute(sa.select(old.c.author_id, old.c.rep_id, old.c.body, old.c.created_at)
                        .order_by(old.c.id)).all()
    if rows:
        op.bulk_insert(intel, [
            {"user_id": author, "rep_id": rep, "body": body, "learned_on": created.date(),
             "source_text": "", "created_at": created}
            for author, rep, body, created in rows])
    op.drop_table("market_intel")


def downgrade() -> None:
    market = op.create_table(
        "market_intel",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("rep_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        _fk("author_id", "market_intel"),
        _fk("rep_id", "market_intel"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_market_intel")),
    )
    op.create_index(op.f("ix_market_intel_author_id"), "market_intel", ["author_id"])
    op.create_index(op.f("ix_market_intel_rep_id"), "market_intel", ["rep_id"])
    op.create_index(op.f("ix_market_intel_created_at"), "market_intel", ["created_at"])
    items = sa.table("intel_items", sa.column("id", sa.Integer), sa.column("user_id", sa.Integer),
                     sa.column("rep_id", sa.Integer), sa.column("account_id", sa.Integer),
                     sa.column("body", sa.Text), sa.column("created_at", sa.DateTime))
    rows = op.get_bind().execute(
        sa.select(items.c.user_id, items.c.rep_id, items.c.body, items.c.created_at)
        .where(items.c.account_id.is_(None)).order_by(items.c.id)).all()
    if rows:
        op.bulk_insert(market, [{"author_id": a, "rep_id": r, "body": b, "created_at": c}
                                for a, r, b, c in rows])
    op.drop_table("intel_items")
    op.drop_table("pal_meetings")
    op.drop_table("vendor_pals")
