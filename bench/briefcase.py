"""Benchmark: how long it takes, and how many bytes, to make a territory available offline,
and how fast a saved page opens with no network.

For each size (default 300 and 3,000 accounts) a rep is given that many accounts with the
demo generator (webapp.demo.generate_accounts), the app is served on a free local port, and
Debian's Chromium at a phone viewport signs in and saves the territory through the real
service worker; then a note is added at 1 % of the accounts and the territory refreshed.
Printed per size: the pages saved, bytes stored, the time of the first save (it starts by
itself on sign-in) and of the refresh, with the requests the server answered
and the bytes it sent for each, and the time to open saved account pages offline (median and
95th percentile of 30 navigations).

    .venv/bin/python bench/briefcase.py            # 300 and 3000
    .venv/bin/python bench/briefcase.py 500        # one size
    .venv/bin/python bench/briefcase.py --werkzeug 3000   # in-process server instead

The app is served as `make run` serves it (gunicorn, 2 workers, 4 threads; the requests, bytes
and busy time read from its access log); `--werkzeug` serves it in this process (one Python
process: the packs in flight share one core). Runs only against 127.0.0.1; stops by itself.
"""
from __future__ import annotations

import logging
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from webapp import create_app  # noqa: E402
from webapp.passwords import hash_password  # noqa: E402
from webapp.database import upgrade_database  # noqa: E402
from webapp.extensions import db  # noqa: E402
from webapp.models import Account, Note, User  # noqa: E402

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
PHONE = {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 2,
         "is_mobile": True, "has_touch": True}
PASSWORD = "bench-password-1"


