"""The harness itself: a rep signs in on a phone-sized Chromium."""


def test_rep_signs_in_on_a_phone(live_server, page):
    with live_server.ctx():
        rep = live_server.make.user("rep", name="Dana Field")
        email = rep.email
    live_server.sign_in(page, email)
    assert page.url.rstrip("/") == live_server.url
    assert page.get_by_role("heading", name="Today").is_visible()
    assert page.viewport_size["width"] == 360
