"""The app behind a real HTTP server (werkzeug's, threaded, on a free port) in this process:
requests go through sockets, and every request gets its own app and request context, as
under gunicorn (the test client shares the test's app context and hides what that breaks)."""
from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

import werkzeug.serving


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
