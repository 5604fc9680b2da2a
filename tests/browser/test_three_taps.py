"""Issue 10 item 13 on a 360 px phone: from the territory list to a saved meeting (or quick
note) in at most three taps plus typing, counted the way a person taps: at a point on the
screen, on something already in view (no scrolling first), big enough for a thumb."""
from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.conftest import DEMO_PASSWORD
from webapp.models import Account, Meeting, Note, User

VIEWPORT_HEIGHT = 740


class Thumb:
    """Taps the way a person does, and counts them."""

    def __init__(self, page):
        self.page = page
        self.taps: list[str] = []

    def tap(self, locator, what: str) -> None:
        locator.wait_for(state="visible")
        box = locator.bounding_box()
        assert box is not None, what
        # In view as the page stands: a person cannot tap what is below the fold.
        assert box["y"] >= 0 and box["y"] + box["height"] <= VIEWPORT_HEIGHT, (what, box)
        assert box["height"] >= 44 and box["width"] >= 44, (what, box)
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        # Nothing (the navigation, a sticky header) covers the middle of it.
        assert locator.evaluate("(el, [x, y]) => el.contains(document.elementFromPoint(x, y))",
                                [x, y]), f"{what} is covered"
        self.page.touchscreen.tap(x, y)
        self.taps.append(what)


def _first_account(demo_server, email):
    with demo_server.ctx() as session:
        rep = session.scalar(select(User).where(User.email == email))
        return session.scalar(select(Account).where(Account.owner_id == rep.id)
                              .order_by(Account.name, Account.id).limit(1)).id


def _no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth - "
                         "document.documentElement.clientWidth") <= 0


def _small_targets(page) -> list[str]:
    """Visible links, buttons, inputs, summaries and chips smaller than 44 px either way."""
    return page.evaluate("""() => {
      const small = [];
      const selector = 'main a, main button, main input:not([type=radio]):not([type=checkbox])'
        + ':not([type=hidden]), main select, main textarea, main summary, main .chips span,'
        + ' main .choices label, nav.bottom a';
      for (const el of document.querySelectorAll(selector)) {
        const r = el.getBoundingClientRect();
        if (!r.width || !r.height || el.closest('p, li, dd, small')) continue;  // links in text
        if (r.height < 44 || r.width < 44) small.push(el.outerHTML.slice(0, 80));
      }
      return small;
    }""")


def test_a_meeting_is_three_taps_from_the_territory_list(demo_server, page):
    demo_server.sign_in(page, "rep1@example.com", DEMO_PASSWORD)
    account_id = _first_account(demo_server, "rep1@example.com")
    page.goto(demo_server.url + "/accounts")
    thumb = Thumb(page)

    thumb.tap(page.locator(f'#accounts a[href="/accounts/{account_id}"]'), "the account")
    page.wait_for_url(f"**/accounts/{account_id}")
    thumb.tap(page.get_by_role("link", name="Log meeting").first, "Log meeting")
    page.wait_for_url("**/meetings/new?account_id=*")

    # The notes have the focus: the rep types straight away.
    expect(page.get_by_label("Notes", exact=True)).to_be_focused()
    page.keyboard.type("Walked the plant; they want a pilot in March.")
    _no_sideways_scroll(page)
    assert _small_targets(page) == []
    thumb.tap(page.get_by_role("button", name="Save meeting"), "Save meeting")

    page.wait_for_url(f"**/accounts/{account_id}**")
    expect(page.locator("#meetings")).to_contain_text("they want a pilot in March")
    assert len(thumb.taps) <= 3, thumb.taps
    with demo_server.ctx() as session:
        saved = session.scalars(select(Meeting).where(
            Meeting.notes == "Walked the plant; they want a pilot in March.")).all()
        assert [m.account_id for m in saved] == [account_id]  # once, where it was meant


def test_save_stays_in_view_above_the_navigation_with_long_notes(demo_server, page):
    demo_server.sign_in(page, "rep1@example.com", DEMO_PASSWORD)
    account_id = _first_account(demo_server, "rep1@example.com")
    page.goto(f"{demo_server.url}/meetings/new?account_id={account_id}")
    page.keyboard.type("Line\n" * 30)  # the textarea grows the page well past the screen
    more = page.get_by_text("More: when, how long")
    more.click()  # the folded fields open; Save is still one tap away
    expect(page.get_by_label("Where", exact=True)).to_be_visible()
    page.mouse.wheel(0, 400)
    thumb = Thumb(page)
    thumb.tap(page.get_by_role("button", name="Save meeting"), "Save meeting")
    page.wait_for_url(f"**/accounts/{account_id}**")
    # No label shows twice on the form, and nothing on it is half the width of the phone.
    page.goto(f"{demo_server.url}/meetings/new?account_id={account_id}")
    page.get_by_text("More: when, how long").click()
    labels = page.locator("main form label:visible, main form legend:visible").evaluate_all(
        "els => els.map(e => e.textContent.trim()).filter(Boolean)")
    assert len(labels) == len(set(labels)), labels
    narrow = page.evaluate("""() => [...document.querySelectorAll(
        'main form input:not([type=radio]):not([type=checkbox]):not([type=hidden]),'
        + ' main form textarea, main form select')]
      .filter(e => e.getBoundingClientRect().width && e.getBoundingClientRect().width < 250)
      .map(e => e.name)""")
    assert narrow == []
    _no_sideways_scroll(page)


