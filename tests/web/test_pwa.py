"""The installable app: manifest, service worker script, offline page, and the list of pages a
rep's phone saves for offline use (issue 3)."""
from __future__ import annotations

import json
import shutil
import struct
import subprocess

import pytest

from webapp.pwa import ROOT


def test_app_can_be_installed_from_its_manifest(client):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response.mimetype == "application/manifest+json"
    manifest = response.get_json(force=True)
    assert manifest["name"] == "Groundwork" and manifest["short_name"]
    assert manifest["start_url"] == "/" and manifest["scope"] == "/" and manifest["id"]
    assert manifest["display"] == "standalone"
    assert manifest["theme_color"].startswith("#") and manifest["background_color"]
    icons = {(icon["sizes"], icon["purpose"], icon["type"]) for icon in manifest["icons"]}
    for size in ("192x192", "512x512"):
        assert (size, "any", "image/png") in icons
        assert (size, "maskable", "image/png") in icons
    assert ("any", "any", "image/svg+xml") in icons


def test_every_manifest_icon_is_a_real_image_of_its_size(client):
    for icon in client.get("/manifest.webmanifest").get_json(force=True)["icons"]:
        response = client.get(icon["src"])
        assert response.status_code == 200, icon["src"]
        data = response.get_data()
        if icon["type"] == "image/png":
            assert data[:8] == b"\x89PNG\r\n\x1a\n"
            width, height = struct.unpack(">II", data[16:24])
            assert f"{width}x{height}" == icon["sizes"]
        else:
            assert b"<svg" in data


def test_service_worker_is_served_for_the_whole_site_and_always_revalidated(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Service-Worker-Allowed"] == "/"
    assert "no-cache" in response.headers["Cache-Control"]
    source = response.get_data(as_text=True)
    version = response.headers["X-Groundwork-SW-Version"]
    assert f'"version": "{version}"' in source
    # Wires the outbox's Background Sync, precaches the offline page and the static files.
    assert "'groundwork-outbox'" in source and "GroundworkOutbox.replay()" in source
    assert '"/offline"' in source and "/static/css/app.css?v=" in source


def test_changing_a_worker_source_makes_a_new_version(app, client, tmp_path):
    source = tmp_path / "sw"
    shutil.copytree(ROOT / "service_worker", source)
    app.config["SERVICE_WORKER_DIR"] = str(source)
    first = client.get("/sw.js")
    assert client.get("/sw.js").headers["X-Groundwork-SW-Version"] == \
        first.headers["X-Groundwork-SW-Version"]

    (source / "strategies.js").write_text((source / "strategies.js").read_text() + "\n// v2\n")
    second = client.get("/sw.js")
    assert second.headers["X-Groundwork-SW-Version"] != first.headers["X-Groundwork-SW-Version"]
    assert "// v2" in second.get_data(as_text=True)


def test_service_worker_script_is_valid_javascript(client, tmp_path):
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    script = tmp_path / "sw.js"
    script.write_bytes(client.get("/sw.js").get_data())
    result = subprocess.run([node, "--check", str(script)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_offline_page_needs_no_sign_in_and_has_room_for_the_saved_pages(client):
    response = client.get("/offline")
    assert response.status_code == 200
    assert "data-offline-list" in response.get_data(as_text=True)


def test_signed_in_pages_name_their_user_for_the_service_worker(client, make, login):
    rep = make.user("rep")
    assert "X-Groundwork-User" not in client.get("/login").headers
    login(rep)
    assert client.get("/").headers["X-Groundwork-User"] == str(rep.id)


def test_the_briefcase_filling_in_the_background_does_not_take_the_users_message(client, make,
                                                                                login):
    """Saving a note shows "Note saved." on the next page, even when the briefcase fetched
    pages in between (it does right after a write); its copies hold no message."""
    login(make.user("rep"))
    assert client.post("/notes/new", data={"body": "Ask Sam about the Q1 event"}).status_code \
        == 303
    background = client.get("/", headers={"X-Groundwork-Briefcase": "1"}).get_data(as_text=True)
    assert "Note saved." not in background
    assert "Note saved." in client.get("/").get_data(as_text=True)


def test_saved_pages_list_needs_sign_in(client):
    response = client.get("/offline/manifest.json")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_saved_pages_list_has_the_reps_own_territory_and_forms_only(client, make, login):
    rep, other = make.user("rep"), make.user("rep")
    mine = [make.account(owner=rep) for _ in range(3)]
    theirs = make.account(owner=other)
    open_deal = make.opportunity(mine[0], stage="proposal")
    make.opportunity(mine[1], stage="lost")
    make.opportunity(theirs, stage="proposal")
    login(rep)

    response = client.get("/offline/manifest.json")
    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]
    body = json.loads(response.get_data())
    pages = body["pages"]
    assert body["user"] == rep.id and body["accounts"] == 3
    for path in ("/", "/accounts/", "/meetings/new", "/notes/new", "/opportunities/new",
                 "/contacts/new"):
        assert path in pages
    assert {f"/accounts/{a.id}" for a in mine} <= set(pages)
    assert f"/accounts/{theirs.id}" not in pages
    # One copy of each form for every account (its saved page holds what the forms show of
    # it: tests/web/test_briefcase.py), none per account.
    assert not [path for path in pages if "?" in path]
    unfiled = make.note(rep)
    assert f"/notes/{unfiled.id}/file" in client.get("/offline/manifest.json").get_json()["pages"]
    if body["opportunities"]:  # once opportunity pages exist
        assert f"/opportunities/{open_deal.id}" in pages
        assert body["opportunities"] == 1
    assert len(pages) == len(set(pages))


def test_saved_pages_list_runs_the_same_queries_for_any_territory_size(client, make, login,
                                                                        count_queries):
    rep = make.user("rep")
    for _ in range(2):
        make.opportunity(make.account(owner=rep))
    login(rep)
    with count_queries() as small:
        client.get("/offline/manifest.json")
    for _ in range(25):
        make.opportunity(make.account(owner=rep))
    with count_queries() as large:
        body = client.get("/offline/manifest.json").get_json(force=True)
    assert body["accounts"] == 27
    assert large.count == small.count <= 4
