"""The templates read as code: short lines, no form data read behind the route's back, no
label tables written inline (labels live in webapp/display.py or come from the route)."""
from __future__ import annotations

from pathlib import Path

import pytest
from jinja2 import Environment, nodes

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
PATHS = sorted(TEMPLATES.rglob("*.html"))
MAX_LINE = 200


def _name(path: Path) -> str:
    return str(path.relative_to(TEMPLATES))


def _tree(path: Path) -> nodes.Template:
    return Environment().parse(path.read_text(encoding="utf-8"))


def test_there_are_templates_to_check():
    assert len(PATHS) > 50


@pytest.mark.parametrize("path", PATHS, ids=_name)
def test_no_template_line_is_longer_than_200_characters(path):
    long = [number for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
            if len(line) > MAX_LINE]
    assert not long, f"{_name(path)}: lines over {MAX_LINE} characters: {long}"


@pytest.mark.parametrize("path", PATHS, ids=_name)
def test_no_template_reads_the_posted_form(path):
    """What a form shows again comes from its WTForms form or the route's context."""
    reads = [node.lineno for node in _tree(path).find_all(nodes.Getattr)
             if node.attr == "form" and isinstance(node.node, nodes.Name)
             and node.node.name == "request"]
    assert not reads, f"{_name(path)} reads request.form on lines {reads}"


@pytest.mark.parametrize("path", PATHS, ids=_name)
def test_no_template_looks_words_up_in_a_dictionary_it_writes_itself(path):
    """{'won': 'Won', ...}[x] belongs in webapp/display.py as a filter, not in a page."""
    tree = _tree(path)
    tables = [node.lineno for node in tree.find_all(nodes.Getitem)
              if isinstance(node.node, nodes.Dict)]
    tables += [node.lineno for node in tree.find_all(nodes.Getattr)
               if isinstance(node.node, nodes.Dict)]
    assert not tables, f"{_name(path)}: an inline label table on lines {tables}"


def test_the_checks_see_what_they_look_for():
    """The checks above find the three things they forbid (so a pass means something)."""
    tree = Environment().parse(
        "{{ request.form.get('x') }}{{ {'a': 'A'}[v] }}{{ {'b': 1}.get(v) }}")
    assert any(n.attr == "form" for n in tree.find_all(nodes.Getattr)
               if isinstance(n.node, nodes.Name) and n.node.name == "request")
    assert any(isinstance(n.node, nodes.Dict) for n in tree.find_all(nodes.Getitem))
    assert any(isinstance(n.node, nodes.Dict) for n in tree.find_all(nodes.Getattr))
