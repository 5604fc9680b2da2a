"""Importing a big CSV file on a phone-sized Chromium: the upload's progress, then the check's
and the import's progress on the page, which follows the background work by itself (htmx
polling), until the accounts are there. The runner is left to the test (IMPORT_RUNNER=worker)
so each stage can be seen; the request-level tests cover the thread runner."""
from __future__ import annotations

import re

from playwright.sync_api import expect
from sqlalchemy import func, select

from tests.browser.conftest import DEMO_PASSWORD
from webapp.models import Account
from webapp.services import imports as service

ROWS = 3000


def _csv() -> bytes:
    lines = ["Account ID,Account Name,Billing City,Billing State/Province,Industry"]
    lines += [f"BIG-{n},Importco {n},Peoria,IL,Manufacturing" for n in range(ROWS)]
    return ("\n".join(lines) + "\n").encode()


def _run_waiting_jobs(server) -> None:
    with server.ctx() as session:
        for job_id in service.pending_jobs(session):
            service.run(session, job_id)


def test_manager_uploads_a_big_file_and_follows_the_check_and_the_import(demo_server, page):
    demo_server.app.config["IMPORT_RUNNER"] = "worker"
    demo_server.sign_in(page, "manager@example.com", DEMO_PASSWORD)
    page.goto(demo_server.url + "/imports/")
    page.get_by_label("CSV file").set_input_files(
        {"name": "salesforce-accounts.csv", "mimeType": "text/csv", "buffer": _csv()})
    page.get_by_role("button", name="Upload and check").click()

    main = page.locator("main")
    expect(page.get_by_role("heading", name="Checking every row")).to_be_visible()
    expect(main).to_contain_text(f"0 of about {ROWS:,} rows: nothing is saved yet")
    progress = main.locator("progress")
    expect(progress).to_have_attribute("max", str(ROWS))
    assert page.evaluate("document.documentElement.scrollWidth <= 360")

    url = page.url
    _run_waiting_jobs(demo_server)
    # The page follows by itself: no reload, the same address.
    expect(page.get_by_role("heading", name="Ready: nothing is saved until you import")
           ).to_be_visible(timeout=15_000)
    assert page.url == url
    expect(main).to_contain_text(f"{ROWS:,} rows: {ROWS:,} new, 0 updated")
    expect(main.get_by_role("cell", name="Importco 0", exact=True)).to_be_visible()

    page.get_by_role("button", name=re.compile(rf"^Import {ROWS:,} rows")).click()
    expect(page.get_by_role("heading", name="Importing")).to_be_visible()
    _run_waiting_jobs(demo_server)
    expect(page.get_by_role("heading", name="Imported", exact=True)).to_be_visible(timeout=15_000)
    expect(main).to_contain_text(f"{ROWS:,} rows: {ROWS:,} new")
    with demo_server.ctx() as session:
        assert session.scalar(select(func.count(Account.id))
                              .where(Account.external_id.like("BIG-%"))) == ROWS

    page.get_by_role("link", name="Import another file").click()
    expect(main.locator(".imports-recent li").first).to_contain_text(
        f"salesforce-accounts.csv accounts, imported: {ROWS} new, 0 updated")


def test_the_upload_shows_how_much_is_sent(demo_server, page):
    """The upload itself (before the server has the file) shows a percentage."""
    demo_server.app.config["IMPORT_RUNNER"] = "worker"
    demo_server.sign_in(page, "manager@example.com", DEMO_PASSWORD)
    page.goto(demo_server.url + "/imports/")
    percentages = []
    page.expose_function("seen", lambda text: percentages.append(text))
    page.evaluate("""() => {
      const box = document.querySelector('[data-upload-progress] span');
      new MutationObserver(() => window.seen(box.textContent))
        .observe(box, {childList: true, characterData: true, subtree: true});
    }""")
    page.get_by_label("CSV file").set_input_files(
        {"name": "big.csv", "mimeType": "text/csv", "buffer": _csv() * 4})
    page.get_by_role("button", name="Upload and check").click()
    expect(page.get_by_role("heading", name="Checking every row")).to_be_visible()
    assert "Uploading: 100%" in percentages
