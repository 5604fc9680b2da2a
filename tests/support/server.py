"""The app behind a real HTTP server in this process (werkzeug's, threaded, on a free port):
requests go through sockets, and every request gets its own app and request context, as
under gunicorn (the test client shares the test's app context and hides what that breaks).

For gunicorn itself (the production server, in its own processes) see `gunicorn()` below and
tests/support/appserver.py's `AppServer`, the one place that starts it."""
from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from pathlib import Path

import werkzeug.serving

from tests.support.appserver import AppServer, free_port


@contextlib.contextmanager
def serving(app) -> Iterator[str]:
    """Serve `app` on 127.0.0.1:<free port> while inside; yields the base URL."""
    server = werkzeug.serving.make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(5)
        server.server_close()


@contextlib.contextmanager
def gunicorn(database_url: str, instance_path, workers: int = 2,
             **settings: str) -> Iterator[str]:
    """The app as `make run` serves it (an `AppServer`) with `workers` processes, on
    `database_url`, with `settings` as environment variables. Yields the base URL once every
    worker answers; stops the server on leaving."""
    port = free_port()
    server = AppServer(database_url, port=port, workers=workers,
                       secret_key="a-secret-shared-by-every-server",
                       env={"INSTANCE_PATH": str(instance_path), **settings},
                       log=Path(instance_path) / f"gunicorn-{port}.log")
    server.start()
    try:
        yield server.url
    finally:
        server.stop()
