"""Offline reading (issue 3, test a): the rep saves the territory, loses signal, and still opens
Today, the territory list and account after account, each marked as an offline copy; signing
out leaves nothing behind; a new version waits until the rep asks for it."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.conftest import DEMO_PASSWORD
from webapp.models import Account, User

RESULT = re.compile(r"\d+ accounts? available offline, [\d.]+ [KM]B")


def _saved_territory(server, page):
    """Sign in as rep1 and wait for the briefcase to finish (followed from the More page)."""
    server.sign_in(page, "rep1@example.com", DEMO_PASSWORD)
    page.goto(server.url + "/more")
    result = page.locator("[data-briefcase-result]")
    expect(result).to_have_text(RESULT, timeout=60_000)
    return result.inner_text()


def _personal_caches(page) -> list[str]:
    return page.evaluate(
        "async () => (await caches.keys()).filter(n => /^gw-(pages|frags)-|^gw-meta$/.test(n))")


@pytest.mark.briefcase
def test_rep_reads_territory_offline_after_saving_it(demo_server, page, phone):
    with demo_server.ctx() as session:
        rep = session.scalar(select(User).where(User.email == "rep1@example.com"))
        accounts = session.execute(
            select(Account.id, Account.name).where(Account.owner_id == rep.id).order_by(Account.id)
        ).all()
    assert len(accounts) >= 20

    summary = _saved_territory(demo_server, page)
    assert summary.startswith(f"{len(accounts)} accounts available offline")

    fragment = "() => fetch('/accounts/', {headers: {'HX-Request': 'true'}}).then(r => r.text())"
    online_fragment = page.evaluate(fragment)

    phone.set_offline(True)
    for account_id, name in accounts[:20]:
        page.goto(f"{demo_server.url}/accounts/{account_id}")
        expect(page.get_by_role("heading", level=1)).to_contain_text(name)
        expect(page.locator(".offline-copy")).to_contain_text("Offline copy from")

    page.goto(demo_server.url + "/accounts/")
    expect(page.locator(".offline-copy")).to_contain_text("Offline copy from")
    for _, name in accounts[20:25]:
        expect(page.get_by_text(name, exact=False).first).to_be_visible()
    # The same URL as an htmx fragment is kept apart from the page (Vary: HX-Request).
    expect(page.locator("nav.bottom")).to_be_visible()
    assert page.evaluate(fragment) == online_fragment

    page.goto(demo_server.url + "/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Today")
    expect(page.locator(".offline-copy")).to_be_visible()

    # The briefcase keeps each account's forms: offline the form names its account.
    page.goto(f"{demo_server.url}/meetings/new?account_id={accounts[3][0]}")
    expect(page.locator(".offline-copy")).to_be_visible()
    expect(page.locator("main .picked")).to_contain_text(accounts[3][1])
    expect(page.locator("input[name=account_id]")).to_have_value(str(accounts[3][0]))

    # A page that was never saved: the offline page, listing what is.
    page.goto(demo_server.url + "/accounts/999999")
    expect(page.get_by_role("heading", name="You're offline")).to_be_visible()
    expect(page.locator("[data-offline-list]")).to_contain_text(accounts[0][1])

    # htmx keeps no history snapshots of data pages in localStorage.
    assert page.evaluate("() => Object.keys(localStorage)") == []

    phone.set_offline(False)
    page.goto(demo_server.url + "/more")
    page.get_by_role("button", name="Sign out", exact=True).click()
    page.wait_for_url(re.compile(r"/login"))
    assert _personal_caches(page) == []

    phone.set_offline(True)
    page.goto(f"{demo_server.url}/accounts/{accounts[0][0]}")
    expect(page.get_by_role("heading", name="You're offline")).to_be_visible()
    expect(page.get_by_text(accounts[0][1])).to_have_count(0)


@pytest.mark.briefcase
def test_another_rep_never_sees_the_previous_reps_saved_pages(demo_server, page, phone):
    with demo_server.ctx() as session:
        rep1 = session.scalar(select(User).where(User.email == "rep1@example.com"))
        first = session.execute(select(Account.id, Account.name)
                                .where(Account.owner_id == rep1.id).limit(1)).one()
    _saved_territory(demo_server, page)
    # rep1's session ends without signing out (cookie dropped); rep2 signs in on the phone.
    phone.clear_cookies()
    demo_server.sign_in(page, "rep2@example.com", DEMO_PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Today")
    page.wait_for_function(
        "async () => !(await caches.keys()).some(n => n.endsWith('-u' + %d))" % rep1.id)

    phone.set_offline(True)
    page.goto(f"{demo_server.url}/accounts/{first.id}")
    expect(page.get_by_role("heading", name="You're offline")).to_be_visible()
    expect(page.get_by_text(first.name)).to_have_count(0)


def test_new_version_waits_for_update_now_and_never_during_a_replay(demo_server, page, tmp_path):
    import shutil

    from webapp.pwa import ROOT

    source = tmp_path / "sw"
    shutil.copytree(ROOT / "service_worker", source)
    demo_server.app.config["SERVICE_WORKER_DIR"] = str(source)
    demo_server.sign_in(page, "rep1@example.com", DEMO_PASSWORD)
    page.wait_for_function("async () => !!(await navigator.serviceWorker.ready).active")
    page.reload()
    page.wait_for_function("() => !!navigator.serviceWorker.controller", timeout=60_000)
    update = page.get_by_role("button", name="Update now")
    expect(update).to_have_count(0)  # the first install is not an update
    old_version = _controller_version(page)

    (source / "routes.js").write_text((source / "routes.js").read_text() + "\n// deploy 2\n")
    page.reload()
    expect(update).to_be_visible(timeout=15_000)
    assert _controller_version(page) == old_version  # the new version waits

    # The outbox is replaying (it holds its lock): the update holds back until it is done.
    page.evaluate("""() => { navigator.locks.request('groundwork-outbox',
        () => new Promise((resolve) => { window.finishReplay = resolve; })); }""")
    page.wait_for_function("() => typeof window.finishReplay === 'function'")
    page.evaluate("""() => { const outbox = window.GroundworkOutbox;
        const busy = outbox.isReplayingAnywhere;
        window.updateChecks = 0;
        outbox.isReplayingAnywhere = function () {
            window.updateChecks += 1; return busy.apply(this, arguments); }; }""")
    update.click()
    expect(page.get_by_text("Finishing sync first")).to_be_visible()
    # It asks again a second later, and holds back again.
    page.wait_for_function("() => window.updateChecks >= 2")
    assert _controller_version(page) == old_version

    with page.expect_navigation(timeout=30_000):  # the new worker activates, then the reload
        page.evaluate("() => window.finishReplay()")
    page.wait_for_function("() => !!navigator.serviceWorker.controller", timeout=60_000)
    assert _controller_version(page) != old_version
    expect(update).to_have_count(0)


def _controller_version(page) -> str:
    return page.evaluate("""() => new Promise((resolve) => {
        const channel = new MessageChannel();
        channel.port1.onmessage = (event) => resolve(event.data.version);
        navigator.serviceWorker.controller.postMessage({type: 'version'}, [channel.port2]);
    })""")


@pytest.mark.briefcase
def test_signing_out_with_unsynced_changes_asks_first(demo_server, page, phone):
    _saved_territory(demo_server, page)
    phone.set_offline(True)
    page.evaluate("""() => GroundworkOutbox.add({id: GroundworkOutbox.newId(), kind: 'note',
        action: '/notes/new', fields: [['body', 'Parking garage on 5th']], summary: 'Note'})""")
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.evaluate("""() => { const confirm = window.confirm; window.answered = 0;
        window.confirm = (message) => { const yes = confirm(message); window.answered += 1;
                                        return yes; }; }""")
    page.get_by_role("button", name="Sign out", exact=True).click()
    page.wait_for_function("() => window.answered === 1")  # the question was answered: No
    expect(page.locator("[data-briefcase-result]")).to_be_visible()
    assert asked and "1 change" in asked[0]
    assert page.url.endswith("/more")
    assert _personal_caches(page)  # cancelled: nothing was wiped
