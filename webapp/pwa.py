"""The installable app: manifest, service worker (built from service_worker/), offline page,
and the list of pages a rep's phone keeps for offline use.

Not flask-pwa: its only release needs Flask<2.

`/sw.js` is our small modules from `service_worker/` joined in a fixed order behind a
generated header (VERSION and the static files to precache). VERSION hashes the worker's
sources and every static file, so any deploy that changes either makes the browser install a
new worker, which then waits for the rep to press "Update now". The outbox module
(`service_worker/outbox.js`, shared with the page, served by the sync blueprint) is loaded with
`importScripts()` from the same versioned URL as the page uses, inside try/catch, so a broken
or missing outbox never stops pages loading offline.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from flask import Blueprint, Flask, current_app, g, render_template, request, url_for

from webapp.extensions import db
from webapp.sessions import login_required

bp = Blueprint("pwa", __name__)

ROOT = Path(__file__).resolve().parent.parent
# Joined in this order; outbox.js is imported separately (see module docstring).
SW_MODULES = ("caches.js", "strategies.js", "briefcase.js", "routes.js", "sw.js", "push.js")
SW_IMPORTED = ("outbox.js",)
# Where the page loads those from too (one URL, so one cached copy serves both).
IMPORT_ENDPOINTS = {"outbox.js": "sync.outbox_script"}
PRECACHE_SUFFIXES = (".css", ".js", ".svg", ".png", ".woff2")
# Precached when the worker installs (on the first visit, before anyone signed in): what the
# sign-in and offline pages use. What a role needs offline comes with the briefcase (ROLE_ASSETS,
# saved into the same cache); big icons and other scripts are cached when first used
# (versioned static URLs are cache-first in the worker).
PRECACHE = ("css/app.css", "js/briefcase.js", "icons/icon.svg")
# The page's outbox code, in the order base.html loads it (static/js/page.js says what each does).
PAGE_SCRIPTS = ("js/page.js", "js/form_check.js", "js/answer_screens.js", "js/form_capture.js",
                "js/pending_view.js", "js/sync_triggers.js", "js/drafts.js")
REP_ASSETS = ("vendor/htmx.min.js", *PAGE_SCRIPTS, "js/capture.js", "js/territory.js", "js/meetings.js",
              "js/account_picker.js", "js/opportunity.js", "js/success.js", "js/phone_share.js",
              "js/checkin.js", "js/nearby.js", "js/map.js",  # issue 15: check-in, near me, map,
              "js/install.js")  # and the offer to install (base.html)
ROLE_ASSETS = {"rep": REP_ASSETS, "manager": REP_ASSETS + ("js/imports.js",),
               "admin": REP_ASSETS + ("js/imports.js",)}
THEME = "#0b3d2e"
# The pages besides accounts and opportunities a rep needs offline (when they exist).
PAGES = ("today.index", "accounts.index", "accounts.index_json", "today.more", "meetings.new",
         "notes.new", "sync.pending",
         # field capture: new account, contact, deal, and a just-made account's and deal's page
         "accounts.new", "contacts.new", "opportunities.new", "accounts.pending",
         "opportunities.pending", "contacts.edit_offline",
         # customer success (issue 14 item 6)
         "success.renewals_list",
         "accounts.near", "accounts.map",  # issue 15: near me offline; the map says it needs signal
         # keep in touch, old list, the move form (issue 14)
         "people.index", "people.old", "people.move",
         # vendor pals and the vendor-pal meeting form (issue 14 item 3)
         "intel.pals", "intel.pal_meeting")
# The forms of which the phone keeps one copy for every account or record (see
# service_worker/routes.js): the page fills in what it is for from the address, and for an
# account from that account's saved page, which holds the parts its forms show for it (its
# people, open deals, first meeting: templates/accounts/_form_parts.html, static/js/briefcase.js).
OFFLINE_FORMS = ("meetings.new", "notes.new", "contacts.new", "opportunities.new",
                 "accounts.pending", "opportunities.pending", "people.move",
                 # a vendor-pal meeting with any ?pal_id= (offline the rep picks the pal)
                 "intel.pal_meeting")
# Unfiled notes that can be filed under an account offline.
UNFILED_NOTES_CAP = 50


# The addresses the page's scripts use (static/js/page.js reads them from <body data-routes>):
# name -> (endpoint, the argument that is a record's id, if any). "{id}" stands for the id.
CLIENT_ROUTES = {
    "home": ("today.index", None), "login": ("auth.login", None),
    "logout": ("auth.logout", None), "syncPending": ("sync.pending", None),
    "account": ("accounts.detail", "account_id"), "accountPending": ("accounts.pending", None),
    "accountsIndex": ("accounts.index_json", None),
    "opportunity": ("opportunities.detail", "opportunity_id"),
    "dealPending": ("opportunities.pending", None), "opportunityNew": ("opportunities.new", None),
    "contact": ("contacts.update", "contact_id"), "contactNew": ("contacts.new", None),
    "contactEditShell": ("contacts.edit_offline", None), "meetingNew": ("meetings.new", None),
    "noteNew": ("notes.new", None), "serviceWorker": ("pwa.service_worker", None),
    "syncToken": ("sync.token", None),
    # Web Push reminders (static/js/reminders.js)
    "remindersDeviceAdd": ("reminders.add_device", None),
    "remindersDeviceRemove": ("reminders.remove_device", None),
    "reminderSettings": ("reminders.settings", None),
}
_ROUTE_ID = 2**31 - 1  # a valid id, replaced by "{id}"
bp.add_app_template_global(PAGE_SCRIPTS, "page_scripts")


@bp.app_template_global()
def client_routes() -> dict[str, str]:
    """CLIENT_ROUTES as addresses, built by the app's own URL map (once per app)."""
    app = current_app._get_current_object()
    built = app.extensions.get("pwa_client_routes")
    if built is None:
        built = {}
        for name, (endpoint, id_arg) in CLIENT_ROUTES.items():
            if endpoint not in app.view_functions:
                continue
            if id_arg is None:
                built[name] = url_for(endpoint)
            else:
                built[name] = url_for(endpoint, **{id_arg: _ROUTE_ID}).replace(
                    str(_ROUTE_ID), "{id}")
        app.extensions["pwa_client_routes"] = built
    return built


