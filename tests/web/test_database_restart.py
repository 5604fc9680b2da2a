"""A PostgreSQL restart (or failover) between requests: every pooled connection is dead. The
next read still answers (issue 11, defect 6); a write answers 503 or succeeds, and sent again
with its idempotency key it is stored exactly once. Recovery must not depend on
pool_pre_ping, so it is off here."""
from __future__ import annotations

import uuid

import pytest
from sqlalchemy import create_engine, func, select, text

from tests.support.security import build_app, cleaned, sign_in_as
from webapp.extensions import db
from webapp.models import Note

# A server restart is PostgreSQL's: SQLite has no connection to lose.
pytestmark = pytest.mark.backend("postgresql")


@pytest.fixture
def app(database_url, clock, tmp_path):
    app = build_app(database_url, clock, tmp_path,
                    SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": False})
    with cleaned(app):
        yield app


def restart_database(database_url: str) -> None:
    """What a restart does to the app's connections: the server ends every one of them."""
    admin = create_engine(database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        ended = conn.execute(text(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()")).scalar()
    admin.dispose()
    assert ended >= 1  # the app's pooled connections were there, and are gone


def test_the_first_read_after_a_restart_answers(app, make, database_url):
    rep = make.user("rep")
    page = f"/accounts/{make.account(owner=rep, name='Acme Robotics').id}"
    client = sign_in_as(app, app.test_client(), rep)
    db.session.rollback()
    assert client.get(page).status_code == 200
    restart_database(database_url)
    again = client.get(page)
    assert again.status_code == 200
    assert "Acme Robotics" in again.get_data(as_text=True)
    assert client.get("/").status_code == 200


def test_a_write_during_a_restart_is_stored_once_when_sent_again(app, make, database_url):
    rep = make.user("rep")
    account = make.account(owner=rep)
    form = {"account_id": str(account.id), "body": "Call back after the trade show.",
            "client_id": str(uuid.uuid4())}
    client = sign_in_as(app, app.test_client(), rep)
    db.session.rollback()
    assert client.get("/").status_code == 200
    restart_database(database_url)
    headers = {"X-Groundwork-Outbox": "1"}
    first = client.post("/notes/new", data=form, headers=headers)
    assert first.status_code in (303, 503)
    if first.status_code == 503:
        assert first.headers["Retry-After"]
    again = client.post("/notes/new", data=form, headers=headers)
    assert again.status_code == 303
    db.session.rollback()
    assert db.session.scalar(select(func.count(Note.id))) == 1
