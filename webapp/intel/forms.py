"""Intel, vendor pal and vendor-pal meeting forms: what was learned is the one required field."""
from __future__ import annotations

from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import (
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from webapp.forms import MAX_ID, WriteForm, date_field
from webapp.services.intel import MAX_INTEL_LENGTH

PAL_MEETING_LINES = 4


def _not_blank(message: str):
    def check(form, field):
        if field.data is not None and not field.data.strip():
            raise ValidationError(message)
    return check


class IntelForm(WriteForm):
    account_id = IntegerField(validators=[InputRequired("Choose the account."),
                                          NumberRange(1, MAX_ID, "Choose the account.")])
    body = TextAreaField("What you learned", validators=[
        InputRequired("Write what you learned."), _not_blank("Write what you learned."),
        Length(max=MAX_INTEL_LENGTH, message=f"Keep it under {MAX_INTEL_LENGTH:,} characters.")])
    learned_on = date_field("Learned on")
    source = SelectField("From", choices=[("", "Someone else / not said")], validate_choice=False)
    source_text = StringField("From (someone else)", validators=[Length(max=200)])


class PalForm(WriteForm):
    name = StringField("Name", validators=[InputRequired("Enter their name."),
                                           _not_blank("Enter their name."), Length(max=120)])
    company = StringField("Company", validators=[InputRequired("Enter their company."),
                                                 _not_blank("Enter their company."),
                                                 Length(max=120)])
    sells = StringField("What they sell", validators=[Length(max=200)])
    phone = StringField("Phone", validators=[Length(max=40)],
                        render_kw={"type": "tel", "autocomplete": "off"})
    email = StringField("E-mail", validators=[
        Optional(), Length(max=254),
        Email("Enter an e-mail address like ana@example.com.", check_deliverability=False)],
        render_kw={"type": "email", "autocomplete": "off"})


class PalMeetingForm(WriteForm):
    pal_id = SelectField("Vendor pal", coerce=int, choices=[], validate_choice=False,
                         validators=[InputRequired("Choose the vendor pal.")])
    met_on = date_field("Met on")
    accounts_offered = accounts_total = 0  # the route's account_choices (the form says so)

    def lines(self) -> list[tuple[object, object]]:
        """The (account, learned) field pairs, in order."""
        return [(self[f"account_{i}"], self[f"learned_{i}"])
                for i in range(1, PAL_MEETING_LINES + 1)]


for _i in range(1, PAL_MEETING_LINES + 1):
    setattr(PalMeetingForm, f"account_{_i}", SelectField(f"Account {_i}", choices=[], validate_choice=False))
    setattr(PalMeetingForm, f"learned_{_i}", TextAreaField(f"What you learned ({_i})", validators=[
        Length(max=MAX_INTEL_LENGTH, message=f"Keep it under {MAX_INTEL_LENGTH:,} characters.")]))
