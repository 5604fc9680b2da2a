"""Where kinds of code live (README, Design notes: Shape), checked on the source: app-wide
concerns in their one module, the page's JavaScript in one dialect."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sorted((ROOT / "webapp").rglob("*.py"))
SCRIPTS = sorted((ROOT / "static" / "js").glob("*.js")) + sorted(
    (ROOT / "service_worker").glob("*.js"))


def _lines(paths, pattern: str):
    found = re.compile(pattern)
    return [f"{path.relative_to(ROOT)}:{number}"
            for path in paths for number, line in enumerate(path.read_text().splitlines(), 1)
            if found.search(line)]


def test_htmx_headers_are_written_only_by_webapp_htmx():
    elsewhere = [p for p in PYTHON if p.name != "htmx.py"]
    assert not _lines(elsewhere, r"""["']HX-[A-Za-z-]+["']\]\s*=|vary\.add\(|["']Vary["']""")


def test_context_processors_and_filters_are_registered_in_their_one_module():
    features = [p for p in PYTHON if p.parent.name != "webapp"]
    assert not _lines(features, r"context_processor|app_template_filter|add_app_template_filter")


def test_scripts_await_instead_of_chaining_then():
    assert not _lines(SCRIPTS, r"\.then\(")
