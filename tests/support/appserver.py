"""The app as `make run` starts it (gunicorn, two workers, four threads each) on a free
loopback port, and a client that talks to it the way the offline outbox does
(service_worker/outbox.js): the session's CSRF token from /sync/token, then form posts with
`client_id`, `csrf_token`, `X-CSRFToken` and `X-Groundwork-Outbox: 1`, never following the 303.

Used by the fault campaign, the load bench and the several-servers test. Loopback only."""
from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")
READY_TIMEOUT = 45.0  # seconds for a (re)started server to answer; two cores, many processes
REQUEST_TIMEOUT = 20.0
_TOKEN_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def sqlalchemy_url(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


@contextmanager
def throwaway_postgres(admin_url: str, prefix: str = "gw_bench") -> Iterator[str]:
    """A new, empty PostgreSQL database next to `admin_url`'s; dropped afterwards."""
    admin_url = sqlalchemy_url(admin_url)
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


class AppServer:
    """`gunicorn --workers 2 --threads 4 --bind 127.0.0.1:<port> "webapp:create_app()"` (the
    command `make run` runs) in its own process group, so a SIGKILL takes master and workers."""

    def __init__(self, database_url: str, *, port: int | None = None, workers: int = 2,
                 threads: int = 4, secret_key: str = "campaign-shared-secret",
                 env: dict[str, str] | None = None, log: Path | None = None):
        self.database_url = database_url
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.workers = workers
        self.threads = threads
        self.env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": secret_key,
                    **(env or {})}
        self.log = log
        self.process: subprocess.Popen | None = None
        self.starts = 0

    def start(self) -> "AppServer":
        command = [str(GUNICORN), "--workers", str(self.workers), "--threads", str(self.threads),
                   "--bind", f"127.0.0.1:{self.port}", "--graceful-timeout", "5",
                   "webapp:create_app()"]
        out = open(self.log, "ab") if self.log else subprocess.DEVNULL
        self.process = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=out,
                                        stderr=subprocess.STDOUT, start_new_session=True)
        if self.log:
            out.close()
        self.starts += 1
        self.wait_ready()
        return self

    def wait_ready(self, timeout: float = READY_TIMEOUT) -> float:
        """Poll until the server answers a page (both workers booted); the seconds it took."""
        started = time.monotonic()
        deadline = started + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}"
                                   + (f":\n{self.log.read_text()[-3000:]}" if self.log else ""))
            try:
                if requests.get(self.url + "/login", timeout=2).status_code == 200:
                    if len(self.worker_pids()) >= self.workers:
                        return time.monotonic() - started
            except requests.RequestException:
                pass
            time.sleep(0.05)
        raise TimeoutError(f"{self.url} did not answer within {timeout:.0f} s")

    def worker_pids(self) -> list[int]:
        if self.process is None:
            return []
        try:
            children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
            return [int(pid) for pid in children.read_text().split()]
        except (OSError, ValueError):
            return []

    def kill(self) -> None:
        """SIGKILL the master and its workers at once (a power cut, an OOM kill)."""
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(timeout=10)
        self.process = None

    def kill_worker(self) -> int | None:
        """SIGKILL one worker; the master starts another. The worker's pid, if there was one."""
        pids = self.worker_pids()
        if not pids:
            return None
        os.kill(pids[0], signal.SIGKILL)
        return pids[0]

    def restart(self) -> "AppServer":
        self.kill()
        return self.start()

    def stop(self) -> None:
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=15)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            self.kill()
        self.process = None


@dataclass
class Answer:
    status: int | None  # None: no answer (connection refused or cut)
    location: str = ""
    replay: bool = False  # answered from the replay ledger

    @property
    def confirmed(self) -> bool:
        return self.status == 303


class OutboxClient:
    """One phone: a cookie jar, and requests shaped as outbox.js sends them."""

    def __init__(self, base_url: str, email: str, password: str):
        self.base_url = base_url
        self.email = email
        self.password = password
        self.http = requests.Session()
        self.token: str | None = None
        self.user_id: str | None = None

    def switch_to(self, base_url: str) -> None:
        """Talk to another app server with the same cookies (a load balancer's next pick)."""
        self.base_url = base_url

    def page(self, path: str, **kwargs) -> requests.Response:
        return self.http.get(self.base_url + path, timeout=REQUEST_TIMEOUT,
                             allow_redirects=False, **kwargs)

    def form_token(self, path: str) -> str:
        match = _TOKEN_FIELD.search(self.page(path).text)
        assert match, f"no CSRF field on {path}"
        return match.group(1)

    def sign_in(self) -> int:
        """The sign-in form as a person fills it in; the status (303 when signed in)."""
        token = self.form_token("/login")
        response = self.http.post(self.base_url + "/login", timeout=REQUEST_TIMEOUT,
                                  allow_redirects=False,
                                  data={"email": self.email, "password": self.password,
                                        "csrf_token": token, "next": ""})
        self.token = None
        return response.status_code

    def fetch_session(self) -> str:
        """outbox.js fetchSession(): 'ok' (token kept), 'signin' or 'retry'."""
        response = self.http.get(self.base_url + "/sync/token", timeout=REQUEST_TIMEOUT,
                                 allow_redirects=False,
                                 headers={"Accept": "application/json", "X-Groundwork-Outbox": "1"})
        if response.status_code in (401, 403) or response.is_redirect:
            return "signin"
        if not response.ok:
            return "retry"
        body = response.json()
        self.token, self.user_id = body["csrf_token"], str(body["user_id"])
        return "ok"

    def send(self, action: str, fields: list[tuple[str, str]], client_id: str,
             token: str | None = None) -> Answer:
        """outbox.js send(): one POST of a queued entry. Never raises on a cut connection."""
        token = self.token if token is None else token
        body = [(k, v) for k, v in fields if k not in ("client_id", "csrf_token")]
        body += [("client_id", client_id), ("csrf_token", token or "")]
        try:
            response = self.http.post(
                self.base_url + action, data=body, timeout=REQUEST_TIMEOUT,
                allow_redirects=False,
                headers={"X-CSRFToken": token or "", "X-Groundwork-Outbox": "1",
                         "Accept": "text/html"})
        except requests.RequestException:
            return Answer(None)
        return Answer(response.status_code, response.headers.get("Location", ""),
                      response.headers.get("X-Groundwork-Replay") == "original")

    def sign_out_everywhere(self) -> int:
        """The status of "Sign out everywhere" (303), or of the page it is on (302 to sign-in
        when this session has ended already)."""
        page = self.page("/account/password")
        match = _TOKEN_FIELD.search(page.text)
        if page.status_code != 200 or not match:
            return page.status_code
        token = match.group(1)
        response = self.http.post(self.base_url + "/logout/everywhere", timeout=REQUEST_TIMEOUT,
                                  allow_redirects=False, data={"csrf_token": token},
                                  headers={"X-CSRFToken": token})
        return response.status_code