@bp.app_template_global()
def offline_forms() -> list[str]:
    """OFFLINE_FORMS as addresses (once per app): the worker answers any query of each from its
    one saved copy, and the page's outbox code counts that copy as there (form_capture.js)."""
    app = current_app._get_current_object()
    built = app.extensions.get("pwa_offline_forms")
    if built is None:
        built = [url_for(name) for name in OFFLINE_FORMS if name in app.view_functions]
        app.extensions["pwa_offline_forms"] = built
    return built


@dataclass(frozen=True)
class BuiltWorker:
    version: str
    source: str


def _source_dir() -> Path:
    return Path(current_app.config.get("SERVICE_WORKER_DIR") or ROOT / "service_worker")


def _fingerprint(paths: list[Path]) -> tuple:
    return tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in paths)


def _static_files(app: Flask) -> list[Path]:
    root = Path(app.static_folder)
    return sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in PRECACHE_SUFFIXES)


def build_service_worker() -> BuiltWorker:
    """The worker script and its VERSION; rebuilt only when an input file changed."""
    app = current_app._get_current_object()
    source_dir = _source_dir()
    modules = [source_dir / name for name in SW_MODULES if (source_dir / name).is_file()]
    imported = [source_dir / name for name in SW_IMPORTED if (source_dir / name).is_file()]
    statics = _static_files(app)
    key = (_fingerprint(modules + imported + statics), app.debug)
    cached = app.extensions.get("pwa_worker")
    if cached and cached[0] == key:
        return cached[1]

    digest = hashlib.sha256()
    for path in modules + imported + statics:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    version = digest.hexdigest()[:16]
    static_root = Path(app.static_folder)
    static_url = app.jinja_env.globals["static_url"]
    with app.test_request_context():
        precache = [static_url(p.relative_to(static_root).as_posix()) for p in statics
                    if p.relative_to(static_root).as_posix() in PRECACHE]
        offline_url = url_for("pwa.offline")
        manifest_url = url_for("pwa.briefcase_manifest")
        # The forms whose one saved copy serves every account (the page fills the account in
        # from ?account_id=), the worker's own address, the web app manifest, the static root.
        forms = offline_forms()
        worker_url = url_for("pwa.service_worker")
        app_manifest_url = url_for("pwa.manifest")
        static_root_url = app.static_url_path.rstrip("/") + "/"
        routes = client_routes()
        imports = [url_for(IMPORT_ENDPOINTS[p.name], v=_module_digest(p)) for p in imported
                   if IMPORT_ENDPOINTS[p.name] in app.view_functions]
    header = {
        "version": version,
        "precache": precache + imports,
        "offlineUrl": offline_url,
        "briefcaseManifestUrl": manifest_url,
        "imports": imports,
        # Paths outside /static/ whose URLs carry a content hash: cache-first like static.
        "versionedPaths": [u.split("?", 1)[0] for u in imports],
        "forms": forms,
        "workerUrl": worker_url,
        "appManifestUrl": app_manifest_url,
        "staticRoot": static_root_url,
        "routes": routes,
    }
    parts = [f"/* Groundwork service worker {version}: built by webapp/pwa.py from "
             f"service_worker/. */\nself.GW_BUILD = {json.dumps(header, indent=1)};\n"]
    for url in imports:
        parts.append(f"try {{ importScripts({json.dumps(url)}); }} catch (error) {{\n"
                     f"  console.error('Groundwork: {url} failed to load', error);\n}}\n")
    for path in modules:
        parts.append(f"\n/* ---- service_worker/{path.name} ---- */\n{path.read_text()}")
    built = BuiltWorker(version=version, source="".join(parts))
    app.extensions["pwa_worker"] = (key, built)
    return built


