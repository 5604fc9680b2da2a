"""Throughput of Groundwork against a bare Flask "hello" on the same server and load generator.

    .venv/bin/python bench/throughput.py DATABASE_URL [--seconds 5] [--rounds 2] [--connections 50]

DATABASE_URL holds data made by bench/generate.py (rep1@example.com with a big territory).
Both apps run under gunicorn with `make run`'s settings (2 workers, 4 threads), loopback only;
the load comes from wrk (Debian: `apt-get install -y wrk`), A B A B, and the report is the
ratio of Groundwork's requests per second to hello's, with p50/p95 latency, for the account
page and the territory list. Ratios, not absolute figures: the machine is shared.
`--revalidate` adds a row per page for what the service worker does on every online
navigation: the same request with the page's ETag (an unchanged page answers 304, no body).
`--floor` serves bench/floor_app.py instead (Groundwork plus two bench-only pages) and adds
its rows: the signed-in check alone, and that plus one indexed query, each answering a body
kept in memory, already compressed: the most any page cache checked against the database
could reach.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = ["--workers", "2", "--threads", "4", "--log-level", "warning"] + (
    ["--access-logfile", os.environ["BENCH_ACCESS_LOG"], "--access-logformat", "%(r)s %(s)s %(B)s"]
    if os.environ.get("BENCH_ACCESS_LOG") else [])
LUA = """
done = function(summary, latency, requests)
  io.write(string.format("GW p50=%.2f p95=%.2f\\n", latency:percentile(50) / 1000,
                         latency:percentile(95) / 1000))
end
"""
GOAL = 0.35


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(app: str, port: int, env: dict, options: tuple[str, ...] = ()) -> subprocess.Popen:
    """`app` under gunicorn with `make run`'s settings (plus `options`), once it answers."""
    process = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), *GUNICORN, *options, "--bind", f"127.0.0.1:{port}",
         "--control-socket", f"{env['INSTANCE_PATH']}/gunicorn-{port}.ctl", app],
        cwd=ROOT, env=env)
    for _ in range(300):  # bounded: 30 s
        try:
            requests.get(f"http://127.0.0.1:{port}/", timeout=10)
            return process
        except requests.RequestException:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"{app} did not start")


def sign_in(base: str, email: str) -> str:
    """The session cookie header of a real sign-in (CSRF token from the form)."""
    s = requests.Session()
    page = s.get(f"{base}/login").text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    token = token or re.search(r'value="([^"]+)"[^>]*name="csrf_token"', page)
    answer = s.post(f"{base}/login", data={"csrf_token": token.group(1), "email": email,
                                           "password": "groundwork-demo", "next": ""},
                    allow_redirects=False)
    if answer.status_code not in (302, 303):
        raise RuntimeError(f"sign-in failed: {answer.status_code}")
    return "; ".join(f"{c.name}={c.value}" for c in s.cookies)


def wrk(url: str, seconds: int, connections: int, cookie: str | None, script: str,
        etag: str | None = None) -> dict:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "30s",
               "-s", script,
               "-H", "Accept-Encoding: gzip, br"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    if etag:
        command += ["-H", f"If-None-Match: {etag}"]
    out = subprocess.run(command + [url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50, p95 = map(float, re.search(r"GW p50=([\d.]+) p95=([\d.]+)", out).groups())
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": rps, "p50": p50, "p95": p95, "errors": int(errors.group(1)) if errors else 0}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--email", default="rep1@example.com")
    parser.add_argument("--revalidate", action="store_true",
                        help="also measure a revalidation of each page (If-None-Match: 304)")
    parser.add_argument("--floor", action="store_true",
                        help="also measure the floor: a stored page after the sign-in check "
                             "alone, and after one indexed query (bench/floor_app.py)")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        print("wrk is missing: apt-get install -y wrk", file=sys.stderr)
        return 1
    tmp = Path(tempfile.mkdtemp())
    script = tmp / "p.lua"
    script.write_text(LUA)
    env = dict(os.environ, DATABASE_URL=args.url, SECRET_KEY="bench-secret",
               INSTANCE_PATH=str(tmp), LOGIN_LIMIT_PER_ADDRESS="1000 per minute",
               PYTHONPATH=str(ROOT / "bench"))
    gw_port, hello_port = free_port(), free_port()
    gw = serve("floor_app:app" if args.floor else "webapp:create_app()", gw_port, env)
    hello = serve("hello_app:app", hello_port, env)
    try:
        base = f"http://127.0.0.1:{gw_port}"
        cookie = sign_in(base, args.email)
        from sqlalchemy import create_engine, text

        from webapp.config import normalise_database_url
        with create_engine(normalise_database_url(args.url)).connect() as conn:
            account_id = conn.execute(text(
                "SELECT a.id FROM accounts a JOIN users u ON u.id = a.owner_id "
                "WHERE u.email = :e ORDER BY a.id LIMIT 1"), {"e": args.email}).scalar()
        pages = {"account page": f"{base}/accounts/{account_id}",
                 "territory list": f"{base}/accounts/"}
        if args.floor:
            pages.update({"floor: signed in": f"{base}/bench/floor/signed-in",
                          "floor: + 1 query": f"{base}/bench/floor/{account_id}"})
        etags = {}
        for name, url in pages.items():  # warm up both servers; the ETag a phone would hold
            answer = requests.get(url, headers={"Cookie": cookie,
                                                "Accept-Encoding": "gzip, br"}, timeout=60)
            etags[name] = answer.headers.get("ETag")
        if args.revalidate:  # the service worker revalidating a page it keeps (304)
            pages.update({f"{name} 304": url for name, url in list(pages.items())
                          if etags[name]})
        print(f"{'page':<20}{'round':>6}{'GW req/s':>10}{'hello':>10}{'ratio':>8}"
              f"{'GW p50 ms':>11}{'GW p95 ms':>11}{'hello p50':>11}")
        summary = {}
        for name, url in pages.items():
            ratios = []
            for round_ in range(1, args.rounds + 1):  # A B A B
                a = wrk(url, args.seconds, args.connections, cookie, str(script),
                        etags.get(name.removesuffix(" 304")) if name.endswith(" 304") else None)
                b = wrk(f"http://127.0.0.1:{hello_port}/", args.seconds, args.connections,
                        None, str(script))
                ratios.append(a["rps"] / b["rps"])
                note = (f"  ({a['errors']} non-2xx!)" if a["errors"] and "304" not in name
                        else f"  ({a['errors']} were 304)" if a["errors"] else "")
                print(f"{name:<20}{round_:>6}{a['rps']:>10.1f}{b['rps']:>10.1f}"
                      f"{ratios[-1]:>8.1%}{a['p50']:>11.1f}{a['p95']:>11.1f}{b['p50']:>11.1f}"
                      f"{note}", flush=True)
            summary[name] = sum(ratios) / len(ratios)
        for name, ratio in summary.items():
            print(f"{name}: {ratio:.1%} of bare Flask (goal {GOAL:.0%})")
        return 0 if all(r >= GOAL for n, r in summary.items()
                        if "304" not in n and not n.startswith("floor")) else 1
    finally:
        for process in (gw, hello):
            process.terminate()
        for process in (gw, hello):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


if __name__ == "__main__":
    sys.exit(main())
