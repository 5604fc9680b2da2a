"""The CSV export downloaded from a real server, read to the last row (issue 11, defect 1:
on PostgreSQL the body ended after the header once the request's transaction was gone)."""
from __future__ import annotations

import csv
import io

import requests
from sqlalchemy import insert

from tests.conftest import PASSWORD
from tests.support.server import serving
from webapp.extensions import db
from webapp.models import Account

ROWS = 2_345  # more than two of the export's pages


def test_a_manager_downloads_every_account_through_a_real_server(app, make):
    manager = make.user("manager", name="Maya Manager")
    rep = make.user("rep", manager=manager, email="ana@example.com")
    db.session.execute(insert(Account), [
        {"name": f"Account {n:05d}", "external_id": f"A{n:05d}", "owner_id": rep.id,
         "city": "Chicago"} for n in range(ROWS)])
    email = manager.email
    db.session.commit()  # and hold nothing: on SQLite this session would lock the server out
    with serving(app) as base, requests.Session() as browser:
        signed_in = browser.post(f"{base}/login", allow_redirects=False, timeout=30,
                                 data={"email": email, "password": PASSWORD})
        assert signed_in.status_code == 303
        download = browser.post(f"{base}/imports/export/accounts.csv", timeout=60)
        assert download.status_code == 200
        assert download.headers["Content-Type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert len(rows) == ROWS
    assert [r["Account ID"] for r in rows] == [f"A{n:05d}" for n in range(ROWS)]
    assert rows[-1]["Account Name"] == f"Account {ROWS - 1:05d}"
    assert {r["Account Owner"] for r in rows} == {"ana@example.com"}
