"""Sign-in throttling holds across gunicorn's workers and across app servers, with nothing
but the database (issue 11, defect 4: with per-process counts, 18 wrong passwords got through
two workers before the first refusal of a limit of 10). Behind a proxy the limit per address
is keyed on the real client address (TRUSTED_PROXIES)."""
from __future__ import annotations

import re

import requests

from tests.conftest import PASSWORD
from tests.support.server import gunicorn
from webapp.extensions import db

WRONG = "not-the-password"
ATTACKER, COLLEAGUE = "203.0.113.7", "198.51.100.9"


def sign_in(base, email, password, address):
    """A sign-in form filled in a fresh browser and sent through the load balancer, which
    says who the client is."""
    with requests.Session() as browser:
        browser.headers["X-Forwarded-For"] = address
        form = browser.get(f"{base}/login", timeout=30).text
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)
        return browser.post(f"{base}/login", allow_redirects=False, timeout=30, data={
            "email": email, "password": password, "csrf_token": token}).status_code


def test_two_app_servers_count_failed_sign_ins_together(app, make, database_url, tmp_path):
    target = make.user("rep").email
    colleague = make.user("rep").email
    db.session.close()  # hold nothing: the servers write to this database
    settings = dict(TRUSTED_PROXIES="1", LOGIN_LIMIT_PER_ACCOUNT="10 per 15 minutes",
                    LOGIN_LIMIT_PER_ADDRESS="13 per 15 minutes")
    with gunicorn(database_url, tmp_path, **settings) as one, \
            gunicorn(database_url, tmp_path, **settings) as two:
        servers = [one, two] * 5
        assert [sign_in(s, target, WRONG, ATTACKER) for s in servers] == [401] * 10
        # The eleventh try is refused on both servers and every worker, even when right.
        assert sign_in(one, target, PASSWORD, ATTACKER) == 429
        assert sign_in(two, target, PASSWORD, "192.0.2.44") == 429
        # Another rep signing in from their own address is not affected.
        assert sign_in(two, colleague, PASSWORD, COLLEAGUE) == 303
        assert sign_in(one, colleague, PASSWORD, COLLEAGUE) == 303
        # The attacker's address has 10 failures (refusals do not count); 3 more guesses at
        # other accounts reach its limit of 13, then that address is refused, only that one.
        assert [sign_in(s, f"guess{n}@example.com", WRONG, ATTACKER)
                for n, s in enumerate([one, two, one])] == [401] * 3
        assert sign_in(two, "guess9@example.com", WRONG, ATTACKER) == 429
        assert sign_in(one, "guess9@example.com", WRONG, COLLEAGUE) == 401