def _module_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


@bp.after_app_request
def _name_the_user(response):
    """Tell the service worker whose page this is, so it keeps each user's copies apart
    and never shows one rep's cached pages to someone else."""
    user = g.get("user")
    if user is not None and response.mimetype == "text/html":
        response.headers["X-Groundwork-User"] = str(user.id)
    return response


@bp.get("/manifest.webmanifest")
def manifest():
    static_url = current_app.jinja_env.globals["static_url"]
    icons = [
        {"src": static_url("icons/icon-192.png"), "sizes": "192x192", "type": "image/png",
         "purpose": "any"},
        {"src": static_url("icons/icon-512.png"), "sizes": "512x512", "type": "image/png",
         "purpose": "any"},
        {"src": static_url("icons/icon-maskable-192.png"), "sizes": "192x192",
         "type": "image/png", "purpose": "maskable"},
        {"src": static_url("icons/icon-maskable-512.png"), "sizes": "512x512",
         "type": "image/png", "purpose": "maskable"},
        {"src": static_url("icons/icon.svg"), "sizes": "any", "type": "image/svg+xml",
         "purpose": "any"},
    ]
    body = {
        "id": "/",
        "name": "Groundwork",
        "short_name": "Groundwork",
        "description": "Your territory in your pocket: accounts, meetings and notes, "
                       "with or without signal.",
        "lang": "en",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "orientation": "portrait",
        "theme_color": THEME,
        "background_color": "#ffffff",
        "icons": icons,
    }
    response = current_app.response_class(json.dumps(body, separators=(",", ":")),
                                          mimetype="application/manifest+json")
    return _revalidated(response)


def _revalidated(response):
    """`no-cache` with a strong ETag: a browser revalidating an unchanged copy gets a 304."""
    response.cache_control.no_cache = True
    response.add_etag()
    return response.make_conditional(request)


@bp.get("/sw.js")
def service_worker():
    built = build_service_worker()
    response = current_app.response_class(built.source, mimetype="text/javascript")
    response.headers["Service-Worker-Allowed"] = "/"
    response.headers["X-Groundwork-SW-Version"] = built.version
    response.set_etag(built.version)
    return _revalidated(response)


@bp.get("/offline")
def offline():
    """The page the worker shows for a page it has no copy of; it lists what it has."""
    response = current_app.make_response(render_template("pwa/offline.html"))
    response.cache_control.no_cache = True
    return response


