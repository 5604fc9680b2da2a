"""Benchmark: Lighthouse scores (performance, accessibility, best practices, SEO) of the five
core pages a rep uses: Today, the territory list, an account, log meeting and an opportunity.

The demo data is loaded into a fresh SQLite database, the app is served on a free local port,
a rep signs in (the real sign-in form) and Lighthouse from npm (`lighthouse`, an exact-pinned
devDependency: `npm install` or `make lighthouse`) runs each page with its default mobile
settings (emulated phone, simulated slow 4G and CPU) in Debian's Chromium, with the rep's
session cookie. Prints the four scores per page and what kept a category below 100.

    .venv/bin/python bench/lighthouse.py [--runs N] [--page NAME ...] [--save DIR]

`--runs N` runs each page N times and prints the median of each category (Lighthouse's
simulated throttling still varies with the machine's load); `--page` picks pages by name
(e.g. `--page Today --page "Log meeting"`); `--save DIR` keeps each page's full JSON report.
Runs only against 127.0.0.1; not part of the tests.
"""
from __future__ import annotations

import argparse
import http.cookiejar
import json
import logging
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from webapp import create_app  # noqa: E402
from webapp.database import upgrade_database  # noqa: E402
from webapp.extensions import db  # noqa: E402
from webapp.models import OPEN_STAGES, Account, Opportunity, User  # noqa: E402

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
REP = "rep1@example.com"
PASSWORD = "groundwork-demo"


def core_pages(app) -> dict[str, str]:
    """The five pages, for the demo rep's busiest account and one of its open deals."""
    with app.app_context():
        rep = db.session.scalar(select(User).where(User.email == REP))
        deal = db.session.scalars(
            select(Opportunity).join(Account, Account.id == Opportunity.account_id)
            .where(Account.owner_id == rep.id, Opportunity.stage.in_(OPEN_STAGES))
            .order_by(Account.last_touch_at.desc(), Opportunity.id)).first()
        account_id = deal.account_id
    return {"Today": "/", "Territory": "/accounts/", "Account": f"/accounts/{account_id}",
            "Log meeting": f"/meetings/new?account_id={account_id}",
            "Opportunity": f"/opportunities/{deal.id}"}


def sign_in(base: str) -> str:
    """The Cookie header of a rep signed in through the sign-in form."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    form = opener.open(base + "/login").read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form)
    data = {"email": REP, "password": PASSWORD}
    if token:
        data["csrf_token"] = token.group(1)
    opener.open(base + "/login", urllib.parse.urlencode(data).encode())
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    if not cookie:
        sys.exit("sign-in failed")
    return cookie


def lighthouse(url: str, cookie: str, attempts: int = 3) -> dict:
    """One Lighthouse run; a run that failed to record (NO_NAVSTART and the like, seen on a
    busy machine) is tried again."""
    for attempt in range(attempts):
        try:
            return lighthouse_once(url, cookie)
        except RuntimeError as error:
            if attempt == attempts - 1:
                raise
            print(f"    (run failed, again: {str(error).strip().splitlines()[-1][:120]})", flush=True)
    raise AssertionError("unreachable")


def lighthouse_once(url: str, cookie: str) -> dict:
    command = [str(LIGHTHOUSE), url, "--quiet", "--output=json", "--output-path=stdout",
               "--only-categories=" + ",".join(CATEGORIES),
               "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
               "--extra-headers=" + json.dumps({"Cookie": cookie})]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "CHROME_PATH": CHROMIUM})
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-2000:])
    return json.loads(done.stdout)


def shortfalls(report: dict, category: str) -> list[str]:
    """The audits of `category` that did not pass (what to fix for 100)."""
    audits = report["audits"]
    failed = []
    for ref in report["categories"][category]["auditRefs"]:
        audit = audits.get(ref["id"], {})
        if ref.get("weight", 0) > 0 and audit.get("score") is not None and audit["score"] < 1:
            failed.append(f"{ref['id']} ({audit['score']:.2f})")
    return failed


def metrics(report: dict) -> str:
    """The performance metrics that weigh most, as measured in one run."""
    audits = report["audits"]
    return (f"TBT {audits['total-blocking-time']['numericValue']:.0f} ms, "
            f"LCP {audits['largest-contentful-paint']['numericValue']:.0f} ms, "
            f"CLS {audits['cumulative-layout-shift']['numericValue']:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--runs", type=int, default=1, help="runs per page (median)")
    parser.add_argument("--page", action="append", default=[], help="only these pages")
    parser.add_argument("--save", type=Path, help="a folder for the JSON reports")
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        sys.exit(f"no Chromium at {CHROMIUM}")
    if not LIGHTHOUSE.exists():
        sys.exit("no lighthouse: run `npm install` (it is a devDependency) or `make lighthouse`")
    from webapp.demo import load_demo_data

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'lighthouse.sqlite'}"
        upgrade_database(url)
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "lighthouse"})
        app.instance_path = tmp
        with app.app_context():
            load_demo_data(db.session)
            db.session.commit()
        pages = core_pages(app)
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        base = f"http://127.0.0.1:{server.server_port}"
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            cookie = sign_in(base)
            print("Lighthouse (mobile) · " + " / ".join(CATEGORIES), flush=True)
            for name, path in pages.items():
                if args.page and name not in args.page:
                    continue
                runs = []
                for run in range(max(1, args.runs)):
                    report = lighthouse(base + path, cookie)
                    if report.get("finalDisplayedUrl", "").rstrip("/").endswith("/login"):
                        sys.exit(f"{name}: Lighthouse was sent to the sign-in page")
                    if args.save:
                        args.save.mkdir(parents=True, exist_ok=True)
                        slug = name.lower().replace(" ", "_")
                        (args.save / f"{slug}-{run}.json").write_text(json.dumps(report))
                    runs.append(report)
                scores = [round(statistics.median(r["categories"][c]["score"] for r in runs) * 100)
                          for c in CATEGORIES]
                report = min(runs, key=lambda r: r["categories"]["performance"]["score"])
                print(f"{name:<12} {path:<28} " + " ".join(f"{s:>3}" for s in scores), flush=True)
                if scores[0] < 100:
                    print("    " + "; ".join(metrics(r) for r in runs))
                for category, score in zip(CATEGORIES, scores):
                    if score < 100:
                        print(f"    {category}: " + ", ".join(shortfalls(report, category)))
        finally:
            server.shutdown()
            thread.join(timeout=5)


if __name__ == "__main__":
    main()
