"""Security headers on every page and fragment; caching that lets the service worker keep the
pages it needs offline but never admin pages or exports."""
from __future__ import annotations

from tests.support.matrix import DATA, PARAMS, build_world, kind_of, KINDS
from tests.support.security import sign_in_as
from webapp.security import must_not_be_stored


# Pages without customer data that may set their own caching (the offline shell).
NO_CUSTOMER_DATA = {"pwa.offline", "pwa.manifest", "pwa.service_worker", "sync.outbox_script",
                    "auth.login"}


def _get_routes(app):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.endpoint):
        if "GET" in rule.methods:
            yield rule


def _check(response, url):
    headers = response.headers
    csp = headers["Content-Security-Policy"]
    for needed in ("default-src 'self'", "object-src 'none'", "base-uri 'none'",
                   "frame-ancestors 'none'", "script-src 'self'"):
        assert needed in csp, (url, needed)
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, url
    assert headers["X-Content-Type-Options"] == "nosniff", url
    assert headers["Referrer-Policy"] in ("same-origin", "strict-origin-when-cross-origin",
                                          "no-referrer"), url
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin", url


def test_every_page_and_fragment_sends_the_security_headers(app, make):
    world = build_world(make)
    for persona in ("rep_a", "admin"):
        client = sign_in_as(app, app.test_client(), world.users[persona])
        for rule in _get_routes(app):
            if persona not in KINDS.get(kind_of(rule.endpoint, "GET"), ()):
                continue
            url = rule.build({a: PARAMS[a](world) for a in rule.arguments},
                             append_unknown=False)[1]
            query = DATA[rule.endpoint](world) if rule.endpoint in DATA else {}
            for headers in ({}, {"HX-Request": "true"}):
                response = client.get(url, query_string=query, headers=headers)
                assert response.status_code < 500, url
                _check(response, url)
                if response.mimetype == "text/html" and rule.endpoint not in NO_CUSTOMER_DATA \
                        and rule.endpoint != "static":
                    cache = response.headers.get("Cache-Control", "")
                    if must_not_be_stored(rule.endpoint):
                        assert "no-store" in cache, url
                    else:
                        assert "no-store" in cache or ("private" in cache and "no-cache" in cache), url
                        assert "public" not in cache, url


def test_pages_the_service_worker_keeps_are_private_but_cacheable(client, make, login):
    rep = make.user("rep")
    account = make.account(owner=rep)
    login(rep)
    for url in ("/", "/accounts/", f"/accounts/{account.id}", "/meetings/new", "/notes/new"):
        cache = client.get(url).headers["Cache-Control"]
        assert "private" in cache and "no-cache" in cache and "no-store" not in cache, url


def test_admin_pages_are_never_stored(client, make, login):
    login(make.user("admin"))
    for url in ("/admin/users", "/admin/users/new", "/admin/audit"):
        assert client.get(url).headers["Cache-Control"] == "no-store", url


def test_hsts_only_over_https(client):
    assert "Strict-Transport-Security" not in client.get("/login").headers
    secure = client.get("/login", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=63072000")


def test_behind_a_trusted_proxy_https_is_recognised(database_url, clock, tmp_path):
    from tests.support.security import build_app

    app = build_app(database_url, clock, tmp_path, TRUSTED_PROXIES=1)
    response = app.test_client().get("/login", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" in response.headers


def test_pages_load_scripts_only_from_files(client, make, login):
    """No inline script, style attribute or hx-on anywhere (the CSP would block them)."""
    rep = make.user("rep")
    account = make.account(owner=rep)
    login(rep)
    for url in ("/login", "/", "/accounts/", f"/accounts/{account.id}", "/more"):
        html = client.get(url).get_data(as_text=True)
        assert "<script>" not in html and " style=" not in html and "hx-on" not in html, url
