"""Forms of the pipeline pages: few fields, numbers typed with the phone's number pad."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from webapp.domain.checklists import METHODOLOGY_LABELS, ChecklistItem
from webapp.forms import AmountField, finite_amount

MONEY = {"inputmode": "decimal", "autocomplete": "off"}
AT_LEAST_ZERO = "Enter an amount of 0 or more."


class ForecastForm(FlaskForm):
    # AmountField: "250,000" and "$250000" are read as 250000; NaN and infinity are refused.
    commit = AmountField("Commit", places=0,
                         validators=[InputRequired("Enter your commit."), finite_amount,
                                     NumberRange(min=0, message=AT_LEAST_ZERO)],
                         render_kw=MONEY, description="What you are sure will close.")
    best_case = AmountField("Best case", places=0,
                            validators=[InputRequired("Enter your best case."), finite_amount,
                                        NumberRange(min=0, message=AT_LEAST_ZERO)],
                            render_kw=MONEY, description="If the likely deals go your way.")
    period = HiddenField(validators=[DataRequired()])


class OverrideForm(FlaskForm):
    """The manager's number for one rep; empty clears it."""

    commit = AmountField("Your number", places=0,
                         validators=[Optional(), finite_amount,
                                     NumberRange(min=0, message=AT_LEAST_ZERO)],
                         render_kw=MONEY)
    note = StringField("Why", validators=[Optional(), Length(max=300)])
    period = HiddenField(validators=[DataRequired()])


class NotesForm(FlaskForm):
    notes = TextAreaField("Notes of this one-to-one", validators=[Length(max=20000)],
                          description="Both of you see and can edit these notes.")


class IntelForm(FlaskForm):
    """News for one rep, or for everyone the author leads: a manager's own team; for an admin
    (who leads no one team) every rep."""

    body = TextAreaField("Market news", validators=[DataRequired("Write the news to share."),
                                                    Length(max=2000)])
    audience = SelectField("Share with", choices=[SelectChoice("rep", "This rep"),
                                                  SelectChoice("team", "The whole team")])


def intel_form(user, formdata=None) -> IntelForm:
    """The intel form as `user` sees it: an admin's wider audience is named "Every rep"."""
    form = IntelForm(formdata=formdata)
    if user.is_admin:
        form.audience.choices = [SelectChoice("rep", "This rep"),
                                 SelectChoice("team", "Every rep (all teams)")]
    return form


class SettingsForm(FlaskForm):
    methodology = SelectField("Qualification checklist",
                              choices=[SelectChoice(k, v) for k, v in METHODOLOGY_LABELS.items()])
    qualify_answers = IntegerField("Answers that qualify a deal", default=3,
                                   validators=[InputRequired("Enter a number from 1 to 50."),
                                               NumberRange(1, 50, "Enter a number from 1 to 50.")],
                                   description="A deal is qualified once this many checklist "
                                               "items are answered (all of them on a shorter list).")
    slip_pushes = IntegerField("Slipping after the close date was pushed", default=2,
                               validators=[InputRequired(), NumberRange(1, 20)],
                               description="times")
    quiet_weeks = IntegerField("Quiet after no meeting for", default=4,
                               validators=[InputRequired(), NumberRange(1, 52)],
                               description="weeks")
    stuck_days = IntegerField("Stuck after this many days in one stage", default=60,
                              validators=[InputRequired(), NumberRange(7, 720)])
    forecast_lock_days = IntegerField("Forecasts lock this many days before the period ends",
                                      default=30, validators=[InputRequired(), NumberRange(0, 92)])
    history_months = IntegerField("Conversion rates look back (months)", default=12,
                                  validators=[InputRequired(), NumberRange(3, 36)])
    min_history = IntegerField("Use the team's rate below this many decided deals", default=5,
                               validators=[InputRequired(), NumberRange(1, 100)])


class ChecklistItemForm(FlaskForm):
    label = StringField("New item", validators=[DataRequired("Name the item."), Length(max=120)])
    hint = StringField("Hint", validators=[Optional(), Length(max=300)])
    required = BooleanField("Key question", default=True)


def qualification_form(items: tuple[ChecklistItem, ...], answers: dict[str, str],
                       override_reason: str | None, formdata=None):
    """A checklist form with one short text field per item (answered = not empty)."""

    class QualificationForm(FlaskForm):
        qualified_anyway = BooleanField("Qualified by override")
        reason = StringField("Why", validators=[Optional(), Length(max=500)])

    for item in items:
        setattr(QualificationForm, item.key.replace("-", "_"), StringField(
            item.label, validators=[Optional(), Length(max=500)],
            description=item.hint, render_kw={"autocomplete": "off"}))
    data = {item.key.replace("-", "_"): answers.get(item.key, "") for item in items}
    data["qualified_anyway"] = bool(override_reason)
    data["reason"] = override_reason or ""
    form = QualificationForm(formdata=formdata, data=data)
    form.item_fields = [(item, form[item.key.replace("-", "_")]) for item in items]
    return form
