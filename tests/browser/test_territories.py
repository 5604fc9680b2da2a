"""Issue 5 on a phone-sized Chromium with the demo team: the manager reorganises territories by
rules, sees the balance change, previews and schedules a roll-forward; the reps see exactly
what changes for them and when. The territory pages fit a 360 px screen with thumb-sized
buttons."""
from __future__ import annotations

import re
from datetime import date

from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.conftest import DEMO_PASSWORD, PHONE
from webapp.domain.protection import PlanDates
from webapp.models import OPEN_STAGES, Account, Opportunity, Territory, TerritoryOverride, User
from webapp.database import unit_of_work
from webapp.services import territory_plans

# Buttons, button-like links, menus and disclosure toggles: what a thumb taps.
SMALL_TAP_TARGETS = """() => Array.from(document.querySelectorAll(
    'main button, main a.button, main input[type=submit], main select, main summary'))
  .filter(el => el.getClientRects().length > 0)
  .map(el => [(el.innerText || el.name || el.tagName).trim(), el.getBoundingClientRect().height])
  .filter(([, height]) => height < 44)"""


def _fits_a_phone(page) -> None:
    """No sideways scrolling of the page at 360 px, and every tap target at least 44 px high."""
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, \
        f"{page.url} scrolls sideways at 360 px"
    assert page.evaluate(SMALL_TAP_TARGETS) == [], f"{page.url}: tap targets under 44 px"


def _open_details(page) -> None:
    page.evaluate("document.querySelectorAll('main details').forEach(d => d.open = true)")


def _more(page, link: str) -> None:
    page.get_by_role("link", name="More").click()
    page.get_by_role("link", name=re.compile(link)).click()


def _balance(table) -> dict[str, dict[str, float]]:
    """A balance table as the user reads it: rep -> accounts, potential, pipeline and the
    pipeline's share off the team mean (in %)."""
    out = {}
    for row in table.locator("tbody tr").all():
        name = row.locator("th").inner_text().strip()
        cells = [c.inner_text() for c in row.locator("td").all()]
        numbers = [re.match(r"\s*([\d,]+)\s+([+-]\d+)%", c) for c in cells]
        accounts, potential, pipeline = (int(n.group(1).replace(",", "")) for n in
                                         (numbers[0], numbers[-2], numbers[-1]))
        out[name] = {"accounts": accounts, "potential": potential, "pipeline": pipeline,
                     "pipeline_off": int(numbers[-1].group(2))}
    return out


def _names(section) -> set[str]:
    return {b.strip() for b in section.locator("li > b").all_inner_texts()}


