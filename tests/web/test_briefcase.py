"""The territory briefcase at real size (issue 13): many pages in one packed answer, exactly as
the rep gets them online, and versions in the list so a refresh fetches only what changed."""
from __future__ import annotations

import re
from datetime import date
from html.parser import HTMLParser
from urllib.parse import urlencode

from webapp.extensions import db
from webapp.models import Commitment

# A CSRF token: the session's token, signed with the second it was made (which may differ).
TOKEN = re.compile(r"(I[\w-]{20,})\.[\w-]{6}\.[\w-]{27}")

# Each form's client_id (its idempotency key) is new on every rendering.
CLIENT_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}")
# A form remembers when it was opened (milliseconds).
OPENED_MS = re.compile(r"\b1[0-9]{12}\b")


def _same(html: str) -> str:
    return OPENED_MS.sub("ms", CLIENT_ID.sub("client-id", TOKEN.sub(r"\1", html)))


def _pack(client, *paths):
    response = client.get("/offline/pack?" + urlencode([("p", p) for p in paths]))
    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]
    return {page["path"]: page for page in response.get_json()["pages"]}


def _versions(client):
    return client.get("/offline/manifest.json").get_json()["versions"]


def test_a_pack_holds_the_pages_exactly_as_the_rep_gets_them_online(client, make, login):
    rep = make.user("rep")
    account = make.account(owner=rep, name="Harbor Freight Lines")
    make.contact(account, name="Dana Whitfield")
    deal = make.opportunity(account, stage="proposal", name="Fleet telematics")
    make.note(rep, account, body="Dock 4 is being rebuilt")
    login(rep)
    body = client.get("/offline/manifest.json").get_json()
    assert body["pack"] == "/offline/pack" and body["packSize"] >= 20
    paths = [f"/accounts/{account.id}", f"/opportunities/{deal.id}", "/meetings/new",
             "/accounts/", "/accounts/index.json", "/"]
    assert set(paths) <= set(body["pages"])
    # One copy of each form for every account: the account's page holds what they show of it.
    assert not [path for path in body["pages"] if "account_id=" in path]

    pack = _pack(client, *paths)
    assert list(pack) == paths
    for path in paths:
        online = client.get(path, headers={"X-Groundwork-Briefcase": "1"})
        assert pack[path]["status"] == 200
        assert pack[path]["type"] == online.headers["Content-Type"]
        assert _same(pack[path]["body"]) == _same(online.get_data(as_text=True)), path
    page = pack[f"/accounts/{account.id}"]
    assert page["user"] == str(rep.id)
    assert "Dana Whitfield" in page["body"] and "Dock 4 is being rebuilt" in page["body"]
    assert 'name="account_id"' in pack["/meetings/new"]["body"]


