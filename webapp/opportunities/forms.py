"""Opportunity forms. An update names only the fields it changes (a stage tap sends the stage),
and always the version it was based on."""
from __future__ import annotations

from decimal import Decimal

from wtforms import (
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    AnyOf,
    InputRequired,
    Length,
    NoneOf,
    NumberRange,
    Optional,
    StopValidation,
    ValidationError,
)

from webapp.domain.deal_closing import LOSS_REASON_LABELS, LOSS_REASONS, OUTCOMES
from webapp.domain.opportunities import EDITABLE_FIELDS
from webapp.domain.stages import CLOSED_STAGES
from webapp.forms import MAX_ID, AmountField, WriteForm, finite_amount, sane_date
from webapp.forms import FriendlyDateField as DateField
from webapp.models import FORECAST_CATEGORIES, FORECAST_LABELS, STAGE_LABELS, STAGES
from webapp.services.opportunities import MAX_AMOUNT

AMOUNT_PATTERN = r"\s*\$?\s*[0-9][0-9, ]*(\.[0-9]{1,2})?\s*"
STAGE_CHOICES = [(s, STAGE_LABELS[s]) for s in STAGES]
FORECAST_CHOICES = [(c, FORECAST_LABELS[c]) for c in FORECAST_CATEGORIES]


def when_posted(form, field):
    """Skip a field the client did not send: an update changes only what it names."""
    if not field.raw_data:
        field.errors[:] = []
        raise StopValidation()


def amount_field(label="Amount", extra=()):
    return AmountField(label, places=2, validators=[
        *extra, InputRequired("Enter an amount (0 if unknown)."), finite_amount,
        NumberRange(Decimal(0), MAX_AMOUNT, "Enter an amount of 0 or more.")],
        # The page checks the shape before queueing offline (static/js/app.js); the server
        # still decides: "25,000", "$25000" and "25 000.50" pass both.
        render_kw={"inputmode": "decimal", "pattern": AMOUNT_PATTERN,
                   "title": "Enter an amount, like 25000 or 25,000."})


class OpportunityUpdateForm(WriteForm):
    version = IntegerField(validators=[InputRequired("This form is damaged: reload the page."),
                                       NumberRange(1, MAX_ID)])
    # Won and lost are not a stage tap: closing asks for the outcome's details (CloseDealForm).
    stage = SelectField("Stage", choices=STAGE_CHOICES, validate_choice=False, validators=[
        when_posted, AnyOf(STAGES, "Choose a stage."),
        NoneOf(CLOSED_STAGES, "Close a deal with “Close this deal”: it asks how it ended.")])
    amount = amount_field(extra=(when_posted,))
    close_on = DateField("Close date", validators=[
        when_posted, InputRequired("Enter the expected close date."), sane_date])
    next_step = TextAreaField("Next step", validators=[when_posted, Length(max=500)])
    next_step_on = DateField("Next step due", validators=[when_posted, Optional(), sane_date])
    # "Qualified" is not edited here: it follows the team's checklist (or an override) on the
    # qualification page.
    forecast_category = SelectField("Forecast", choices=FORECAST_CHOICES, validate_choice=False,
                                    validators=[when_posted, AnyOf(FORECAST_CATEGORIES,
                                                                   "Choose a forecast category.")])

    def posted_changes(self) -> dict:
        """The values of the fields the client sent, as the service takes them."""
        changes = {}
        for name in EDITABLE_FIELDS:
            field = self._fields.get(name)
            if field is None or not field.raw_data:
                continue
            value = field.data
            if name == "next_step":
                value = (value or "").strip()
            changes[name] = value
        return changes


class OpportunityCreateForm(WriteForm):
    # The account's id, or the client id of an account made on the phone offline.
    account_id = StringField("Account", validators=[InputRequired("Choose the account.")])
    name = StringField("Name", validators=[InputRequired("Name the opportunity."),
                                           Length(max=200)])
    # Only the name is needed: 0 until the rep knows the size, a quarter out, first meeting.
    amount = AmountField("Amount", places=2, validators=[
        Optional(), finite_amount, NumberRange(Decimal(0), MAX_AMOUNT, "Enter an amount of 0 or more.")],
        render_kw={"inputmode": "decimal"})
    close_on = DateField("Expected close", validators=[
        InputRequired("Enter the expected close date."), sane_date])
    stage = SelectField("Stage", choices=STAGE_CHOICES, default="first_meeting")

    def validate_name(self, field):
        if not field.data.strip():
            raise ValidationError("Name the opportunity.")


class CloseDealForm(WriteForm):
    """Closing a deal: won with its final amount, or lost with a reason (and competitor).

    `confirm` comes from the confirmation step's button: without it nothing is closed."""

    outcome = RadioField("How did it end?", choices=[("won", "Won"), ("lost", "Lost")],
                         validate_choice=False,
                         validators=[InputRequired("Choose won or lost."),
                                     AnyOf(OUTCOMES, "Choose won or lost.")])
    # Ids of their own: the details form on the same page has an "amount" too.
    amount = AmountField("Won at", id="close-amount", places=2, validators=[Optional(), finite_amount,
                         NumberRange(Decimal(0), MAX_AMOUNT, "Enter an amount of 0 or more.")],
                         render_kw={"inputmode": "decimal"})
    reason = RadioField("Why was it lost?", choices=[(r, LOSS_REASON_LABELS[r]) for r in LOSS_REASONS],
                        validate_choice=False)
    competitor = StringField("Competitor", id="close-competitor", validators=[Length(max=120)])
    confirm = StringField()

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        if self.outcome.data == "won" and self.amount.data is None and not self.amount.errors:
            self.amount.errors.append("Enter the final amount (0 if none).")
            valid = False
        return valid

    def validate_reason(self, field):
        if self.outcome.data == "lost" and field.data not in LOSS_REASONS:
            raise ValidationError("Choose why it was lost.")

    def validate_competitor(self, field):
        if self.outcome.data == "lost" and self.reason.data == "competitor" \
                and not (field.data or "").strip():
            raise ValidationError("Name the competitor who won it.")

    def validate_confirm(self, field):
        if field.data != "yes":
            raise ValidationError("Confirm to close the deal.")


class ReopenForm(WriteForm):
    """Undo a recent close (the client id makes a replay harmless)."""
