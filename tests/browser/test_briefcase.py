"""The territory briefcase at real size (issue 13): saved in packs of many pages, refreshed with
only what changed since, and what the rep may no longer open is dropped from the phone."""
from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.conftest import DEMO_PASSWORD
from webapp.database import unit_of_work
from webapp.models import Account, User
from webapp.services.notes import add_note

pytestmark = pytest.mark.briefcase  # each test reads the territory the briefcase saved

RESULT = re.compile(r"\d+ accounts? available offline, [\d.]+ [KM]B")


def test_a_refresh_brings_only_what_changed_and_drops_what_left(demo_server, page, phone):
    with demo_server.ctx() as session:
        rep = session.scalar(select(User).where(User.email == "rep1@example.com"))
        accounts = session.execute(select(Account.id, Account.name)
                                   .where(Account.owner_id == rep.id).order_by(Account.id)).all()
    (changed_id, changed_name), (handed_id, handed_name), (quiet_id, quiet_name) = accounts[:3]

    requests = []
    phone.on("request", lambda request: requests.append(request.url))
    demo_server.sign_in(page, "rep1@example.com", DEMO_PASSWORD)
    page.goto(demo_server.url + "/more")
    expect(page.locator("[data-briefcase-result]")).to_have_text(RESULT, timeout=60_000)
    first = page.evaluate("async () => (await GroundworkBriefcase.status()).summary")
    assert first["accounts"] == len(accounts) and first["failed"] == 0
    assert first["fetched"] == first["pages"] > len(accounts)
    packs = [url for url in requests if "/offline/pack?" in url]
    # Many pages per request: not one request per page.
    assert 0 < len(packs) <= first["pages"] / 20
    assert not [url for url in requests if re.search(rf"/accounts/{quiet_id}$", url)]

    # Meanwhile, on the server: a note at one account, another account handed to a colleague.
    with demo_server.ctx() as session:
        rep = session.get(User, rep.id)
        with unit_of_work(session):
            add_note(session, rep, body="Loading dock moves to Gate 7 in March",
                     client_id=str(uuid.uuid4()), account=session.get(Account, changed_id))
        colleague = session.scalar(select(User).where(User.email == "rep2@example.com"))
        session.get(Account, handed_id).owner_id = colleague.id
        session.commit()

    again = page.evaluate("() => GroundworkBriefcase.refresh()")
    assert again["accounts"] == len(accounts) - 1 and again["failed"] == 0
    # The changed account's page and forms, and the pages without a version (Today, lists).
    assert again["unchanged"] > len(accounts)
    assert 4 <= again["fetched"] <= 40
    expect(page.locator("[data-briefcase-result]")).to_contain_text(
        f"{len(accounts) - 1} accounts available offline")

    phone.set_offline(True)
    page.goto(f"{demo_server.url}/accounts/{changed_id}")
    expect(page.locator(".offline-copy")).to_contain_text("Offline copy from")
    expect(page.get_by_role("heading", level=1)).to_contain_text(changed_name)
    expect(page.get_by_text("Loading dock moves to Gate 7 in March")).to_be_visible()
    page.goto(f"{demo_server.url}/accounts/{quiet_id}")
    expect(page.get_by_role("heading", level=1)).to_contain_text(quiet_name)
    expect(page.locator(".offline-copy")).to_be_visible()
    # Its own form still knows the account offline.
    page.goto(f"{demo_server.url}/meetings/new?account_id={quiet_id}")
    expect(page.locator("main .picked")).to_contain_text(quiet_name)
    # The account now someone else's is no longer on the phone.
    page.goto(f"{demo_server.url}/accounts/{handed_id}")
    expect(page.get_by_role("heading", name="You're offline")).to_be_visible()
    expect(page.get_by_text(handed_name)).to_have_count(0)


def test_with_autosave_off_the_territory_is_saved_when_the_rep_taps(demo_server, page):
    demo_server.app.config["BRIEFCASE_AUTOSAVE"] = False  # a team on metered data
    demo_server.sign_in(page, "rep1@example.com", DEMO_PASSWORD)
    page.goto(demo_server.url + "/more")
    result = page.locator("[data-briefcase-result]")
    expect(result).to_have_text("Your territory is not saved on this phone yet.")
    page.goto(demo_server.url + "/")  # another page after sign-in: still nothing saved
    page.goto(demo_server.url + "/more")
    expect(result).to_have_text("Your territory is not saved on this phone yet.")
    state = page.evaluate("() => GroundworkBriefcase.status()")
    assert not state.get("summary") and not state.get("progress")  # neither saved nor saving

    page.get_by_role("button", name="Save territory offline").click()
    expect(result).to_have_text(RESULT, timeout=60_000)
