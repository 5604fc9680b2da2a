"""Page weight and query counts with the demo data, as each demo user sees them.

    .venv/bin/python bench/page_weight.py [--json out.json]

For every page a signed-in user can GET (no URL parameters, plus one account, one
opportunity and the log-meeting form for an account), prints the HTML size raw and gzipped
(budget: 14 KB, one network round trip), the SQL statements it ran, and the first-visit
transfer (HTML + CSS + JS, gzipped; budget: 60 KB). Uses a throwaway SQLite database.
"""
from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event, select  # noqa: E402

from webapp import create_app  # noqa: E402
from webapp.database import upgrade_database  # noqa: E402
from webapp.extensions import db  # noqa: E402

HTML_BUDGET = 14 * 1024
FIRST_VISIT_BUDGET = 60 * 1024
USERS = ["rep1@example.com", "manager@example.com", "admin@example.com"]


def gz(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=6))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp())
    url = f"sqlite:///{tmp / 'bench.sqlite'}"
    upgrade_database(url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False})
    app.instance_path = str(tmp)
    from webapp.demo import load_demo_data
    from webapp.models import Account, Opportunity, User
    from webapp.queries.access import visible_accounts

    with app.app_context():
        load_demo_data(db.session)
        statements: list[str] = []
        event.listen(db.engine, "before_cursor_execute",
                     lambda *a: statements.append(a[2]))
        plain = [r.rule for r in app.url_map.iter_rules()
                 if "GET" in r.methods and not r.arguments and not r.rule.startswith("/static")
                 and r.endpoint not in {"auth.login", "pwa.service_worker", "pwa.manifest"}]
        rows, worst = [], 0
        for email in USERS:
            user = db.session.scalar(select(User).where(User.email == email))
            account = db.session.scalar(visible_accounts(user).order_by(Account.id).limit(1))
            opportunity = db.session.scalar(select(Opportunity).where(Opportunity.account_id == account.id).limit(1))
            pages = sorted(set(plain)) + [f"/accounts/{account.id}", f"/meetings/new?account_id={account.id}"]
            if opportunity:
                pages.append(f"/opportunities/{opportunity.id}")
            client = app.test_client()
            client.post("/login", data={"email": email, "password": "groundwork-demo"})
            for page in pages:
                statements.clear()
                response = client.get(page)
                body = response.get_data()
                is_html = response.mimetype == "text/html"
                row = {"user": email, "page": page, "status": response.status_code,
                       "raw": len(body), "gzip": gz(body), "queries": len(statements), "html": is_html}
                rows.append(row)
                if is_html and response.status_code == 200:
                    worst = max(worst, row["gzip"])
        # First visit: the heaviest HTML page plus every CSS/JS file the base template loads.
        client = app.test_client()
        login_html = client.get("/login").get_data(as_text=True)
        assets = re.findall(r'(?:src|href)="(/static/[^"]+\.(?:css|js)[^"]*)"', login_html)
        asset_bytes = sum(gz(client.get(a).get_data()) for a in assets)
    print(f"{'user':22} {'page':42} {'status':>6} {'raw':>8} {'gzip':>7} {'sql':>4}")
    for row in rows:
        flag = "  OVER" if row["html"] and row["gzip"] > HTML_BUDGET else ""
        print(f"{row['user']:22} {row['page'][:42]:42} {row['status']:>6} {row['raw']:>8} {row['gzip']:>7} {row['queries']:>4}{flag}")
    print(f"\nCSS+JS loaded by every page: {len(assets)} files, {asset_bytes} bytes gzipped")
    print(f"Heaviest HTML page: {worst} bytes gzipped (budget {HTML_BUDGET})")
    print(f"First visit (heaviest page + CSS + JS): {worst + asset_bytes} bytes gzipped (budget {FIRST_VISIT_BUDGET})")
    if args.json:
        Path(args.json).write_text(json.dumps({"pages": rows, "assets_gzip": asset_bytes}, indent=1))
    over = worst > HTML_BUDGET or worst + asset_bytes > FIRST_VISIT_BUDGET
    return 1 if over else 0


if __name__ == "__main__":
    raise SystemExit(main())