def test_manager_reorganises_by_rules_schedules_a_roll_forward_and_reps_see_their_changes(
        demo_server, page, browser):
    # The manager: territories and today's balance.
    demo_server.sign_in(page, "manager@example.com", DEMO_PASSWORD)
    _more(page, "^Territories")
    main = page.locator("main")
    expect(page.get_by_role("heading", name="Territories", level=1)).to_be_visible()
    expect(page.get_by_role("img", name=re.compile("Potential and qualified pipeline"))) \
        .to_be_visible()
    today = _balance(main.locator("table.balance"))
    assert set(today) == {"Maya Okafor", "Luis Ortega", "Priya Raman", "Tom Becker"}
    assert today["Luis Ortega"]["pipeline_off"] > 20  # Wisconsin holds far more pipeline
    assert today["Maya Okafor"]["pipeline_off"] < -20
    _fits_a_phone(page)

    # Chicago Metro takes Waukesha (postal codes 531..): its rules now match 11 more accounts,
    # which Wisconsin's rules match too until Wisconsin gives them up.
    main.get_by_role("link", name=re.compile("^Chicago Metro")).click()
    expect(page.get_by_role("heading", name="Chicago Metro", level=1)).to_be_visible()
    _fits_a_phone(page)
    expect(page.get_by_label("Postal codes starting with")).to_have_value("606, 602, 605")
    page.get_by_label("Postal codes starting with").fill("606, 602, 605, 531")
    page.get_by_role("button", name="Preview").click()
    expect(main.locator("#rule-preview")).to_contain_text("86 accounts match these rules")
    expect(main.locator("#rule-preview")).to_contain_text("11 match two or more")
    page.get_by_role("button", name="Save rules").click()
    # (Not the flash: the briefcase's background fetches may take it first.)
    page.wait_for_load_state()
    page.reload()
    expect(page.get_by_label("Postal codes starting with")).to_have_value("606, 602, 605, 531")
    _more(page, "^Territories")
    main.get_by_role("link", name=re.compile("^Wisconsin")).click()
    page.get_by_label("Postal codes starting with").fill("532, 537")
    page.get_by_role("button", name="Preview").click()
    expect(main.locator("#rule-preview")).to_contain_text("64 accounts match these rules")
    expect(main.locator("#rule-preview")).not_to_contain_text("two or more")
    page.get_by_role("button", name="Save rules").click()
    page.wait_for_load_state()
    page.reload()
    expect(page.get_by_label("Postal codes starting with")).to_have_value("532, 537")

    # Saving rules moves nobody: today's balance is unchanged.
    _more(page, "^Territories")
    assert _balance(main.locator("table.balance")) == today

    # A roll-forward plan, announced today (23 November), effective two weeks later.
    page.get_by_role("link", name="New change plan").click()
    expect(page.get_by_label("Announcement")).to_have_value("2026-11-23")
    page.get_by_label("Plan name").fill("Waukesha to Chicago Metro")
    _fits_a_phone(page)
    page.get_by_role("button", name="Draft the plan").click()
    expect(page.get_by_role("heading", name="Waukesha to Chicago Metro", level=1)).to_be_visible()

    # The preview: who moves when, who is protected until when and by which deal, who is exempt.
    preview = main.locator("#plan-preview")
    expect(preview).to_contain_text("What happens to each account (11)")
    moves = preview.locator("h3:has-text('Moves on Mon Dec 7 2026') + ul")
    protected = preview.locator("h3:has-text('Protected by an open deal') + ul")
    exempt = preview.locator("h3:has-text('Exempt: Major and Federal') + ul")
    expect(moves.locator("li")).to_have_count(6)
    for line in moves.locator("li").all_inner_texts():
        assert line.endswith("Luis Ortega → Maya Okafor"), line
    expect(protected.locator("li")).to_have_count(4)
    protecting = {}
    for line in protected.locator("li").all_inner_texts():
        found = re.fullmatch(r"(.+) stays with Luis Ortega until Wed Jun 30 2027 \((.+)\), "
                             r"then → Maya Okafor", line.strip())
        assert found, line
        protecting[found.group(1)] = found.group(2)
    expect(exempt.locator("li")).to_have_count(1)
    moving, kept, exempted = _names(moves), set(protecting), _names(exempt)
    with demo_server.ctx() as session:
        accounts = {a.name: a for a in session.scalars(select(Account).where(
            Account.name.in_(moving | kept | exempted)))}
        assert {accounts[n].city for n in moving | kept | exempted} == {"Waukesha"}
        assert {accounts[n].segment for n in exempted} <= {"Major", "Federal"}
        for name, deal in protecting.items():  # an open deal of that very account protects it
            opportunity = session.scalar(select(Opportunity).where(
                Opportunity.account_id == accounts[name].id, Opportunity.name == deal))
            assert opportunity is not None and opportunity.stage in OPEN_STAGES
            assert opportunity.close_on <= date(2027, 3, 31)  # this quarter or next

    # The balance after the plan, against today's: Wisconsin's surplus and Chicago's deficit
    # both shrink, and fewer reps are flagged.
    _open_details(page)
    after_table = main.locator("h2:has-text('Balance after this plan') + div table")
    before_table = main.locator("details table")
    after, before = _balance(after_table), _balance(before_table)
    assert before == today
    assert after["Luis Ortega"]["accounts"] == 75 - 10 and after["Maya Okafor"]["accounts"] == 85
    assert after["Luis Ortega"]["pipeline"] < before["Luis Ortega"]["pipeline"]
    assert after["Maya Okafor"]["pipeline"] > before["Maya Okafor"]["pipeline"]
    assert 0 < after["Luis Ortega"]["pipeline_off"] < before["Luis Ortega"]["pipeline_off"]
    assert before["Maya Okafor"]["pipeline_off"] < after["Maya Okafor"]["pipeline_off"]
    assert after_table.locator("td.flag").count() < before_table.locator("td.flag").count()
    _fits_a_phone(page)

    page.get_by_role("button", name="Schedule: announce these decisions").click()
    expect(main.locator("dl.facts")).to_contain_text("scheduled")
    expect(page.get_by_role("button", name="Back to draft")).to_be_visible()
    _fits_a_phone(page)

    # The reps, each on their own phone.
    luis = _rep_changes(demo_server, browser, "rep2@example.com")
    assert luis["losing"] == {"Mon Dec 7 2026": {f"{n} to Maya Okafor" for n in moving}}
    assert luis["keeping"] == {"Wed Jun 30 2027": {f"{n} {protecting[n]} · then to Maya Okafor"
                                                for n in kept}}
    assert luis["gaining"] == {}
    maya = _rep_changes(demo_server, browser, "rep1@example.com")
    assert maya["gaining"] == {"Mon Dec 7 2026": {f"{n} from Luis Ortega" for n in moving},
                               "Thu Jul 1 2027": {f"{n} from Luis Ortega, after their open deal"
                                               for n in kept}}
    assert maya["losing"] == maya["keeping"] == {}
    priya = _rep_changes(demo_server, browser, "rep3@example.com")
    assert priya == {"gaining": {}, "keeping": {}, "losing": {}, "nothing": True}

    # Second thoughts before the effective date: back to draft, and the reps are told nothing.
    page.get_by_role("button", name="Back to draft").click()
    expect(main.locator("dl.facts")).to_contain_text("draft")
    expect(page.get_by_role("button", name="Schedule: announce these decisions")).to_be_visible()
    assert _rep_changes(demo_server, browser, "rep2@example.com")["nothing"]


