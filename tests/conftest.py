"""Shared fixtures: a real database per backend (SQLite always, PostgreSQL when
TEST_DATABASE_URL is set), the app, a client, a test-data factory, an injected clock and a
query counter."""
from __future__ import annotations

import contextlib
import os
import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import create_engine, event, text

from webapp import create_app
from webapp.auth.passwords import hash_password
from webapp.database import upgrade_database
from webapp.extensions import db
from webapp import models as m

PG_URL = os.environ.get("TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])
PASSWORD = "correct-horse-battery"
_PASSWORD_HASH = hash_password(PASSWORD)


def pytest_collection_modifyitems(config, items):
    """A test marked `backend("postgresql")` (or "sqlite") runs only on that backend: its other
    parametrization is not collected, rather than collected and skipped."""
    kept, dropped = [], []
    for item in items:
        marker = item.get_closest_marker("backend")
        callspec = getattr(item, "callspec", None)
        backend = callspec.params.get("database_url") if callspec else None
        (dropped if marker and backend and backend not in marker.args else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


def pytest_sessionstart(session):
    if os.environ.get("REQUIRE_POSTGRES") == "1" and not PG_URL:
        pytest.exit("REQUIRE_POSTGRES=1 but TEST_DATABASE_URL is not set", returncode=3)


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request, tmp_path_factory):
    """A fresh database of one backend, migrated by Alembic, for this test session."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"
        upgrade_database(url)
        yield url
        return
    admin_url = PG_URL.replace("postgresql://", "postgresql+psycopg://", 1)
    name = f"gw_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin_url.rsplit("/", 1)[0] + "/" + name
    upgrade_database(url)
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


class Clock:
    """An injected clock: tests set the time instead of sleeping."""

    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def set(self, now: datetime) -> None:
        self.now = now

    def advance(self, **kwargs) -> None:
        self.now += timedelta(**kwargs)


@pytest.fixture
def clock():
    return Clock(datetime(2026, 11, 23, 15, 0, 0))


@pytest.fixture
def app(database_url, clock, tmp_path):
    app = create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "SECRET_KEY": "test-secret-key",
        "CLOCK": clock,
    })
    app.instance_path = str(tmp_path)
    yield app
    with app.app_context():
        db.session.remove()
        _empty_all_tables()
        db.engine.dispose()


def _empty_all_tables() -> None:
    tables = list(reversed(m.Base.metadata.sorted_tables))
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(table.delete())


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def ctx(app):
    """An app context for tests that use the session directly."""
    with app.app_context():
        yield


class Factory:
    """Makes realistic rows with few words. Every method commits."""

    def __init__(self):
        self._n = 0

    def _next(self) -> int:
        self._n += 1
        return self._n

    def user(self, role="rep", manager=None, **kw) -> m.User:
        n = self._next()
        user = m.User(email=kw.pop("email", f"{role}{n}@example.com"), name=kw.pop("name", f"{role.title()} {n}"),
                      role=role, manager_id=manager.id if manager else None,
                      password_hash=_PASSWORD_HASH, **kw)
        db.session.add(user)
        db.session.commit()
        return user

    def account(self, owner=None, **kw) -> m.Account:
        n = self._next()
        account = m.Account(name=kw.pop("name", f"Account {n}"), city=kw.pop("city", "Chicago"),
                            industry=kw.pop("industry", "Manufacturing"),
                            owner_id=owner.id if owner else None, **kw)
        db.session.add(account)
        db.session.commit()
        return account

    def contact(self, account, **kw) -> m.Contact:
        n = self._next()
        contact = m.Contact(account_id=account.id, name=kw.pop("name", f"Contact {n}"), **kw)
        db.session.add(contact)
        db.session.commit()
        return contact

    def opportunity(self, account, **kw) -> m.Opportunity:
        n = self._next()
        opp = m.Opportunity(account_id=account.id, owner_id=kw.pop("owner_id", account.owner_id),
                            name=kw.pop("name", f"Deal {n}"), amount=kw.pop("amount", Decimal("50000")),
                            close_on=kw.pop("close_on", date(2027, 1, 31)), **kw)
        db.session.add(opp)
        db.session.commit()
        return opp

    def meeting(self, account, user, **kw) -> m.Meeting:
        meeting = m.Meeting(account_id=account.id, user_id=user.id,
                            started_at=kw.pop("started_at", datetime(2026, 11, 20, 14, 0)),
                            notes=kw.pop("notes", "Talked about the roll-out."), **kw)
        db.session.add(meeting)
        db.session.commit()
        return meeting

    def note(self, user, account=None, **kw) -> m.Note:
        note = m.Note(user_id=user.id, account_id=account.id if account else None,
                      body=kw.pop("body", "Remember the parking garage on 5th."), **kw)
        db.session.add(note)
        db.session.commit()
        return note


@pytest.fixture
def make(ctx):
    return Factory()


@pytest.fixture
def login(client):
    """Sign a user in through the real sign-in form."""

    def _login(user, password=PASSWORD, client=client):
        response = client.post("/login", data={"email": user.email, "password": password})
        assert response.status_code == 303, response.get_data(as_text=True)
        return client

    return _login


@pytest.fixture
def count_queries(app):
    """`with count_queries() as n: ...` then `n.count` is the SQL statements run inside."""

    @contextlib.contextmanager
    def _count():
        class Counter:
            count = 0
            statements: list[str] = []

        counter = Counter()
        counter.statements = []

        def _before(conn, cursor, statement, *args):
            if statement.strip().upper().startswith(("BEGIN", "SAVEPOINT", "RELEASE", "PRAGMA")):
                return
            counter.count += 1
            counter.statements.append(statement)

        with app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", _before)
        try:
            yield counter
        finally:
            event.remove(engine, "before_cursor_execute", _before)

    return _count
