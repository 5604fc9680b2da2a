"""Forms for territory design and change plans (few required fields; lists typed comma-separated)."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    FloatField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from webapp.domain.territory_matching import POTENTIAL_BANDS


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class TerritoryForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    owner_id = SelectField("Rep", coerce=int, choices=[])


class RulesForm(FlaskForm):
    owner_id = SelectField("Rep", coerce=int, choices=[])
    countries = StringField("Countries", validators=[Length(max=500)],
                            description="Two-letter codes, comma-separated: US, CA")
    regions = StringField("States or regions", validators=[Length(max=1000)],
                          description="IL, WI")
    postal_prefixes = StringField("Postal codes starting with", validators=[Length(max=1000)],
                                  description="606, 607")
    center_latitude = FloatField("Centre latitude", validators=[Optional(), NumberRange(-90, 90)])
    center_longitude = FloatField("Centre longitude",
                                  validators=[Optional(), NumberRange(-180, 180)])
    radius_km = FloatField("Radius (km)", validators=[Optional(), NumberRange(1, 5000)])
    industries = StringField("Industries", validators=[Length(max=1000)],
                             description="Manufacturing, Healthcare")
    segments = StringField("Segments", validators=[Length(max=200)],
                           description="SMB, Mid-Market, Enterprise, Major, Federal")
    potential_bands = CheckboxesField(
        "Potential", choices=[(b, f"{b.title()} ({lo}-{hi})") for b, (lo, hi) in POTENTIAL_BANDS.items()],
        validate_choice=True)


class PlanForm(FlaskForm):
    name = StringField("Plan name", validators=[DataRequired(), Length(max=120)])
    announced_on = DateField("Announcement", validators=[DataRequired()])
    cutoff_on = DateField("Cut-off", validators=[Optional()],
                          description="Blank: the day before the announcement.")
    effective_on = DateField("Effective", validators=[Optional()],
                             description="Blank: two weeks after the announcement.")
    protection_mode = SelectField("Open deals are protected for", choices=[
        ("quarters", "Two fiscal quarters"),
        ("sales_cycle", "Twice the average sales cycle"),
    ])
    major_federal = SelectField("Major and Federal accounts", choices=[
        ("exempt", "Exempt: they keep their rep"),
        ("standard", "Same rules as the others"),
        ("extended", "Same rules, window twice as long"),
    ])


class MoveForm(FlaskForm):
    account_id = HiddenField(validators=[DataRequired()])
    territory_id = SelectField("To territory", coerce=int, choices=[])


class PinForm(FlaskForm):
    """Pin an account to a territory: typed by name, or picked from the suggestions (by id)."""

    account = StringField(
        "Account name", validators=[Length(max=200)],
        description="As it is spelled in Accounts; part of a name suggests matches.")
    account_id = HiddenField()