def build_database(path: Path, accounts: int) -> tuple[str, list[int]]:
    """The demo team plus one rep with `accounts` accounts; returns their e-mail and ids."""
    from webapp.demo import generate_accounts, load_demo_data

    url = f"sqlite:///{path}"
    upgrade_database(url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    with app.app_context():
        load_demo_data(db.session)
        manager = db.session.scalar(select(User).where(User.role == "manager"))
        rep = User(email="bench-rep@example.com", name="Bench Rep", role="rep",
                   manager_id=manager.id, password_hash=hash_password(PASSWORD))
        db.session.add(rep)
        db.session.flush()
        generate_accounts(db.session, rep, accounts, random.Random(accounts))
        db.session.commit()
        ids = list(db.session.scalars(select(Account.id).where(Account.owner_id == rep.id)))
        db.session.remove()
        db.engine.dispose()
    return rep.email, ids


class Counting:
    """WSGI middleware: how many requests the server answered and the bytes of their bodies."""

    def __init__(self, app):
        self.app, self.requests, self.bytes = app, 0, 0
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        with self.lock:
            self.requests += 1
        started = time.perf_counter()
        for chunk in self.app(environ, start_response):
            with self.lock:
                self.bytes += len(chunk)
            yield chunk
        with self.lock:
            self.busy += time.perf_counter() - started

    busy = 0.0  # seconds spent answering (summed over requests; overlapping ones count twice)

    def take(self) -> tuple[int, int]:
        with self.lock:
            taken = (self.requests, self.bytes)
            self.requests = self.bytes = 0
        return taken

    def take_busy(self) -> float:
        with self.lock:
            busy, self.busy = self.busy, 0.0
        return busy


class Gunicorn:
    """The app under gunicorn with `make run`'s settings; the same counts as Counting, read from
    the access log (request size in bytes and duration in microseconds per line)."""

    def __init__(self, database: Path, tmp: Path):
        from throughput import free_port, serve

        self.log = tmp / "access.log"
        self.log.touch()
        self.offset = 0
        self.pending: list[tuple[int, float]] = []
        port = free_port()
        env = dict(os.environ, DATABASE_URL=f"sqlite:///{database}", SECRET_KEY="bench",
                   INSTANCE_PATH=str(tmp))
        self.process = serve("webapp:create_app()", port, env, (
            "--access-logfile", str(self.log), "--access-logformat", "%(B)s %(D)s"))
        self.base = f"http://127.0.0.1:{port}"

    def _lines(self) -> list[tuple[int, float]]:
        with self.log.open() as log:
            log.seek(self.offset)
            text = log.read()
            self.offset = log.tell()
        return [(int(b) if b.isdigit() else 0, int(d) / 1e6)
                for b, d in (line.split() for line in text.splitlines() if line.strip())]

    def take(self) -> tuple[int, int]:
        """The requests and bytes since the last take (their busy time kept for take_busy)."""
        self.pending = self._lines()
        return len(self.pending), sum(b for b, _ in self.pending)

    def take_busy(self) -> float:
        pending, self.pending = self.pending, []
        return sum(d for _, d in pending)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def measure(accounts: int, werkzeug: bool = False) -> dict:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        started = time.perf_counter()
        email, account_ids = build_database(tmp / "bench.sqlite", accounts)
        setup_s = time.perf_counter() - started
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'bench.sqlite'}",
                          "SECRET_KEY": "bench"})
        app.instance_path = str(tmp)
        if werkzeug:
            counting = Counting(app.wsgi_app)
            app.wsgi_app = counting
            logging.getLogger("werkzeug").setLevel(logging.ERROR)
            server = make_server("127.0.0.1", 0, app, threaded=True)
            base = f"http://127.0.0.1:{server.server_port}"
            thread = threading.Thread(target=server.serve_forever, daemon=True)
            thread.start()
        else:
            counting = server = Gunicorn(tmp / "bench.sqlite", tmp)
            base = server.base
        try:
            with sync_playwright() as driver:
                browser = driver.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                context = browser.new_context(**PHONE)
                context.set_default_timeout(600_000)
                page = context.new_page()
                page.goto(base + "/login")
                page.get_by_label("E-mail").fill(email)
                page.get_by_label("Password").fill(PASSWORD)
                counting.take()
                counting.take_busy()
                t0 = time.perf_counter()
                page.get_by_role("button", name="Sign in").click()
                page.wait_for_url(lambda url: "/login" not in url)
                # The first save starts by itself on the first page; join it and wait.
                page.wait_for_function("() => !!window.GroundworkBriefcase")
                first = page.evaluate("() => GroundworkBriefcase.refresh()")
                first_s = time.perf_counter() - t0
                first_traffic = counting.take()
                first_busy = counting.take_busy()
                # Meanwhile a note is added at 1 % of the accounts: the refresh brings those.
                changed = random.Random(2).sample(account_ids, max(1, len(account_ids) // 100))
                with app.app_context():
                    rep_id = db.session.scalar(select(User.id).where(User.email == email))
                    db.session.add_all(Note(user_id=rep_id, account_id=i, body="Bench: follow up")
                                       for i in changed)
                    db.session.commit()
                t1 = time.perf_counter()
                again = page.evaluate("() => GroundworkBriefcase.refresh()")
                refresh_s = time.perf_counter() - t1
                refresh_traffic = counting.take()
                print(f"  ({accounts} accounts saved: first save {first_s:.1f} s, "
                      f"refresh {refresh_s:.1f} s; now opening pages offline)", flush=True)
                usage = page.evaluate("async () => (await navigator.storage.estimate()).usage")

                page.reload()
                page.wait_for_function("() => !!navigator.serviceWorker.controller")
                context.set_offline(True)
                opens = []
                for account_id in random.Random(1).sample(account_ids, min(30, len(account_ids))):
                    t = time.perf_counter()
                    page.goto(f"{base}/accounts/{account_id}", timeout=60_000)
                    page.wait_for_selector(".offline-copy", timeout=60_000)
                    opens.append((time.perf_counter() - t) * 1000)
                browser.close()
        finally:
            if werkzeug:
                server.shutdown()
                thread.join(timeout=5)
            else:
                server.stop()
    opens.sort()
    return {
        "accounts": first["accounts"], "opportunities": first["opportunities"],
        "pages": first["pages"], "failed": first["failed"] + again["failed"],
        "bytes": again["bytes"], "storage_usage": usage, "setup_s": setup_s,
        "first_save_s": first_s, "refresh_s": refresh_s,
        "first_server_s": first_busy, "first_requests": first_traffic[0], "first_sent": first_traffic[1],
        "refresh_requests": refresh_traffic[0], "refresh_sent": refresh_traffic[1],
        "refresh_pages": again.get("fetched", again["pages"]),
        "open_median_ms": statistics.median(opens),
        "open_p95_ms": opens[max(0, round(0.95 * len(opens)) - 1)],
    }


def main(sizes: list[int], werkzeug: bool) -> None:
    if not Path(CHROMIUM).exists():
        sys.exit(f"no Chromium at {CHROMIUM}")
    server = "werkzeug threaded server in process" if werkzeug else \
        "gunicorn as make run (2 workers, 4 threads)"
    print(f"Territory briefcase: Chromium 360px, {server}, SQLite, loopback")
    for size in sizes:
        r = measure(size, werkzeug)
        print(f"{r['accounts']:>5} accounts, {r['opportunities']} open opportunities: "
              f"{r['pages']} pages, {r['bytes'] / 1e6:.1f} MB stored "
              f"(browser storage in use {r['storage_usage'] / 1e6:.1f} MB), "
              f"first save {r['first_save_s']:.1f} s ({r['first_requests']} requests, "
              f"{r['first_sent'] / 1e6:.1f} MB sent, server answering {r['first_server_s']:.1f} s "
              f"summed over requests), refresh {r['refresh_s']:.1f} s "
              f"({r['refresh_pages']} pages fetched, {r['refresh_requests']} requests, "
              f"{r['refresh_sent'] / 1e6:.1f} MB sent), "
              f"failed {r['failed']}; open offline median {r['open_median_ms']:.0f} ms, "
              f"p95 {r['open_p95_ms']:.0f} ms (data set-up {r['setup_s']:.0f} s)", flush=True)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))  # throughput.py's settings
    werkzeug = "--werkzeug" in sys.argv[1:]
    main([int(a) for a in sys.argv[1:] if a != "--werkzeug"] or [300, 3000], werkzeug)
