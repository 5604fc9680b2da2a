"""Full page or fragment: decided here, once, from htmx's request headers."""
from __future__ import annotations

from flask import make_response, render_template, request, session


def htmx_request() -> bool:
    """Any request htmx sends (a swap, a boosted link, a history restore)."""
    return request.headers.get("HX-Request") == "true"


def wants_fragment() -> bool:
    """An htmx request that swaps part of a page (not a boosted link, not a history restore)."""
    headers = request.headers
    return (
        headers.get("HX-Request") == "true"
        and headers.get("HX-Boosted") != "true"
        and headers.get("HX-History-Restore-Request") != "true"
    )


def briefcase_fetch() -> bool:
    """The service worker filling the briefcase in the background (not the user looking at a
    page): such a request neither shows nor uses up a message, nor counts as activity."""
    return request.headers.get("X-Groundwork-Briefcase") == "1"


def outbox_replay() -> bool:
    """A queued write replayed by the outbox: its answer is stored, not shown, so a page it
    answers with (a conflict, a form with errors) neither shows nor uses up a message meant
    for the page the user is looking at."""
    return request.headers.get("X-Groundwork-Outbox") == "1"


def render(page: str, fragment: str, status: int = 200, **context):
    """Render `page` or, for an htmx swap, only `fragment` (which the page itself includes).
    A fragment also carries any message for the user (a flash, say after a form posted by
    htmx was redirected here), swapped out of band into the page's message area."""
    if not wants_fragment():
        body = render_template(page, **context)
    else:
        body = render_template(fragment, **context)
        if session.get("_flashes"):
            body += render_template("_flashes.html", oob=True)
    response = make_response(body, status)
    response.vary.add("HX-Request")
    return response


# The response headers htmx reads, written only here.

def varies(response):
    """Mark a response that differs for htmx swaps (a fragment) and plain visits (a page or a
    redirect), so that no cache hands one the other."""
    response.vary.add("HX-Request")
    return response


def retarget(response, target: str, swap: str):
    """Have htmx swap the answer into `target` (a CSS selector) the `swap` way instead of the
    element that asked (a conflict screen replaces the page, not the editor)."""
    response.headers["HX-Retarget"] = target
    response.headers["HX-Reswap"] = swap
    return response


def client_redirect(response, url: str):
    """Have htmx load `url` as a whole page instead of swapping this answer in."""
    response.headers["HX-Redirect"] = url
    return response