def _rep_changes(server, browser, email: str) -> dict:
    """What a rep reads on "Territory changes": per kind, date -> the account lines."""
    context = browser.new_context(**PHONE)
    try:
        page = context.new_page()
        page.set_default_timeout(10_000)
        server.sign_in(page, email, DEMO_PASSWORD)
        _more(page, "^Territory changes")
        expect(page.get_by_role("heading", name="Territory changes", level=1)).to_be_visible()
        _fits_a_phone(page)
        result = {"gaining": {}, "keeping": {}, "losing": {}, "nothing": False}
        patterns = {"gaining": r"You gain (\d+) accounts? on (.+)",
                    "keeping": r"(\d+) stays? with you until (.+) because of open deals",
                    "losing": r"(\d+) moves? to another rep on (.+)"}
        for card in page.locator("#my-changes .card").all():
            heading = card.locator("h2").inner_text().strip()
            lines = {" ".join(li.split()) for li in card.locator("li").all_inner_texts()}
            for kind, pattern in patterns.items():
                found = re.fullmatch(pattern, heading)
                if found:
                    assert int(found.group(1)) == len(lines), heading
                    result[kind][found.group(2)] = lines
                    break
            else:
                raise AssertionError(f"unexpected card: {heading}")
        result["nothing"] = page.locator("#my-changes").inner_text().strip() == \
            "No announced territory changes for you."
        return result
    finally:
        context.close()


