"""Where one request's time goes: the account page and the territory list, in process.

    .venv/bin/python bench/profile_pages.py DATABASE_URL [--requests 200] [--top 25]
                                            [--email rep1@example.com] [--sort tottime]

DATABASE_URL holds bench/generate.py's data (write access: signing in adds a session row).
The app is built as gunicorn builds it (create_app(), no debug); a test client signs in with
the form, warms both pages up, then for each page runs N requests
- once plain, for the wall and CPU time per request,
- once under cProfile, printing the functions with the most time,
and prints the share of each group of costs (the request hooks by name, Flask-Compress,
Jinja, SQLAlchemy, the database driver, session cookie, CSRF) from the profile. Ratios and
shares, not absolute times: the machine is shared.
"""
from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Groups of functions, by the file they live in (a function's own time, not cumulative).
GROUPS = (
    ("jinja rendering", ("jinja2/", "/templates/", "markupsafe")),
    ("babel / display", ("babel/", "webapp/display.py", "zoneinfo")),
    ("sqlalchemy", ("sqlalchemy/",)),
    ("database driver", ("psycopg/", "psycopg_pool", "sqlite3")),
    ("compression", ("flask_compress", "brotli", "gzip", "zlib")),
    ("session cookie", ("itsdangerous", "flask/sessions.py", "hashlib", "hmac")),
    ("csrf", ("flask_wtf/",)),
    ("rate limiter", ("flask_limiter", "limits/")),
    ("werkzeug / flask", ("werkzeug/", "flask/")),
    ("groundwork code", ("webapp/",)),
)


def sign_in(client, email: str) -> None:
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    token = token or re.search(r'value="([^"]+)"[^>]*name="csrf_token"', page)
    answer = client.post("/login", data={"csrf_token": token.group(1), "email": email,
                                         "password": "groundwork-demo", "next": ""})
    if answer.status_code not in (302, 303):
        raise SystemExit(f"sign-in failed: {answer.status_code}")


def run(client, url: str, n: int, headers: dict) -> None:
    for _ in range(n):
        response = client.get(url, headers=headers)
        if response.status_code not in (200, 304):
            raise SystemExit(f"{url}: {response.status_code}")


def group_of(filename: str) -> str:
    for name, needles in GROUPS:
        if any(needle in filename for needle in needles):
            return name
    return "other (python, gunicorn-free stdlib)"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--email", default="rep1@example.com")
    parser.add_argument("--sort", default="tottime")
    parser.add_argument("--no-profile", action="store_true", help="the timings only")
    parser.add_argument("--revalidate", action="store_true",
                        help="send each page's ETag back (If-None-Match), as a phone does")
    parser.add_argument("--dump", help="a folder to write each page's HTML to (compare runs)")
    args = parser.parse_args()
    os.environ.update(DATABASE_URL=args.url, SECRET_KEY="bench-secret",
                      INSTANCE_PATH=tempfile.mkdtemp(),
                      LOGIN_LIMIT_PER_ADDRESS="1000 per minute")
    from sqlalchemy import text

    from webapp import create_app
    from webapp.extensions import db

    app = create_app()
    client = app.test_client()
    sign_in(client, args.email)
    with app.app_context():
        account_id = db.session.execute(text(
            "SELECT a.id FROM accounts a JOIN users u ON u.id = a.owner_id "
            "WHERE u.email = :e ORDER BY a.id LIMIT 1"), {"e": args.email}).scalar()
        db.session.remove()
    headers = {"Accept-Encoding": "gzip, br"}
    pages = {"account page": f"/accounts/{account_id}", "territory list": "/accounts/"}
    for url in pages.values():
        run(client, url, 20, headers)
    for name, url in pages.items():
        tag = client.get(url, headers=headers).headers.get("ETag")
        headers = ({**headers, "If-None-Match": tag} if args.revalidate and tag
                   else {"Accept-Encoding": "gzip, br"})
        wall, cpu = time.perf_counter(), time.process_time()
        run(client, url, args.requests, headers)
        wall = (time.perf_counter() - wall) / args.requests * 1000
        cpu = (time.process_time() - cpu) / args.requests * 1000
        response = client.get(url, headers=headers)
        print(f"\n=== {name} {url}: {wall:.2f} ms wall, {cpu:.2f} ms CPU per request, "
              f"{response.status_code}, {len(response.get_data())} bytes as sent "
              f"({response.headers.get('Content-Encoding', 'identity')})", flush=True)
        if args.dump:
            Path(args.dump).mkdir(parents=True, exist_ok=True)
            Path(args.dump, name.replace(" ", "_") + ".html").write_bytes(
                client.get(url).get_data())
        if args.no_profile:
            continue
        profile = cProfile.Profile()
        profile.enable()
        run(client, url, args.requests, headers)
        profile.disable()
        stats = pstats.Stats(profile)
        total = sum(v[2] for v in stats.stats.values())
        shares: dict[str, float] = {}
        for (filename, _line, _func), (_cc, _nc, tt, _ct, _callers) in stats.stats.items():
            shares[group_of(filename)] = shares.get(group_of(filename), 0) + tt
        print("own time by group (share of the profiled total):")
        for group, seconds in sorted(shares.items(), key=lambda kv: -kv[1]):
            print(f"  {group:<38}{seconds / total:>7.1%}"
                  f"{seconds / args.requests * 1000:>9.2f} ms/request (profiled)")
        out = io.StringIO()
        pstats.Stats(profile, stream=out).strip_dirs().sort_stats(args.sort).print_stats(args.top)
        print("\n".join(out.getvalue().splitlines()[4:]))
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(
            r"webapp|flask_compress|flask_wtf|render_template|_load_user|full_dispatch")
        print("cumulative, Groundwork and hooks:")
        print("\n".join(line for line in out.getvalue().splitlines()[6:60] if line.strip()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
