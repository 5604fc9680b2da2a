"""Service-level tests: the write paths called directly, without HTTP, on the real database
(tests/conftest.py's `app` and `make`: SQLite, and PostgreSQL when TEST_DATABASE_URL is set)."""
from __future__ import annotations

import pytest

from webapp.extensions import db


@pytest.fixture
def session(make):
    """The session a route would hand a service (the app context comes with `make`); the
    tests own its transactions with `webapp.database.unit_of_work`, as a request does."""
    yield db.session
    db.session.rollback()


@pytest.fixture
def rep(make):
    manager = make.user("manager", name="Maya Manager")
    return make.user("rep", manager=manager, name="Ana Alvarez")


def fresh(obj):
    """`obj` as the database has it now (what the next request would read)."""
    db.session.expire_all()
    return db.session.get(type(obj), obj.id)
