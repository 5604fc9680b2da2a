"""Pages the phone keeps (`private, no-cache`) carry an ETag of their own body: a revalidation
of an unchanged page is a 304 with no body, a changed page or another user's page is sent in
full, and admin pages (`no-store`) get no validator (issue 13, item 3)."""
from __future__ import annotations

import time

import brotli
from flask import g
from itsdangerous import TimestampSigner


def test_an_unchanged_account_page_is_a_304_and_a_changed_one_is_sent(client, make, login,
                                                                      monkeypatch):
    rep = make.user()
    account = make.account(owner=rep, name="Harbor Freight Depot")
    login(rep)
    url = f"/accounts/{account.id}"
    first = client.get(url, headers={"Accept-Encoding": "br"})
    assert first.status_code == 200 and first.headers["Content-Encoding"] == "br"
    tag = first.headers["ETag"].strip('"')
    assert tag.endswith(":br")  # the compressed copy's own tag

    # A minute later: the page's CSRF token is signed with another time, still the same page.
    later = int(time.time()) + 60
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: later)
    g.pop("csrf_token", None)  # the test's app context outlives a request: sign anew
    again = client.get(url, headers={"Accept-Encoding": "br", "If-None-Match": f'"{tag}"'})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == first.headers["ETag"]
    assert again.headers["Cache-Control"] == "private, no-cache"

    make.note(rep, account, body="Loading dock moved to the north side")
    changed = client.get(url, headers={"Accept-Encoding": "br", "If-None-Match": f'"{tag}"'})
    assert changed.status_code == 200
    assert "Loading dock moved to the north side" in brotli.decompress(changed.data).decode()
    assert changed.headers["ETag"] != first.headers["ETag"]


def test_the_territory_list_and_index_revalidate_uncompressed_too(client, make, login):
    rep = make.user()
    for i in range(5):
        make.account(owner=rep, name=f"Account {i}")
    login(rep)
    for url in ("/accounts/", "/accounts/index.json"):
        first = client.get(url)
        assert first.status_code == 200 and first.data
        again = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
        assert again.status_code == 304 and again.data == b"", url


def test_another_users_tag_never_answers_for_my_page(client, app, make, login):
    manager = make.user("manager")
    rep = make.user(manager=manager)
    account = make.account(owner=rep, name="Shared Account")
    url = f"/accounts/{account.id}"
    login(manager)
    managers = client.get(url)
    assert managers.status_code == 200
    other = app.test_client()
    login(rep, client=other)
    reps = other.get(url, headers={"If-None-Match": managers.headers["ETag"]})
    assert reps.status_code == 200 and b"Shared Account" in reps.data
    assert reps.headers["ETag"] != managers.headers["ETag"]


def test_admin_pages_and_writes_get_no_validator(client, make, login):
    admin = make.user("admin")
    login(admin)
    page = client.get("/admin/users")
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store" and "ETag" not in page.headers
    assert client.get("/accounts/new").headers.get("ETag")  # a form the phone keeps: tagged
    answer = client.post("/accounts/new", data={"name": ""})
    assert "ETag" not in answer.headers
