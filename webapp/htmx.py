"""Full page or fragment: decided here, once, from htmx's request headers."""
from __future__ import annotations

from flask import make_response, render_template, request


def wants_fragment() -> bool:
    """An htmx request that swaps part of a page (not a boosted link, not a history restore)."""
    headers = request.headers
    return (
        headers.get("HX-Request") == "true"
        and headers.get("HX-Boosted") != "true"
        and headers.get("HX-History-Restore-Request") != "true"
    )


def render(page: str, fragment: str, status: int = 200, **context):
    """Render `page` or, for an htmx swap, only `fragment` (which the page itself includes)."""
    response = make_response(render_template(fragment if wants_fragment() else page, **context),
                             status)
    response.vary.add("HX-Request")
    return response
