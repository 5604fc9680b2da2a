"""Integration tests: real app servers (gunicorn, as `make run` starts them) on loopback
ports, against the session's SQLite or PostgreSQL database."""
from __future__ import annotations

import pytest

from tests.support.appserver import AppServer


@pytest.fixture
def start_server(app, tmp_path):
    """`start_server(**options)` -> a running AppServer on the test database; stopped after.
    Depends on `app` so the tables are emptied afterwards like every other test's."""
    servers = []

    def _start(**options):
        log = tmp_path / f"gunicorn-{len(servers)}.log"
        server = AppServer(app.config["SQLALCHEMY_DATABASE_URI"], log=log, **options)
        servers.append(server)
        return server.start()

    yield _start
    for server in servers:
        server.stop()