def test_a_quick_note_is_three_taps_from_the_territory_list(demo_server, page):
    demo_server.sign_in(page, "rep2@example.com", DEMO_PASSWORD)
    account_id = _first_account(demo_server, "rep2@example.com")
    page.goto(demo_server.url + "/accounts")
    thumb = Thumb(page)

    thumb.tap(page.locator(f'#accounts a[href="/accounts/{account_id}"]'), "the account")
    page.wait_for_url(f"**/accounts/{account_id}")
    thumb.tap(page.get_by_role("link", name="Quick note"), "Quick note")
    page.wait_for_url("**/notes/new?account_id=*")
    expect(page.get_by_label("Note", exact=True)).to_be_focused()
    page.keyboard.type("Their CFO retires in June.")
    _no_sideways_scroll(page)
    assert _small_targets(page) == []
    thumb.tap(page.get_by_role("button", name="Save note"), "Save note")

    page.wait_for_url(f"**/accounts/{account_id}**")
    assert len(thumb.taps) <= 3, thumb.taps
    with demo_server.ctx() as session:
        notes = session.scalars(select(Note).where(Note.body == "Their CFO retires in June.")).all()
        assert [n.account_id for n in notes] == [account_id]


def test_the_account_picker_finds_an_account_by_typing(demo_server, page):
    demo_server.sign_in(page, "rep1@example.com", DEMO_PASSWORD)
    with demo_server.ctx() as session:
        rep = session.scalar(select(User).where(User.email == "rep1@example.com"))
        target = session.scalars(select(Account).where(Account.owner_id == rep.id)
                                 .order_by(Account.name.desc())).first()
        name, target_id = target.name, target.id
    page.goto(demo_server.url + "/meetings/new")
    expect(page.get_by_label("Notes", exact=True)).to_be_focused()
    page.keyboard.type("Quick catch-up.")
    page.get_by_label("Account", exact=True).fill(name[:6])
    choice = page.get_by_role("radio", name=name)
    expect(choice).to_be_visible()
    assert page.locator("#account-choices input").count() <= 20
    choice.check()
    page.get_by_role("button", name="Save meeting").click()
    page.wait_for_url(f"**/accounts/{target_id}**")
    with demo_server.ctx() as session:
        assert session.scalar(select(Meeting.account_id).where(
            Meeting.notes == "Quick catch-up.")) == target_id


def test_bottom_navigation_has_icons_and_one_line_labels(demo_server, page):
    demo_server.sign_in(page, "rep1@example.com", DEMO_PASSWORD)
    account_id = _first_account(demo_server, "rep1@example.com")
    for path in ("/", f"/accounts/{account_id}"):
        page.goto(demo_server.url + path)
        nav = page.get_by_role("navigation", name="Main")
        for label in ("Today", "Territory", "Log meeting", "Note", "More options"):
            link = nav.get_by_role("link", name=label, exact=True)
            expect(link.locator("svg")).to_have_count(1)
        # Icons drawn (the sprite loaded), labels on one line, nothing cut off.
        widths = nav.locator("svg").evaluate_all("els => els.map(e => e.getBBox().width)")
        assert min(widths) > 0
        lines = nav.locator("span").evaluate_all(
            "els => els.map(e => [e.getClientRects().length,"
            " e.scrollWidth <= e.parentNode.clientWidth])")
        assert all(n == 1 and fits for n, fits in lines), lines
        # Buttons whose label used to wrap ("Log meeting", "Call main line") are on one line.
        heights = page.locator("main .actions a.button, main .actions button").evaluate_all(
            "els => els.filter(e => e.offsetParent).map(e => [e.textContent.trim(), "
            "e.getBoundingClientRect().height])")
        assert all(h < 60 for _, h in heights), heights
        if path == "/":  # the briefcase's button, once two lines at 360 px
            save = page.get_by_role("button", name="Save territory offline", exact=True)
            expect(save).to_be_visible()
            assert save.evaluate("e => e.getBoundingClientRect().height") < 60
        _no_sideways_scroll(page)
