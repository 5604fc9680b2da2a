"""Time to replay 100 queued writes from the outbox: a real Chromium, the app on a local port
(SQLite), one rep. The writes (meetings, notes and opportunity updates in turn) are queued
while offline, then replayed in one go; the figure is from `replay()` called to the last
entry confirmed by the server. Prints the figures.

    .venv/bin/python bench/replay.py [N]
"""
from __future__ import annotations

import shutil
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, PHONE, LiveServer  # noqa: E402
from webapp.database import upgrade_database  # noqa: E402
from webapp.models import ClientWrite, Meeting, Note, OpportunityChange  # noqa: E402


def main(n: int = 100) -> None:
    from playwright.sync_api import sync_playwright

    tmp = Path(tempfile.mkdtemp(prefix="gw-bench-replay-"))
    try:
        db_path = tmp / "bench.sqlite"
        upgrade_database(f"sqlite:///{db_path}")
        server = LiveServer(db_path, tmp)
        with server.ctx():
            rep = server.make.user("rep", name="Bench Rep")
            account = server.make.account(owner=rep, name="Bench Account")
            opps = [server.make.opportunity(account, amount=Decimal("1000")) for _ in range(n)]
            email, account_id = rep.email, account.id
            opp_ids = [o.id for o in opps]
        with sync_playwright() as driver:
            browser = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            context = browser.new_context(**PHONE)
            page = context.new_page()
            server.sign_in(page, email)
            page.goto(server.url + "/sync/pending")
            page.wait_for_selector("html[data-outbox-ready]", state="attached")
            context.set_offline(True)
            page.evaluate("""async ({n, accountId, oppIds}) => {
                const O = window.GroundworkOutbox;
                for (let i = 0; i < n; i++) {
                    const id = O.newId();
                    let entry;
                    if (i % 3 === 0) {
                        entry = {kind: 'meeting', action: '/meetings/new', fields: [
                            ['account_id', String(accountId)], ['notes', 'Bench meeting ' + i],
                            ['kind', 'in_person'], ['duration_minutes', '30']]};
                    } else if (i % 3 === 1) {
                        entry = {kind: 'note', action: '/notes/new', fields: [
                            ['account_id', String(accountId)], ['body', 'Bench note ' + i]]};
                    } else {
                        entry = {kind: 'opportunity', action: '/opportunities/' + oppIds[i],
                                 fields: [['version', '1'], ['amount', String(2000 + i)]]};
                    }
                    entry.id = id;
                    entry.fields.push(['client_id', id]);
                    entry.accountId = String(accountId);
                    entry.userId = document.body.dataset.user;
                    entry.summary = entry.kind + ' ' + i;
                    await O.add(entry);
                }
            }""", {"n": n, "accountId": account_id, "oppIds": opp_ids})
            assert page.evaluate("() => GroundworkOutbox.count()") == n
            context.set_offline(False)
            started = time.perf_counter()
            outcome = page.evaluate("() => GroundworkOutbox.replay({force: true})")
            elapsed = time.perf_counter() - started
            left = page.evaluate("() => GroundworkOutbox.count()")
            browser.close()
        with server.ctx() as session:
            stored = (session.scalar(select(func.count()).select_from(Meeting))
                      + session.scalar(select(func.count()).select_from(Note))
                      + session.scalar(select(func.count(func.distinct(OpportunityChange.client_id)))))
            ledger = session.scalar(select(func.count()).select_from(ClientWrite))
        server.stop()
        print(f"replay of {n} queued writes: {elapsed:.2f} s "
              f"({elapsed / n * 1000:.0f} ms per write), status {outcome['status']}, "
              f"{left} left in the outbox, {stored} stored on the server, {ledger} in the ledger")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100)