def test_a_pack_never_holds_what_the_rep_may_not_open_or_what_is_not_a_briefcase_page(
        client, make, login):
    rep, other = make.user("rep"), make.user("rep")
    theirs = make.account(owner=other, name="Someone Else's Account")
    admin_only = "/admin/users"
    response = client.get("/offline/pack?p=/accounts/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    login(rep)
    pack = _pack(client, f"/accounts/{theirs.id}", admin_only, "/logout", "/offline/pack",
                 "https://example.com/accounts/", "/nowhere")
    assert all("body" not in page for page in pack.values())
    assert pack[f"/accounts/{theirs.id}"]["status"] == 404
    assert {page["status"] for page in pack.values()} == {404}


def test_a_pack_costs_the_same_queries_per_page_whatever_its_size(client, make, login,
                                                                  count_queries):
    rep = make.user("rep")
    accounts = [make.account(owner=rep) for _ in range(8)]
    for account in accounts:
        make.opportunity(account, stage="proposal")
        make.contact(account)
    login(rep)
    paths = [f"/accounts/{a.id}" for a in accounts]
    client.get(paths[0])
    with count_queries() as one:
        _pack(client, paths[0])
    with count_queries() as two:
        _pack(client, *paths[:2])
    with count_queries() as eight:
        _pack(client, *paths)
    per_page = two.count - one.count
    assert per_page <= 8
    assert eight.count - one.count == 7 * per_page


def test_a_change_at_an_account_changes_its_pages_versions_only(client, make, login, clock):
    rep = make.user("rep")
    changed, quiet = make.account(owner=rep), make.account(owner=rep)
    deal = make.opportunity(changed, stage="proposal")
    quiet_deal = make.opportunity(quiet, stage="proposal")
    login(rep)
    first = _versions(client)
    pages = [f"/accounts/{changed.id}", f"/opportunities/{deal.id}"]
    quiet_pages = [f"/accounts/{quiet.id}", f"/opportunities/{quiet_deal.id}"]
    assert set(pages + quiet_pages) <= set(first)
    assert "/" not in first and "/accounts/" not in first  # fetched every time
    assert _versions(client) == first

    def changes(do) -> set[str]:
        before = _versions(client)
        do()
        after = _versions(client)
        return {path for path in after if after[path] != before[path]}

    expected = set(pages)
    assert changes(lambda: make.note(rep, changed)) == expected
    assert changes(lambda: make.contact(changed)) == expected
    meeting = make.meeting(changed, rep)
    assert changes(lambda: (db.session.add(Commitment(
        account_id=changed.id, meeting_id=meeting.id, party="ours", description="Send pricing",
        due_on=date(2026, 12, 1))), db.session.commit())) == expected

    def move_deal():
        deal.stage = "negotiation"
        db.session.commit()
    assert changes(move_deal) == expected

    def rename():
        changed.name = "Renamed Inc"
        db.session.commit()
    assert changes(rename) == expected
    # The next day (relative dates), everything is fetched again.
    clock.advance(days=1)
    assert all(version != first[path] for path, version in _versions(client).items())


def test_an_account_handed_to_another_rep_leaves_the_list_and_its_pack_page_is_gone(
        client, make, login):
    rep, other = make.user("rep"), make.user("rep")
    account = make.account(owner=rep)
    login(rep)
    assert f"/accounts/{account.id}" in _versions(client)
    account.owner_id = other.id
    db.session.commit()
    assert f"/accounts/{account.id}" not in _versions(client)
    assert _pack(client, f"/accounts/{account.id}")[f"/accounts/{account.id}"]["status"] == 404


class _Element(HTMLParser):
    """The outer HTML of the element with `id` (the first), as written in the page."""

    def __init__(self, html: str, id_: str):
        super().__init__(convert_charrefs=False)
        self.html, self.id, self.tag, self.depth, self.span = html, id_, None, 0, None
        self.lines = [0] + [i + 1 for i, c in enumerate(html) if c == "\n"]
        self.feed(html)

    def _at(self) -> int:
        line, column = self.getpos()
        return self.lines[line - 1] + column

    def handle_starttag(self, tag, attrs):
        if self.tag is None and ("id", self.id) in attrs:
            self.tag, self.depth, self.span = tag, 1, [self._at(), None]
        elif tag == self.tag and self.span[1] is None:
            self.depth += 1

    def handle_endtag(self, tag):
        if tag == self.tag and self.span[1] is None:
            self.depth -= 1
            if self.depth == 0:
                self.span[1] = self._at() + len(f"</{tag}>")

    def outer(self) -> str:
        assert self.span and self.span[1], f"no #{self.id}"
        return self.html[self.span[0]:self.span[1]]


def _parts(html: str) -> str:
    return html.split("<template data-account-parts>", 1)[1].split("</template>", 1)[0]


def test_an_account_page_holds_its_forms_parts_exactly_as_the_forms_show_them(client, make, login):
    """Offline, the one saved copy of the log-meeting form (and of the deal and contact forms)
    takes its account's parts from the account's saved page: they must be what the form shows
    for that account online, for an account met before and one never met."""
    rep = make.user("rep")
    met = make.account(owner=rep, name="Harbor & Sons", city="Tacoma")
    make.contact(met, name="Dana Whitfield")
    make.contact(met, name="Ana Ruiz")
    make.contact(met, name="Gone Person", left_on=date(2026, 1, 5))
    make.opportunity(met, stage="proposal", name="Fleet telematics")
    make.opportunity(met, stage="closed_won", name="Old win")
    make.meeting(met, rep)
    new = make.account(owner=rep, name="Quiet Prospect")
    login(rep)
    for account, first in ((met, False), (new, True)):
        page = client.get(f"/accounts/{account.id}").get_data(as_text=True)
        form = client.get(f"/meetings/new?account_id={account.id}").get_data(as_text=True)
        parts = _parts(page)
        for part in ("form-account", "meeting-contacts", "meeting-about"):
            assert _Element(parts, part).outer() == _Element(form, part).outer(), part
        assert ('id="is_first_meeting" name="is_first_meeting" type="checkbox" value="y" checked'
                in parts) is first
    parts = _parts(client.get(f"/accounts/{met.id}").get_data(as_text=True))
    assert "Dana Whitfield" in parts and "Ana Ruiz" in parts and "Gone Person" not in parts
    assert "Fleet telematics" in parts and "Old win" not in parts
    assert "Harbor &amp; Sons</b> · Tacoma" in parts
    # The deal and contact forms keep the same part for the account they are opened for.
    for form in ("/opportunities/new", "/contacts/new"):
        html = client.get(form).get_data(as_text=True)
        assert 'id="account-q"' in _Element(html, "form-account").outer(), form
