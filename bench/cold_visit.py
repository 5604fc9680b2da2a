"""Cold first visit of /login, every byte as sent by the server (headers and bodies, including
/sw.js and its precache), then a warm navigation. Goal: cold <= 40 KB; warm sends only the HTML.

    .venv/bin/python bench/cold_visit.py

Runs the app under gunicorn on a throwaway SQLite database, a byte-counting TCP proxy in front
of it (loopback), and Debian's Chromium through Playwright at a 360 px phone viewport. The
count is what the server wrote to the socket, not an estimate.
"""
from __future__ import annotations

import os
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from throughput import free_port, serve  # noqa: E402

GOAL = 40 * 1024


class CountingProxy:
    """Forwards loopback TCP to `target`; counts the bytes the server sent and its answers."""

    def __init__(self, target: int):
        self.target = target
        self.sent = 0
        self.lock = threading.Lock()
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target))
            threading.Thread(target=self._pipe, args=(client, upstream, False), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, client, True), daemon=True).start()

    def _pipe(self, source, sink, count: bool):
        try:
            while data := source.recv(65536):
                if count:
                    with self.lock:
                        self.sent += len(data)
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def settle(self, quiet: float = 1.5, limit: float = 30) -> int:
        """Wait until nothing was sent for `quiet` seconds (at most `limit`); the count."""
        deadline = time.monotonic() + limit
        last, since = self.sent, time.monotonic()
        while time.monotonic() < deadline:
            time.sleep(0.1)
            if self.sent != last:
                last, since = self.sent, time.monotonic()
            elif time.monotonic() - since >= quiet:
                break
        return self.sent


def main() -> int:
    from playwright.sync_api import sync_playwright

    from webapp.database import upgrade_database

    tmp = Path(tempfile.mkdtemp())
    url = f"sqlite:///{tmp / 'cold.sqlite'}"
    upgrade_database(url)
    env = dict(os.environ, DATABASE_URL=url, SECRET_KEY="bench", INSTANCE_PATH=str(tmp))
    port = free_port()
    server = serve("webapp:create_app()", port, env)
    proxy = CountingProxy(port)
    base = f"http://127.0.0.1:{proxy.port}"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium",
                                        args=["--no-sandbox"])
            context = browser.new_context(viewport={"width": 360, "height": 740})
            page = context.new_page()
            proxy.sent = 0
            page.goto(f"{base}/login")
            page.wait_for_function("navigator.serviceWorker && navigator.serviceWorker.controller"
                                   " !== null || navigator.serviceWorker.ready", timeout=30000)
            page.evaluate("navigator.serviceWorker.ready.then(() => true)")
            cold = proxy.settle()
            before = proxy.sent
            page.goto(f"{base}/login")
            proxy.settle()
            warm = proxy.sent - before
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(f"cold first visit of /login: {cold / 1024:.1f} KB as sent (goal {GOAL // 1024} KB)")
    print(f"warm navigation to /login: {warm / 1024:.1f} KB as sent")
    return 0 if cold <= GOAL else 1


if __name__ == "__main__":
    sys.exit(main())
