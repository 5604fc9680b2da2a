"""Several app servers behind a load balancer: two gunicorns on different ports against one
PostgreSQL (the same SECRET_KEY), and a client that goes to one, then the other. Whatever
server a request lands on, the rep is signed in (or out) the same, a CSRF token from one is
good on the other, a replayed write is stored once, an import started on one is followed on
the other, and an export requested on one downloads from the other to the last row."""
from __future__ import annotations

import re
import threading
import time
import uuid

import pytest
import requests
from sqlalchemy import func, select

from tests.conftest import PASSWORD
from tests.support.appserver import AppServer, OutboxClient
from webapp.extensions import db
from webapp.models import Account, ClientWrite, Note

# Several app servers share one PostgreSQL database (SQLite is for one machine).
pytestmark = pytest.mark.backend("postgresql")

POLLING = 'hx-trigger="every 1s"'


@pytest.fixture(scope="module")
def _servers(database_url, tmp_path_factory):
    """Two app servers for the module (starting gunicorn is the slow part)."""
    logs = tmp_path_factory.mktemp("two-servers")
    servers = [AppServer(database_url, log=logs / f"gunicorn-{n}.log") for n in "ab"]
    for server in servers:
        server.start()
    yield servers
    for server in servers:
        server.stop()


@pytest.fixture
def two_servers(_servers, app, ctx):
    """A and B (restarted if a test killed one); `app` empties the tables afterwards."""
    for server in _servers:
        if server.process is None:
            server.start()
    return _servers


@pytest.fixture
def team(make):
    """(manager e-mail, rep e-mail, rep id, account id): plain values, usable from threads."""
    manager = make.user("manager", name="Maya Manager")
    rep = make.user("rep", manager=manager, name="Ana Alvarez")
    account = make.account(owner=rep, name="Acme Foundry")
    return manager.email, rep.email, rep.id, account.id


def count(model, *where) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def form_choices(page: str) -> dict[str, str]:
    """The import page's mapping form as shown (each select's chosen option)."""
    data = {}
    for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', page, re.S):
        chosen = (re.search(r'<option selected value="([^"]*)"', body)
                  or re.search(r'<option value="([^"]*)" selected', body))
        data[name] = chosen.group(1) if chosen else ""
    return data


def follow(client: OutboxClient, url: str, timeout: float = 60) -> str:
    """Poll the import's page as htmx does until the runner is done; the whole page."""
    deadline = time.monotonic() + timeout
    while POLLING in client.page(url, headers={"HX-Request": "true"}).text:
        assert time.monotonic() < deadline, "the import did not finish"
        time.sleep(0.1)
    return client.page(url).text


