"""Backups and moving house: `groundwork backup`/`restore` give back every row of every table
(SQLite), the documented pg_dump/pg_restore does the same for PostgreSQL, and
`groundwork db copy --to postgresql://…` moves an SQLite installation to PostgreSQL without
losing a row, with sequences that go on from the largest id."""
from __future__ import annotations

import shutil
import subprocess
import uuid
from datetime import datetime
from decimal import Decimal

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.engine import make_url

from tests.conftest import PG_URL
from tests.support.appserver import throwaway_postgres
from webapp.demo import load_demo_data
from webapp.extensions import db
from webapp.models import Base, ClientWrite, ImportJob, Meeting, Note, Opportunity, User


def every_row(url: str) -> dict[str, list[tuple]]:
    """Every table's rows in primary-key order, as Python values."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return {t.name: [tuple(r) for r in conn.execute(
                        select(t).order_by(*t.primary_key.columns))]
                    for t in Base.metadata.sorted_tables}
    finally:
        engine.dispose()


@pytest.fixture
def installation(app, ctx, make):
    """The demo team and a few rows in the tables the demo leaves empty."""
    load_demo_data(db.session)
    rep = db.session.scalar(select(User).where(User.email == "rep1@example.com"))
    db.session.add(ClientWrite(key=str(uuid.uuid4()), user_id=rep.id, kind="notes.new",
                               status_code=303, location="/accounts/1"))
    db.session.add(ImportJob(token=uuid.uuid4().hex, user_id=rep.id, kind="accounts",
                             filename="accounts.csv", encoding="utf-8", delimiter=",",
                             headers=["name"], mapping=["name"], content=b"name\nAcme\n",
                             status="imported", result={"rows": 1}))
    db.session.commit()
    return app.config["SQLALCHEMY_DATABASE_URI"]


def run(app, *args):
    result = app.test_cli_runner().invoke(args=list(args))
    return result


@pytest.mark.backend("sqlite")
def test_backup_and_restore_give_back_every_row_of_every_table(app, installation, tmp_path):
    before = every_row(installation)
    assert sum(1 for rows in before.values() if rows) >= 15, "the demo should fill most tables"
    result = run(app, "backup", str(tmp_path / "nightly.sqlite"))
    assert result.exit_code == 0, result.output
    assert "Backed up" in result.output

    # The day goes on: a note deleted, a meeting logged, a deal moved.
    db.session.delete(db.session.scalars(select(Note)).first())
    rep = db.session.scalar(select(User).where(User.email == "rep2@example.com"))
    opp = db.session.scalars(select(Opportunity).where(Opportunity.owner_id == rep.id)).first()
    db.session.add(Meeting(account_id=opp.account_id, user_id=rep.id,
                           started_at=datetime(2026, 11, 24, 9, 0), notes="After the backup"))
    opp.amount = Decimal("123456")
    db.session.commit()
    assert every_row(installation) != before
    db.session.remove()

    result = run(app, "restore", "--yes", str(tmp_path / "nightly.sqlite"))
    assert result.exit_code == 0, result.output
    assert every_row(installation) == before


@pytest.mark.backend("sqlite")
def test_restore_refuses_a_file_that_is_not_a_groundwork_backup(app, installation, tmp_path):
    before = every_row(installation)
    junk = tmp_path / "holiday.jpg"
    junk.write_bytes(b"\xff\xd8\xff\xe0 not a database at all" * 100)
    result = run(app, "restore", "--yes", str(junk))
    assert result.exit_code != 0
    assert "not an SQLite database" in result.output
    assert every_row(installation) == before


@pytest.mark.backend("postgresql")
def test_on_postgresql_backup_points_to_pg_dump_and_its_round_trip_keeps_every_row(
        app, installation, tmp_path):
    result = run(app, "backup", str(tmp_path / "x.sqlite"))
    assert result.exit_code != 0 and "pg_dump -Fc" in result.output
    db.session.remove()
    assert shutil.which("pg_dump"), "the PostgreSQL client tools are part of the setup"
    plain = make_url(installation).set(drivername="postgresql").render_as_string(
        hide_password=False)
    dump = tmp_path / "groundwork.dump"
    # The commands the README gives, to the letter.
    subprocess.run(["pg_dump", "-Fc", "-f", str(dump), plain], check=True)
    with throwaway_postgres(PG_URL, "gw_restore") as restored:
        plain_restored = make_url(restored).set(drivername="postgresql").render_as_string(
            hide_password=False)
        subprocess.run(["pg_restore", "--clean", "--if-exists", "--no-owner", "-d",
                        plain_restored, str(dump)], check=True, capture_output=True)
        assert every_row(restored) == every_row(installation)


@pytest.mark.backend("sqlite")
@pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL (TEST_DATABASE_URL)")
def test_db_copy_moves_every_row_of_an_sqlite_installation_to_postgresql(app, installation):
    before = every_row(installation)
    with throwaway_postgres(PG_URL, "gw_move") as target:
        plain = make_url(target).set(drivername="postgresql").render_as_string(
            hide_password=False)
        result = run(app, "db", "copy", "--to", plain)
        assert result.exit_code == 0, result.output
        assert every_row(target) == before
        # Sequences go on after the largest id: the next user and note get new ids.
        engine = create_engine(target)
        with engine.begin() as conn:
            users = User.__table__
            next_id = conn.scalar(users.insert().values(email="new@example.com", name="New")
                                  .returning(users.c.id))
        engine.dispose()
        assert next_id == max(row[0] for row in before["users"]) + 1
        # A second copy into the same database is refused, not merged.
        again = run(app, "db", "copy", "--to", plain)
        assert again.exit_code != 0 and "empty database" in again.output
