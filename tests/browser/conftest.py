"""Browser tests: the real app served on a free local port, driven by Playwright through
Debian's Chromium at a phone viewport. Service workers are allowed, and
`context.set_offline(True)` really cuts the network (the service worker's too)."""
from __future__ import annotations

import contextlib
import os
import shutil
import threading
from datetime import datetime
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.conftest import PASSWORD, Clock, Factory
from webapp import create_app
from webapp.database import upgrade_database
from webapp.extensions import db

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic"]
PHONE = {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 2,
         "is_mobile": True, "has_touch": True}
DEMO_PASSWORD = "groundwork-demo"
# The time in the browser tests' world: the demo data and the live server share it, so
# periods, quotas and "today" line up whatever day the suite runs.
BROWSER_NOW = datetime(2026, 11, 23, 15, 0, 0)


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
    if not Path(CHROMIUM).exists():
        if os.environ.get("REQUIRE_BROWSER") == "1":
            raise pytest.UsageError(f"REQUIRE_BROWSER=1 but there is no Chromium at {CHROMIUM}")
        skip = pytest.mark.skip(reason=f"no Chromium at {CHROMIUM} (apt-get install -y chromium)")
        for item in items:
            if "tests/browser" in str(item.fspath):
                item.add_marker(skip)


@pytest.fixture(scope="session")
def playwright_driver():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright_driver):
    browser = playwright_driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                                headless=True)
    yield browser
    browser.close()


@pytest.fixture
def launch_persistent(playwright_driver):
    """Start Chromium with a profile on disk (closing and reopening keeps IndexedDB, caches,
    service workers): `ctx = launch_persistent(dir, base_url=...)`. Closed at teardown."""
    opened = []

    def _launch(user_data_dir, **kwargs):
        options = {**PHONE, **kwargs}
        ctx = playwright_driver.chromium.launch_persistent_context(
            str(user_data_dir), executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True,
            **options)
        opened.append((ctx, script_errors(ctx)))
        return ctx

    errors: list[str] = []
    yield _launch
    for ctx, seen in opened:
        errors.extend(seen)
        with contextlib.suppress(Exception):
            ctx.close()
    assert not errors, "uncaught script errors:\n" + "\n".join(errors)


@pytest.fixture(scope="session")
def _migrated_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("browser-db") / "template.sqlite"
    upgrade_database(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def _demo_template(_migrated_template, tmp_path_factory):
    """A database with the demo team loaded once per session (copied per test)."""
    path = tmp_path_factory.mktemp("browser-demo") / "demo.sqlite"
    shutil.copy(_migrated_template, path)
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "SECRET_KEY": "x",
                      "CLOCK": Clock(BROWSER_NOW)})
    with app.app_context():
        from webapp.demo import load_demo_data

        load_demo_data(db.session)
        db.session.remove()
        db.engine.dispose()
    return path


class LiveServer:
    """The app on http://127.0.0.1:<free port>, with CSRF on, as a user's browser sees it."""

    def __init__(self, db_path: Path, instance: Path, briefcase_autosave: bool = False):
        self.clock = Clock(BROWSER_NOW)
        self.app = create_app({
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_path}",
            "SECRET_KEY": "browser-test-secret",
            "CLOCK": self.clock,
            "BRIEFCASE_AUTOSAVE": briefcase_autosave,
        })
        self.app.instance_path = str(instance)
        self.make = Factory()
        self._server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @contextlib.contextmanager
    def ctx(self):
        """An app context to set up or inspect data: `with live_server.ctx(): ...`."""
        with self.app.app_context():
            yield db.session
            db.session.remove()

    def sign_in(self, page, email: str, password: str = PASSWORD) -> None:
        page.goto(self.url + "/login")
        page.get_by_label("E-mail").fill(email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(lambda url: "/login" not in url)

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=5)
        with self.app.app_context():
            db.session.remove()
            db.engine.dispose()


def _serve(template: Path, request, tmp_path: Path):
    """The briefcase saves the territory by itself only in tests marked `briefcase` (those
    that read it offline): elsewhere its few hundred pages only slowed the test down."""
    db_path = tmp_path / "live.sqlite"
    shutil.copy(template, db_path)
    return LiveServer(db_path, tmp_path,
                      briefcase_autosave=request.node.get_closest_marker("briefcase") is not None)


@pytest.fixture
def live_server(_migrated_template, request, tmp_path):
    """An empty, migrated database: tests create their own users and accounts."""
    server = _serve(_migrated_template, request, tmp_path)
    yield server
    server.stop()


@pytest.fixture
def demo_server(_demo_template, request, tmp_path):
    """The demo team (manager, rep1..rep4, admin; ~300 accounts), password groundwork-demo."""
    server = _serve(_demo_template, request, tmp_path)
    yield server
    server.stop()


def script_errors(context) -> list[str]:
    """The uncaught script errors of the context's pages, as they happen: a rep would have met a
    page whose script stopped half way (what it shows, and what it should have done, missing)."""
    errors: list[str] = []

    def watch(page):
        page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))

    for page in context.pages:  # a persistent context opens with one
        watch(page)
    context.on("page", watch)
    return errors


@pytest.fixture(autouse=True)
def _no_uncaught_script_errors(request):
    """Every context a browser test opens (the phone, a second user's, one with a location)
    is watched: an uncaught script error on any of its pages fails the test."""
    if "browser" not in request.fixturenames:
        yield
        return
    browser = request.getfixturevalue("browser")
    watched: list[list[str]] = []
    opened = browser.new_context

    def new_context(**options):
        context = opened(**options)
        watched.append(script_errors(context))
        return context

    browser.new_context = new_context
    yield
    del browser.new_context
    errors = [error for seen in watched for error in seen]
    assert not errors, "uncaught script errors:\n" + "\n".join(errors)


@pytest.fixture
def phone(browser):
    """A fresh phone-sized browser context (no persistent profile)."""
    context = browser.new_context(**PHONE)
    context.set_default_timeout(10_000)
    yield context
    context.close()


@pytest.fixture
def page(phone):
    return phone.new_page()
