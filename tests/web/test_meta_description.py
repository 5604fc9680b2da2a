"""Lighthouse 100 (issue 13): each core page says what it is in a meta description of its
own, and no link is named only "More" (bench/lighthouse.py measures the scores)."""
from __future__ import annotations

import re

DESCRIPTION = re.compile(r'<meta name="description" content="([^"]{40,160})">')


def test_each_core_page_has_a_description_of_its_own(client, make, login):
    rep = make.user("rep")
    account = make.account(owner=rep, name="Harbor Freight Lines")
    deal = make.opportunity(account, stage="proposal", name="Fleet telematics")
    login(rep)
    descriptions = {}
    for path in ("/", "/accounts/", f"/accounts/{account.id}",
                 f"/meetings/new?account_id={account.id}", f"/opportunities/{deal.id}"):
        html = client.get(path).get_data(as_text=True)
        found = DESCRIPTION.findall(html)
        assert len(found) == 1, path
        descriptions[path] = found[0]
        assert not re.search(r">\s*More\s*</a>", html)
    assert len(set(descriptions.values())) == 5
    assert "Harbor Freight Lines" in descriptions[f"/accounts/{account.id}"]
    assert "Fleet telematics" in descriptions[f"/opportunities/{deal.id}"]


def test_other_pages_have_the_apps_description(client):
    assert DESCRIPTION.search(client.get("/login").get_data(as_text=True))
