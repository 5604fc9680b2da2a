"""Migration 0027_intel: the one-to-one's market intel moves into the one intel table (and
back on a downgrade), learned the day it was posted."""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from alembic import command

from webapp.database import alembic_config
from webapp.models import User


def test_market_intel_rows_become_intel_without_an_account_and_go_back_on_downgrade(tmp_path):
    url = f"sqlite:///{tmp_path / 'm.sqlite'}"
    config = alembic_config(url)
    command.upgrade(config, "0020_initiator")
    engine = sa.create_engine(url)
    market = sa.table("market_intel", sa.column("author_id"), sa.column("rep_id"),
                      sa.column("body"), sa.column("created_at"))
    with engine.begin() as conn:
        manager = conn.execute(User.__table__.insert().values(
            email="m@example.com", name="Manager", role="manager")).inserted_primary_key[0]
        rep = conn.execute(User.__table__.insert().values(
            email="r@example.com", name="Rep", role="rep", manager_id=manager)
        ).inserted_primary_key[0]
        conn.execute(market.insert(), [
            {"author_id": manager, "rep_id": None, "body": "Competitor X raised prices",
             "created_at": datetime(2026, 11, 2, 9, 30)},
            {"author_id": manager, "rep_id": rep, "body": "Your contact moved to Beta",
             "created_at": datetime(2026, 11, 9, 16, 0)}])

    command.upgrade(config, "0027_intel")
    with engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT user_id, rep_id, account_id, body, learned_on FROM intel_items ORDER BY id")
        ).all()
        assert "market_intel" not in sa.inspect(conn).get_table_names()
    assert [(r[0], r[1], r[2], r[3], str(r[4])) for r in rows] == [
        (manager, None, None, "Competitor X raised prices", str(date(2026, 11, 2))),
        (manager, rep, None, "Your contact moved to Beta", str(date(2026, 11, 9)))]

    command.downgrade(config, "0020_initiator")
    with engine.connect() as conn:
        back = conn.execute(sa.text("SELECT author_id, rep_id, body FROM market_intel ORDER BY id")
                            ).all()
    assert [tuple(r) for r in back] == [(manager, None, "Competitor X raised prices"),
                                        (manager, rep, "Your contact moved to Beta")]
    engine.dispose()
