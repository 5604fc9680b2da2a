"""Shared fixtures: a real database per backend (SQLite always, PostgreSQL when
TEST_DATABASE_URL is set), the app, a client, a test-data factory, an injected clock and a
query counter.

- `database_url` (session, one per backend): a database migrated by Alembic. Under
  pytest-xdist each worker has its own (a file in its own temporary folder; a uniquely named
  PostgreSQL database).
- `app`: a fresh app on that database; afterwards every table is emptied and ids start at 1
  again (one round trip of DELETEs on PostgreSQL: TRUNCATE of every table cost ~0.3 s a test).
- `client`, `ctx` (an app context), `make` (the `Factory`), `login` (the real sign-in form),
  `clock` (`Clock`), `count_queries`.

Argon2 answers are remembered for the test process (`_RememberingHasher`): the first check of
a (hash, password) pair runs argon2id with the app's parameters, later ones give the same
answer without the 0.1 s of work. Sign-in behaviour is unchanged; app servers started as
subprocesses check every password in full."""
from __future__ import annotations

import contextlib
import os
import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from argon2 import PasswordHasher
from sqlalchemy import create_engine, event, text

from webapp import create_app
from webapp import passwords
from webapp.passwords import hash_password
from webapp.database import upgrade_database
from webapp.extensions import db
from webapp import models as m

PG_URL = os.environ.get("TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])
PASSWORD = "correct-horse-battery"


class _RememberingHasher(PasswordHasher):
    """The app's argon2id hasher, with each verify() answer remembered: the suite signs in
    about a thousand times with the same few (hash, password) pairs."""

    _answers: dict[tuple[str, str], Exception | bool] = {}

    def verify(self, hash, password):  # noqa: A002 (argon2's own parameter name)
        key = (hash if isinstance(hash, str) else hash.decode(),
               password if isinstance(password, str) else password.decode())
        if key not in self._answers:
            try:
                self._answers[key] = super().verify(hash, password)
            except Exception as error:  # a mismatch or a broken hash: raised again each time
                self._answers[key] = error
        answer = self._answers[key]
        if isinstance(answer, Exception):
            raise type(answer)(*answer.args)
        return answer


passwords._hasher = _RememberingHasher.from_parameters(passwords._hasher._parameters)
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
    if not hasattr(session.config, "workerinput"):
        # Building an app writes the static files' .br/.gz siblings when missing or stale:
        # done here once, before pytest-xdist starts its workers, so no two write one file.
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "precompress-only"})


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
        # A test database need not survive a crash: commits do not wait for the disk.
        conn.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit TO off'))
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


@pytest.fixture(scope="session")
def _built_apps():
    """One app per database and worker, built once: building one (its URL rules compiled, its
    static files scanned) costs more than most tests. Each test gets it back as new (below)."""
    built: dict[str, tuple] = {}
    yield built
    for app, _config in built.values():
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def app(database_url, clock, tmp_path, _built_apps):
    """The app on an empty database, as if just built: the settings as they were built (a test's
    changes undone), this test's clock and instance folder, no cached sessions."""
    if database_url not in _built_apps:
        built = create_app({
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "WTF_CSRF_ENABLED": False,
            "SECRET_KEY": "test-secret-key",
            "CLOCK": clock,
        })
        _built_apps[database_url] = (built, dict(built.config))
    app, config = _built_apps[database_url]
    app.config.clear()
    app.config.update(config)
    app.config["CLOCK"] = clock
    app.instance_path = str(tmp_path)
    app.extensions.setdefault("session_cache", {}).clear()
    yield app
    with app.app_context():
        db.session.remove()
        _empty_all_tables()
        db.engine.dispose()  # a test may have cut the connections (test_database_restart.py)


# Every table, children first; then every sequence back to 1 (as TRUNCATE … RESTART IDENTITY
# would, at a tenth of its cost: TRUNCATE makes new files for each of ~30 tables).
_EMPTY_POSTGRESQL = "".join(f'DELETE FROM "{t.name}";'
                            for t in reversed(m.Base.metadata.sorted_tables)) + """
    SELECT setval(c.oid, 1, false) FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind = 'S' AND n.nspname = current_schema();"""