@bp.get("/offline/manifest.json")
@login_required
def briefcase_manifest():
    """Every URL the signed-in rep's phone should keep for offline use, with a version for the
    pages that have one (accounts, open deals): the phone fetches again only pages
    whose version changed, through `briefcase_pack`, and drops those no longer listed. Versions
    start with a key of the render (deploy, templates, the rep's time zone and today), so after a
    deploy and once a day everything is fetched afresh."""
    from webapp.clock import utcnow
    from webapp.queries.briefcase import briefcase_versions, unfiled_note_ids
    from webapp.queries.meeting_form import meeting_ids_with_open_commitments

    accounts, opportunities = briefcase_versions(db.session, g.user)
    key = _render_key(g.user)
    endpoints = current_app.view_functions
    pages = [url_for(name) for name in PAGES if name in endpoints]
    versions: dict[str, str] = {}

    def versioned(path: str, version: int) -> str:
        versions[path] = f"{key}.{version}"
        return path

    pages += [versioned(url_for("accounts.detail", account_id=i), v) for i, v in accounts]
    if "notes.file" in endpoints:
        pages += [url_for("notes.file", note_id=i)
                  for i in unfiled_note_ids(db.session, g.user, UNFILED_NOTES_CAP)]
    if "meetings.detail" in endpoints:
        pages += [url_for("meetings.detail", meeting_id=i)
                  for i in meeting_ids_with_open_commitments(db.session, g.user)]
    if "opportunities.detail" in endpoints:
        pages += [versioned(url_for("opportunities.detail", opportunity_id=i), v)
                  for i, v in opportunities]
    else:
        opportunities = []
    response = current_app.response_class(json.dumps({
        "format": 2,
        "user": g.user.id,
        "generated_at": utcnow().isoformat() + "Z",
        "accounts": len(accounts),
        "opportunities": len(opportunities),
        "pages": pages,
        "versions": versions,
        "pack": url_for("pwa.briefcase_pack"),
        "packSize": PACK_SIZE,
        "assets": [current_app.jinja_env.globals["static_url"](name)
                   for name in ROLE_ASSETS.get(g.user.role, REP_ASSETS)],
    }, separators=(",", ":")), mimetype="application/json")
    response.cache_control.no_store = True
    response.cache_control.private = True
    return response


# Pages per packed response (GET /offline/pack?p=...&p=...): the phone asks for a few at once.
PACK_SIZE = 50
# What a pack may hold: the briefcase's pages, nothing else (never a write, never an export).
PACK_ENDPOINTS = frozenset(PAGES) | {"accounts.detail", "opportunities.detail", "notes.file",
                                     "meetings.detail"}
# The request's environ a packed page is rendered with (the same sign-in, host and client).
_PACK_ENVIRON = ("HTTP_COOKIE", "HTTP_HOST", "HTTP_USER_AGENT", "HTTP_ACCEPT_LANGUAGE",
                 "REMOTE_ADDR", "SERVER_NAME", "SERVER_PORT", "SERVER_PROTOCOL", "SCRIPT_NAME",
                 "wsgi.url_scheme", "wsgi.version", "wsgi.errors", "wsgi.multithread",
                 "wsgi.multiprocess", "wsgi.run_once")


def _render_key(user) -> str:
    """What every page's rendering depends on besides its data: this deploy (worker and
    templates), the rep and their time zone, and their today (relative dates)."""
    from webapp.clock import local_today

    app = current_app._get_current_object()
    templates = app.extensions.get("pwa_templates_digest")
    if templates is None or app.debug:
        digest = hashlib.sha256()
        root = Path(app.template_folder)
        for path in sorted(root.rglob("*.html")):
            digest.update(path.as_posix().encode() + b"\0" + path.read_bytes())
        templates = app.extensions["pwa_templates_digest"] = digest.hexdigest()[:12]
    raw = f"{build_service_worker().version}|{templates}|{user.id}|{user.timezone}|" \
          f"{local_today(user.timezone).isoformat()}"
    return hashlib.sha256(raw.encode()).hexdigest()[:12]


