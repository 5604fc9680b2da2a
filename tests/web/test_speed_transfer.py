"""What goes over the wire: compressed pages and JSON, static files cached for good and sent
precompressed, the worker and manifest revalidated with a 304, a precache without other roles'
files (issue 13, item 1)."""
from __future__ import annotations

import brotli
import gzip
import json
import re

from webapp.security import CSP


def _static(app, filename):
    with app.test_request_context():
        return app.jinja_env.globals["static_url"](filename)


def test_pages_are_compressed_with_what_the_browser_accepts(client, make, login):
    rep = make.user()
    for i in range(40):
        make.account(owner=rep, name=f"Account number {i}")
    login(rep)
    plain = client.get("/accounts/")
    assert plain.status_code == 200 and "Content-Encoding" not in plain.headers

    br = client.get("/accounts/", headers={"Accept-Encoding": "br, gzip"})
    assert br.headers["Content-Encoding"] == "br"
    assert brotli.decompress(br.data) == plain.data
    assert len(br.data) < len(plain.data) / 3

    gz = client.get("/accounts/", headers={"Accept-Encoding": "gzip"})
    assert gz.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(gz.data) == plain.data

    # The headers a compressed page must keep: the CSP, and a Vary that names every input.
    for response in (plain, br, gz):
        assert response.headers["Content-Security-Policy"] == CSP
        vary = {v.strip() for v in response.headers["Vary"].split(",")}
        assert {"Accept-Encoding", "HX-Request", "Cookie"} <= vary


def test_json_is_compressed(client, make, login):
    rep = make.user()
    for i in range(60):
        make.account(owner=rep, name=f"Account number {i}")
    login(rep)
    response = client.get("/accounts/index.json", headers={"Accept-Encoding": "br"})
    assert response.headers["Content-Encoding"] == "br"
    assert len(json.loads(brotli.decompress(response.data))["rows"]) == 60


def test_static_files_are_immutable_and_precompressed(app, client):
    url = _static(app, "vendor/htmx.min.js")
    plain = client.get(url)
    br = client.get(url, headers={"Accept-Encoding": "gzip, br"})
    assert br.headers["Content-Encoding"] == "br"
    assert brotli.decompress(br.data) == plain.data
    for response in (plain, br):
        cache = response.headers["Cache-Control"]
        assert "immutable" in cache and "public" in cache and "no-cache" not in cache
        assert "Accept-Encoding" in response.headers["Vary"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    # Revalidation is answered without the body.
    again = client.get(url, headers={"If-None-Match": plain.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""


def test_a_stale_or_missing_version_is_never_cached_for_good(app, client):
    for url in ("/static/js/form_capture.js", "/static/js/form_capture.js?v=0123456789ab"):
        response = client.get(url)
        assert response.status_code == 200
        assert "immutable" not in response.headers["Cache-Control"]
        assert "no-cache" in response.headers["Cache-Control"]


def test_worker_and_manifest_revalidate_with_304(client):
    for url in ("/sw.js", "/manifest.webmanifest"):
        for encoding in ("br", "gzip", None):
            headers = {"Accept-Encoding": encoding} if encoding else {}
            first = client.get(url, headers=headers)
            assert first.status_code == 200
            assert "no-cache" in first.headers["Cache-Control"]
            etag = first.headers["ETag"]
            again = client.get(url, headers={**headers, "If-None-Match": etag})
            assert again.status_code == 304, (url, encoding)
            assert again.data == b""
        # Nothing personal in them: no cookie read, so no Vary: Cookie either.
        assert "Cookie" not in first.headers.get("Vary", "")


def test_precache_holds_no_manager_only_script_and_no_big_icon(client, make, login):
    source = client.get("/sw.js").get_data(as_text=True)
    build = json.loads(re.search(r"self\.GW_BUILD = (\{.*?\});", source, re.S).group(1))
    precache = " ".join(build["precache"])
    assert "imports.js" not in precache
    assert "512" not in precache and ".png" not in precache
    assert "app.css" in precache

    rep = make.user()
    login(rep)
    assets = client.get("/offline/manifest.json").get_json()["assets"]
    assert any("territory.js" in a for a in assets)
    assert not any("imports.js" in a for a in assets)
