"""How the core pages load (issue 13: Lighthouse 100 on a phone): nothing blocks the first
paint, and what arrives after the page never moves what the rep is already reading."""
from __future__ import annotations

import re

import pytest


def core_pages(make, login) -> dict[str, str]:
    rep = make.user("rep")
    account = make.account(rep, name="Lakeshore Precision")
    deal = make.opportunity(account, name="Pilot")
    login(rep)
    return {"today": "/", "territory": "/accounts/", "account": f"/accounts/{account.id}",
            "log meeting": f"/meetings/new?account_id={account.id}",
            "opportunity": f"/opportunities/{deal.id}"}


@pytest.mark.parametrize("page", ["today", "territory", "account", "log meeting", "opportunity"])
def test_no_script_blocks_the_first_paint(client, make, login, page):
    html = client.get(core_pages(make, login)[page]).get_data(as_text=True)
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert scripts
    for tag in scripts:
        if 'type="application/json"' in tag:
            continue
        assert "src=" in tag, tag  # the CSP allows no inline script anyway
        assert re.search(r"\b(defer|async)\b", tag) or 'type="module"' in tag, tag


def test_today_loads_reminders_and_calendar_drafts_below_the_days_sections(client, make, login):
    """They come from the server after the page; above the day's sections their arrival would
    push "Next steps due" down under the rep's thumb (a layout shift)."""
    html = client.get(core_pages(make, login)["today"]).get_data(as_text=True)
    main = html[html.index("<main"):]
    later = [main.index('hx-get="/reminders/today"'), main.index('hx-get="/calendar/drafts"')]
    for heading in ("Next steps due", "They owe us", "We promised"):
        assert main.index(heading) < min(later), heading
    # what the rep taps first is still first
    assert main.index('href="/meetings/new"') < main.index("Next steps due")