def test_a_rep_moves_between_two_servers_without_noticing(two_servers, team):
    a, b = two_servers
    _manager, rep_email, rep_id, account_id = team
    phone = OutboxClient(a.url, rep_email, PASSWORD)
    assert phone.sign_in() == 303

    # The session made on A is good on B.
    phone.switch_to(b.url)
    today = phone.page("/")
    assert today.status_code == 200 and f'data-user="{rep_id}"' in today.text

    # A CSRF token handed out by B is accepted by A, and a forged one is not.
    assert phone.fetch_session() == "ok"
    phone.switch_to(a.url)
    key = str(uuid.uuid4())
    fields = [("account_id", str(account_id)), ("body", "Loading dock is round the back.")]
    first = phone.send("/notes/new", fields, key)
    assert first.status == 303
    assert phone.send("/notes/new", fields, str(uuid.uuid4()), token="forged").status == 400

    # The same write replayed on the other server is answered the same and stored once.
    phone.switch_to(b.url)
    again = phone.send("/notes/new", fields, key)
    assert again.status == 303 and again.location == first.location
    assert count(Note, Note.uuid == key) == 1
    assert count(ClientWrite, ClientWrite.key == key) == 1

    # Two phones replay one write on both servers at once: still one note.
    key = str(uuid.uuid4())
    answers = []

    def replay(url):
        tab = OutboxClient(url, rep_email, PASSWORD)
        tab.http.cookies.update(phone.http.cookies)
        tab.token = phone.token
        answers.append(tab.send("/notes/new", fields, key))

    threads = [threading.Thread(target=replay, args=(url,)) for url in (a.url, b.url)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert [x.status for x in answers] == [303, 303]
    assert count(Note, Note.uuid == key) == 1

    # Signing out everywhere on B ends the session on A too.
    laptop = OutboxClient(b.url, rep_email, PASSWORD)
    assert laptop.sign_in() == 303
    assert laptop.sign_out_everywhere() == 303
    phone.switch_to(a.url)
    assert phone.page("/").status_code == 302
    assert phone.fetch_session() == "signin"
    phone.switch_to(b.url)
    assert phone.page("/").status_code == 302


def test_an_import_started_on_one_server_is_followed_on_the_other(two_servers, team):
    a, b = two_servers
    manager_email, _rep_email, rep_id, _account_id = team
    desk = OutboxClient(a.url, manager_email, PASSWORD)
    assert desk.sign_in() == 303
    rows = 300
    csv = "Account ID,Account Name,Billing City,Industry\n" + "".join(
        f"MS-{n},Twoserver {n},Peoria,Manufacturing\n" for n in range(rows))
    token = desk.form_token("/imports/")
    upload = desk.http.post(a.url + "/imports/", allow_redirects=False, timeout=30,
                            data={"kind": "auto", "csrf_token": token},
                            files={"file": ("accounts.csv", csv.encode(), "text/csv")})
    assert upload.status_code == 303, upload.text[:500]
    page_path = upload.headers["Location"]

    # A's runner checks it; B shows the result.
    desk.switch_to(b.url)
    page = follow(desk, page_path)
    assert f"{rows:,} rows: <b>{rows:,}</b> new" in page
    # Import on B (its runner does the work), followed on A.
    choices = form_choices(page) | {"default_owner": str(rep_id), "action": "import",
                                    "csrf_token": desk.form_token(page_path)}
    started = desk.http.post(b.url + page_path, data=choices, allow_redirects=False, timeout=30)
    assert started.status_code == 303
    desk.switch_to(a.url)
    done = follow(desk, page_path)
    assert '<h2 id="result-title">Imported</h2>' in done
    assert count(Account, Account.external_id.like("MS-%")) == rows



def test_an_export_requested_on_one_server_downloads_from_the_other_to_the_last_row(
        two_servers, team, make):
    a, b = two_servers
    manager_email, _rep_email, rep_id, _account_id = team
    rows = 1500  # more than the export's batch of 1,000
    db.session.add_all(Account(name=f"Exported {n}", city="Peoria", industry="Retail",
                               owner_id=rep_id) for n in range(rows))
    db.session.commit()
    desk = OutboxClient(a.url, manager_email, PASSWORD)
    assert desk.sign_in() == 303
    # Requested (and recorded) on A, downloaded from B.
    asked = desk.http.post(a.url + "/imports/export/accounts.csv", allow_redirects=False,
                           timeout=30, data={"csrf_token": desk.form_token("/imports/")})
    assert asked.status_code == 303
    desk.switch_to(b.url)
    download = desk.page(asked.headers["Location"])
    assert download.status_code == 200
    lines = download.text.splitlines()
    assert len(lines) == 1 + rows + 1  # the header, the new accounts, Acme Foundry
    assert sum("Exported " in line for line in lines) == rows


def test_a_server_that_is_down_does_not_lose_the_session_on_the_other(two_servers, team):
    a, b = two_servers
    _manager, rep_email, rep_id, account_id = team
    phone = OutboxClient(a.url, rep_email, PASSWORD)
    assert phone.sign_in() == 303 and phone.fetch_session() == "ok"
    a.kill()
    with pytest.raises(requests.ConnectionError):
        phone.page("/")
    phone.switch_to(b.url)  # the load balancer sends the next request to B
    key = str(uuid.uuid4())
    answer = phone.send("/notes/new", [("account_id", str(account_id)), ("body", "From B")], key)
    assert answer.status == 303
    assert count(Note, Note.uuid == key) == 1
