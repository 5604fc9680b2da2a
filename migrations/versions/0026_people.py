"""people across companies (positions, keep in touch, touches) and old-list marks (issue 14)

The free-text "previous companies" line becomes history rows (one past position per company
named); the column stays for imports that still send it.

Revision ID: 0026_people
Revises: 0025_push
"""
import re
from datetime import date

from alembic import op
import sqlalchemy as sa

revision = "0026_people"
down_revision = "0025_push"
branch_labels = None
depends_on = None

# Parts of a company name that a comma splits off ("Acme, Inc."): glued back on.
_SUFFIX = re.compile(r"^(inc|inc\.|llc|ltd|ltd\.|gmbh|co\.|corp\.?|s\.a\.|plc|ag|bv|sa)$", re.I)


def split_companies(text: str) -> list[str]:
    """'Acme, Inc.; Prairie Foods' -> ['Acme, Inc.', 'Prairie Foods']."""
    names: list[str] = []
    for part in re.split(r"[;,/\n]", text or ""):
        part = part.strip()
        if not part:
            continue
        if names and _SUFFIX.match(part):
            names[-1] = f"{names[-1]}, {part}"
        else:
            names.append(part[:200])
    return names


def upgrade() -> None:
    with op.batch_alter_table("contacts") as batch:
        batch.add_column(sa.Column("left_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("champion", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
    op.create_table(
        "contact_positions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("contact_id", sa.Integer(), sa.ForeignKey("contacts.id"), nullable=False),
        sa.Column("account_id", sa.Integer(), sa.ForeignKey("accounts.id"), nullable=True),
        sa.Column("company_name", sa.String(200), nullable=False, server_default=""),
        sa.Column("title", sa.String(160), nullable=False, server_default=""),
        sa.Column("started_on", sa.Date(), nullable=True),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("client_id", sa.String(36), nullable=True, unique=True),
    )
    op.create_index("ix_contact_positions_contact", "contact_positions",
                    ["contact_id", "ended_on"])
    op.create_index("ix_contact_positions_account_id", "contact_positions", ["account_id"])
    op.create_table(
        "keep_in_touch",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("contact_id", sa.Integer(), sa.ForeignKey("contacts.id"), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("user_id", "contact_id", name="uq_keep_in_touch"),
    )
    op.create_index("ix_keep_in_touch_user_id", "keep_in_touch", ["user_id"])
    op.create_index("ix_keep_in_touch_contact_id", "keep_in_touch", ["contact_id"])
    op.create_table(
        "touches",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("uuid", sa.String(36), nullable=False, unique=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("contact_id", sa.Integer(), sa.ForeignKey("contacts.id"), nullable=True),
        sa.Column("account_id", sa.Integer(), sa.ForeignKey("accounts.id"), nullable=True),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("touched_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_touches_user_contact", "touches", ["user_id", "contact_id", "touched_at"])
    op.create_index("ix_touches_user_account", "touches", ["user_id", "account_id", "touched_at"])
    op.create_table(
        "old_list_marks",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("account_id", sa.Integer(), sa.ForeignKey("accounts.id"), nullable=False),
        sa.Column("snoozed_until", sa.Date(), nullable=True),
        sa.Column("dismissed_at", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("user_id", "account_id", name="uq_old_list_marks"),
    )
    op.create_index("ix_old_list_marks_user_id", "old_list_marks", ["user_id"])

    # The "Before: …" line as history: one past position per company it names, ended when
    # we first knew the person (the line said where they had been before).
    bind = op.get_bind()
    contacts = sa.table("contacts", sa.column("id", sa.Integer), sa.column("created_at", sa.DateTime),
                        sa.column("previous_companies", sa.String))
    positions = sa.table("contact_positions", sa.column("contact_id", sa.Integer),
                         sa.column("company_name", sa.String), sa.column("title", sa.String),
                         sa.column("ended_on", sa.Date), sa.column("created_at", sa.DateTime))
    rows = bind.execute(sa.select(contacts.c.id, contacts.c.created_at, contacts.c.previous_companies)
                        .where(contacts.c.previous_companies != "")).all()
    batch = []
    for contact_id, created_at, text in rows:
        ended = created_at.date() if created_at else date.today()
        for name in split_companies(text):
            batch.append({"contact_id": contact_id, "company_name": name, "title": "",
                          "ended_on": ended, "created_at": created_at})
        if len(batch) >= 1000:
            bind.execute(positions.insert(), batch)
            batch = []
    if batch:
        bind.execute(positions.insert(), batch)


def downgrade() -> None:
    op.drop_table("old_list_marks")
    op.drop_table("touches")
    op.drop_table("keep_in_touch")
    op.drop_index("ix_contact_positions_account_id", "contact_positions")
    op.drop_index("ix_contact_positions_contact", "contact_positions")
    op.drop_table("contact_positions")
    with op.batch_alter_table("contacts") as batch:
        batch.drop_column("champion")
        batch.drop_column("left_on")