# After a test that loaded thousands of rows, TRUNCATE is the cheaper one: a DELETE checks
# every deleted row's foreign keys (60,000 accounts took 12 s).
_TRUNCATE_POSTGRESQL = "TRUNCATE {} RESTART IDENTITY".format(
    ", ".join(f'"{t.name}"' for t in m.Base.metadata.sorted_tables))
_MANY_ROWS = 2000
_COUNT_BIG = ("SELECT (SELECT count(*) FROM (SELECT 1 FROM accounts LIMIT {n}) a)"
              " + (SELECT count(*) FROM (SELECT 1 FROM meetings LIMIT {n}) b)").format(
                  n=_MANY_ROWS)


def _empty_all_tables() -> None:
    """Empty every table; ids start at 1 again (SQLite reuses rowids after a DELETE)."""
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            big = conn.exec_driver_sql(_COUNT_BIG).scalar() >= _MANY_ROWS
            conn.exec_driver_sql(_TRUNCATE_POSTGRESQL if big else _EMPTY_POSTGRESQL)
        else:
            for table in reversed(m.Base.metadata.sorted_tables):
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
    """Makes realistic rows with few words. Every method commits, except inside
    `with make.one_transaction():`, where rows are flushed (they have ids) and committed
    together at the end of the block."""

    def __init__(self):
        self._n = 0
        self._batched = False

    def _next(self) -> int:
        self._n += 1
        return self._n

    def _save(self) -> None:
        (db.session.flush if self._batched else db.session.commit)()

    @contextlib.contextmanager
    def one_transaction(self):
        self._batched = True
        try:
            yield self
        finally:
            self._batched = False
        db.session.commit()

    def user(self, role="rep", manager=None, **kw) -> m.User:
        n = self._next()
        user = m.User(email=kw.pop("email", f"{role}{n}@example.com"), name=kw.pop("name", f"{role.title()} {n}"),
                      role=role, manager_id=manager.id if manager else None,
                      password_hash=_PASSWORD_HASH, **kw)
        db.session.add(user)
        self._save()
        return user

    def account(self, owner=None, **kw) -> m.Account:
        n = self._next()
        account = m.Account(name=kw.pop("name", f"Account {n}"), city=kw.pop("city", "Chicago"),
                            industry=kw.pop("industry", "Manufacturing"),
                            owner_id=owner.id if owner else None, **kw)
        db.session.add(account)
        self._save()
        return account

    def contact(self, account, **kw) -> m.Contact:
        n = self._next()
        contact = m.Contact(account_id=account.id, name=kw.pop("name", f"Contact {n}"), **kw)
        db.session.add(contact)
        self._save()
        return contact

    def opportunity(self, account, **kw) -> m.Opportunity:
        n = self._next()
        opp = m.Opportunity(account_id=account.id, owner_id=kw.pop("owner_id", account.owner_id),
                            name=kw.pop("name", f"Deal {n}"), amount=kw.pop("amount", Decimal("50000")),
                            close_on=kw.pop("close_on", date(2027, 1, 31)), **kw)
        db.session.add(opp)
        self._save()
        return opp

    def meeting(self, account, user, **kw) -> m.Meeting:
        meeting = m.Meeting(account_id=account.id, user_id=user.id,
                            started_at=kw.pop("started_at", datetime(2026, 11, 20, 14, 0)),
                            notes=kw.pop("notes", "Talked about the roll-out."), **kw)
        db.session.add(meeting)
        self._save()
        return meeting

    def note(self, user, account=None, **kw) -> m.Note:
        note = m.Note(user_id=user.id, account_id=account.id if account else None,
                      body=kw.pop("body", "Remember the parking garage on 5th."), **kw)
        db.session.add(note)
        self._save()
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