def _session_cookie(app: Flask) -> str:
    """The Cookie header the packed pages are rendered with: this request's, with the session
    as it is now. The forms' CSRF token is made here first (a page rendered before the session
    held one would make its own, lost with that page's answer): every page of the pack carries
    the token this answer's session keeps."""
    from flask import session
    from flask_wtf.csrf import generate_csrf
    from werkzeug.http import parse_cookie

    cookies = parse_cookie(request.headers.get("Cookie", ""))
    generate_csrf()
    if session.modified:
        serializer = app.session_interface.get_signing_serializer(app)
        cookies[app.config["SESSION_COOKIE_NAME"]] = serializer.dumps(dict(session))
    return "; ".join(f"{name}={value}" for name, value in cookies.items())


def _render_page(app: Flask, path: str, cookie: str, prefetched: dict | None = None) -> dict:
    """The page at `path` exactly as a GET by this signed-in user would answer it: dispatched
    through the app (hooks, access checks, templates), in an application context of its own.
    `prefetched`: what the pack already read for it (environ key -> value)."""
    from io import BytesIO

    from werkzeug.test import run_wsgi_app

    location, _, query = path.partition("?")
    environ = {k: v for k, v in request.environ.items() if k in _PACK_ENVIRON}
    environ.update(prefetched or {})
    environ.update({"REQUEST_METHOD": "GET", "PATH_INFO": location, "QUERY_STRING": query,
                    "wsgi.input": BytesIO(b""), "CONTENT_LENGTH": "0",
                    "HTTP_ACCEPT": "text/html", "HTTP_X_GROUNDWORK_BRIEFCASE": "1",
                    "HTTP_COOKIE": cookie})
    with app.app_context():
        body, status, headers = run_wsgi_app(lambda e, s: Flask.wsgi_app(app, e, s), environ,
                                             buffered=True)
        data = b"".join(body)
        if hasattr(body, "close"):
            body.close()
    kept = (int(status.split(" ", 1)[0]) == 200
            and "no-store" not in headers.get("Cache-Control", "")
            and headers.get("Content-Encoding") is None)
    page = {"path": path, "status": int(status.split(" ", 1)[0])}
    if kept:
        page.update(type=headers.get("Content-Type", ""), body=data.decode("utf-8"),
                    user=headers.get("X-Groundwork-User"))
    return page


@bp.get("/offline/pack")
@login_required
def briefcase_pack():
    """Many briefcase pages in one answer: `?p=<path>&p=<path>...` (at most PACK_SIZE, each a
    page of the briefcase) -> {"user", "pages": [{"path", "status", "type", "body"}]}. Each page
    is rendered as the rep would get it online; one that is not 200 (gone, not theirs) comes
    without a body, and the phone drops its copy."""
    from werkzeug.exceptions import HTTPException

    from webapp.queries.accounts import account_pages
    from webapp.queries.briefcase import PREFETCHED_ACCOUNT_PAGES
    from webapp.routing import MAX_DATABASE_ID

    paths = request.args.getlist("p")[:PACK_SIZE]
    adapter = current_app.url_map.bind_to_environ(request.environ)
    app = current_app._get_current_object()
    cookie = _session_cookie(app)
    matched = []
    for path in paths:
        location = path.partition("?")[0]
        try:
            endpoint, arguments = adapter.match(location, method="GET")
        except HTTPException:
            endpoint, arguments = None, {}
        if not path.startswith("/") or endpoint not in PACK_ENDPOINTS:
            endpoint = None
        matched.append((path, endpoint, arguments))
    # The account pages' sections, read once for all of the pack's accounts (7 queries per
    # page become a handful per pack); each page still goes through the app as it would.
    account_ids = [arguments["account_id"] for path, endpoint, arguments in matched
                   if endpoint == "accounts.detail" and "?" not in path
                   and 0 < arguments.get("account_id", 0) <= MAX_DATABASE_ID]
    prefetched = {PREFETCHED_ACCOUNT_PAGES: account_pages(db.session, g.user, account_ids)}
    pages = []
    for path, endpoint, _ in matched:
        if endpoint is None:
            pages.append({"path": path, "status": 404})
            continue
        pages.append(_render_page(app, path, cookie, prefetched))
    response = current_app.response_class(json.dumps(
        {"user": g.user.id, "pages": pages}, separators=(",", ":")), mimetype="application/json")
    response.cache_control.no_store = True
    response.cache_control.private = True
    return response
