"""My territory (the list) and the account page (everything 60 seconds before a meeting)."""
from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from jinja2.utils import htmlsafe_json_dumps

from webapp import display
from webapp.accounts.forms import AccountForm
from webapp.clock import local_today, utcnow
from webapp.domain.client_ids import ClientIdTaken, new_client_id, parse_client_id
from webapp.extensions import db
from webapp.htmx import render
from webapp.models import Account
from webapp.routing import MAX_DATABASE_ID
from webapp.queries.access import account_by_ref
from webapp.queries.accounts import (
    PAGE_SIZE,
    SORTS,
    account_head,
    account_page,
    territory_index,
    territory_rows,
)
from webapp.queries.briefcase import PREFETCHED_ACCOUNT_PAGES
from webapp.queries.capture import find_by_client_id, similar_accounts
from webapp.queries.checkins import visit_state
from webapp.queries.intel import account_intel_section
from webapp.services.capture import CaptureError, NewAccount, create_account
from webapp.security import csp_with_tiles
from webapp.sessions import login_required

bp = Blueprint("accounts", __name__, url_prefix="/accounts")


@bp.get("/")
@login_required
def index():
    sort = request.args.get("sort", "name")
    if sort not in SORTS:
        sort = "name"
    query = request.args.get("q", "")[:100]
    page = request.args.get("page", 1, type=int)
    page = page if 1 <= page <= 10_000 else 1
    rows = territory_rows(db.session, g.user, sort=sort, query=query, limit=PAGE_SIZE + 1,
                          offset=(page - 1) * PAGE_SIZE)
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    show_owner = not g.user.is_rep
    return render("accounts/index.html", "accounts/_rows.html", rows=rows, sort=sort, q=query,
                  page_number=page, more=more, show_owner=show_owner,
                  rows_html=display.territory_rows_html(
                      rows, url_for("accounts.detail", account_id=0)[:-1], g.user.timezone,
                      show_owner))


@bp.get("/index.json")
@login_required
def index_json():
    """The compact index of the visible accounts that territory.js filters and sorts on, the
    same online and offline (the briefcase keeps it). Rows: [id, name, city, industry,
    last touch (ISO, UTC) or "", potential, owner name or "", latitude, longitude] (the
    position rounded to about a metre, null when unknown: near me sorts by it on the phone)."""
    rows, complete = territory_index(db.session, g.user)
    body = {
        "complete": complete,
        "detail": url_for("accounts.detail", account_id=0)[:-1],
        # Unpacked as tuples: a Row's attribute access costs more than the rest at 5,000 rows.
        "rows": [[account_id, name, city, industry,
                  f"{touched:%Y-%m-%dT%H:%MZ}" if touched else "", potential, owner or "",
                  _coordinate(lat), _coordinate(lon)]
                 for account_id, name, city, industry, touched, potential, owner, lat, lon
                 in rows],
    }
    # HTML-safe JSON (<, >, &, ' as \u escapes): the same data, and nothing a user typed
    # reads as markup even if the file were opened as a page.
    response = current_app.response_class(htmlsafe_json_dumps(body, separators=(",", ":")),
                                          mimetype="application/json")
    # Whose copy this is, for the service worker (it keeps each user's copies apart).
    response.headers["X-Groundwork-User"] = str(g.user.id)
    return response


def _coordinate(value: float | None) -> float | None:
    return None if value is None else round(value, 5)


@bp.get("/near")
@login_required
def near():
    """Accounts near me: sorted by distance on the phone (static/js/nearby.js) from the index
    the briefcase keeps, so it works offline; the location is asked for only on a tap."""
    return render_template("accounts/near.html")


@bp.get("/map")
@login_required
def map():  # noqa: A001 (the page's name)
    """The territory on a map (Leaflet, static/js/map.js): the accounts of the index as markers
    coloured by potential, the rep's position on a tap, a card per account. Tiles come from
    the GROUNDWORK_TILE_URL server, the only image host this page's CSP allows."""
    tile_url = current_app.config["GROUNDWORK_TILE_URL"]
    response = current_app.make_response(render_template(
        "accounts/map.html", tile_url=tile_url,
        tile_attribution=current_app.config["GROUNDWORK_TILE_ATTRIBUTION"]))
    response.headers["Content-Security-Policy"] = csp_with_tiles(tile_url)
    return response


@bp.get("/<int:account_id>")
@login_required
def detail(account_id: int):
    # A briefcase pack read this page's sections with its other accounts' (webapp/pwa.py).
    prefetched = request.environ.get(PREFETCHED_ACCOUNT_PAGES, {}).get(account_id)
    if prefetched is not None:
        head, page = prefetched
    else:
        head = account_head(db.session, g.user, account_id) \
            if 0 < account_id <= MAX_DATABASE_ID else None
        if head is None:
            abort(404)
        page = account_page(db.session, head.account)
    account = head.account
    directions = display.directions_href(account.latitude, account.longitude,
                                         account.address_line)
    today = local_today(g.user.timezone)
    return render("accounts/detail.html", "accounts/_account.html", sections=page, account=account,
                  directions=directions, today=today,
                  success=head.success if account.status == "customer" else None,
                  visit=visit_state(head.open_checkin, utcnow()), arrivals=page.arrivals,
                  intel=account_intel_section(db.session, account, today))


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    """A company met in the field. Accounts the rep may see with (nearly) the same name are
    offered first ("Did you mean …?"); "Create anyway" makes the new one regardless."""
    if request.method == "GET":
        form = AccountForm(formdata=None)
        form.uuid.data = new_client_id()
        return render_template("accounts/new.html", form=form)
    form = AccountForm()
    client_id = parse_client_id(form.uuid.data)
    if client_id:  # a replay of a write that made its account already: answer as before
        made = find_by_client_id(db.session, Account, client_id)
        if made is not None:
            if made.owner_id != g.user.id:
                abort(409)
            return redirect(url_for(".detail", account_id=made.id), 303)
    if not form.validate():
        return render_template("accounts/new.html", form=form), 400
    if not form.create_anyway.data:
        duplicates = similar_accounts(db.session, g.user, form.name.data)
        if duplicates:
            offered = [(url_for(".detail", account_id=a.id), a.name,
                        " · ".join(p for p in (a.city, a.industry) if p)) for a in duplicates]
            return render_template("accounts/new.html", form=form, duplicates=offered), 422
    try:
        account, _ = create_account(db.session, g.user, NewAccount(
            name=form.name.data, city=form.city.data or "", region=form.region.data or "",
            industry=form.industry.data or "", segment=form.segment.data,
            phone=form.phone.data or "", website=form.website.data or ""),
            client_id=form.uuid.data)
    except CaptureError as error:
        form[error.field].errors.append(str(error))
        return render_template("accounts/new.html", form=form), 400
    except ClientIdTaken:
        abort(409)
    flash("Account added.", "success")
    return redirect(url_for(".detail", account_id=account.id), 303)


@bp.get("/pending")
@login_required
def pending():
    """An account made on this phone, by its client id (?id=). Once it reached the server this
    is its page; before (offline) the saved copy of this page shows it from the phone's
    outbox (static/js/capture.js), with what can be added to it meanwhile."""
    account = account_by_ref(db.session, g.user, request.args.get("id", ""))
    if account is not None:
        return redirect(url_for(".detail", account_id=account.id))
    return render_template("accounts/pending.html")