def test_territory_pages_fit_a_360px_phone_with_thumb_sized_buttons(demo_server, page, browser):
    """The index (chart and table), a plan's preview, the pinned accounts and a rep's changes,
    with a scheduled plan that moves, protects and exempts accounts."""
    with demo_server.ctx() as session:
        manager = session.scalar(select(User).where(User.email == "manager@example.com"))
        wisconsin = session.scalar(select(Account.territory_id).where(Account.city == "Madison"))
        # Madison's accounts go to Twin Cities (Priya) by hand: pins, then a scheduled plan.
        twin_cities = session.scalar(select(Territory).where(Territory.name == "Twin Cities"))
        madison = session.scalars(select(Account.id).where(Account.city == "Madison")).all()
        session.add_all(TerritoryOverride(account_id=a, territory_id=twin_cities.id,
                                          created_by_id=manager.id) for a in madison)
        session.commit()
        with unit_of_work(session):  # a service never commits: its caller does
            plan = territory_plans.draft_plan(
                session, manager, name="Madison to the Twin Cities",
                dates=PlanDates(date(2026, 11, 23), date(2026, 11, 22), date(2026, 12, 7)))
            territory_plans.schedule_plan(session, plan, manager)
        plan_id, territory_id = plan.id, twin_cities.id
        assert wisconsin != territory_id

    demo_server.sign_in(page, "manager@example.com", DEMO_PASSWORD)
    for path in ("/territories/", f"/territories/plans/{plan_id}", "/territories/plans/new",
                 f"/territories/{territory_id}/edit", f"/territories/{territory_id}/overrides"):
        page.goto(demo_server.url + path)
        expect(page.locator("main h1")).to_be_visible()
        _fits_a_phone(page)
        _open_details(page)
        _fits_a_phone(page)
    page.goto(demo_server.url + f"/territories/plans/{plan_id}")
    expect(page.locator("#plan-preview")).to_contain_text("Moves on Mon Dec 7 2026")
    expect(page.locator("#plan-preview")).to_contain_text("Protected by an open deal")

    luis = _rep_changes(demo_server, browser, "rep2@example.com")  # checks the fit itself
    assert luis["losing"] and luis["keeping"]
    priya = _rep_changes(demo_server, browser, "rep3@example.com")
    assert priya["gaining"]


def test_manager_pins_an_account_by_name_removes_the_pin_and_discards_a_draft(demo_server, page):
    """The new forms with real CSRF tokens: pin from the suggestions, remove, discard."""
    demo_server.sign_in(page, "manager@example.com", DEMO_PASSWORD)
    _more(page, "^Territories")
    page.get_by_role("link", name=re.compile("^Twin Cities")).click()
    page.get_by_role("link", name="Pinned accounts (0)").click()
    main = page.locator("main")
    expect(page.get_by_role("heading", name="Twin Cities: pinned accounts")).to_be_visible()

    page.get_by_label("Account name").fill("badger")
    page.get_by_role("button", name="Pin to Twin Cities").click()
    expect(main.locator("#account-error")).to_have_text(
        "No account has exactly this name: pick one below.")
    expect(page.get_by_label("Account name")).to_have_value("badger")
    _fits_a_phone(page)
    pick = main.get_by_role("button", name=re.compile("^Pin Badger")).first
    name = pick.get_attribute("aria-label").removeprefix("Pin ")
    pick.click()
    expect(main.locator(".flash", has_text="pinned to Twin Cities")).to_be_visible()
    pinned = main.locator("#pinned")
    expect(pinned.locator("h2")).to_have_text("Pinned here (1)")
    expect(pinned).to_contain_text(f"{name}")
    expect(pinned).to_contain_text("pinned by Dana Whitfield, Nov 23")
    _fits_a_phone(page)

    # The next draft carries the pin out; the draft is then thrown away, the pin stays.
    _more(page, "^Territories")
    page.get_by_role("link", name="New change plan").click()
    page.get_by_label("Plan name").fill("Just looking")
    page.get_by_role("button", name="Draft the plan").click()
    expect(main.locator("#plan-preview")).to_contain_text(name)
    page.get_by_role("link", name="Discard draft…").click()
    expect(page.get_by_role("heading", name="Discard “Just looking”?")).to_be_visible()
    _fits_a_phone(page)
    page.get_by_role("button", name="Discard draft").click()
    expect(page.get_by_role("heading", name="Territories", level=1)).to_be_visible()
    expect(main.locator(".flash", has_text="Draft “Just looking” discarded.")).to_be_visible()
    expect(main.locator(":scope > :not(#flashes)", has_text="Just looking")).to_have_count(0)
    with demo_server.ctx() as session:
        pins = session.execute(select(TerritoryOverride.account_id, Account.name)
                               .join(Account, Account.id == TerritoryOverride.account_id)).all()
        assert [n for _, n in pins] == [name]

    page.goto(demo_server.url + "/territories/")
    page.get_by_role("link", name=re.compile("^Twin Cities")).click()
    page.get_by_role("link", name="Pinned accounts (1)").click()
    page.get_by_role("button", name=f"Remove pin: {name}").click()
    expect(main.locator("#pinned h2")).to_have_text("Pinned here (0)")
    with demo_server.ctx() as session:
        assert session.scalar(select(TerritoryOverride)) is None
