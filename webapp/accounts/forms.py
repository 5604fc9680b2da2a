"""The new-account form: only the company's name is required; the rep who met them owns it."""
from __future__ import annotations

from wtforms import SelectField, StringField
from wtforms.validators import InputRequired, Length, ValidationError

from webapp.forms import NewRecordForm
from webapp.models import SEGMENTS


class AccountForm(NewRecordForm):
    name = StringField("Company name", validators=[InputRequired("Name the company."),
                                                   Length(max=200)])
    city = StringField("City", validators=[Length(max=100)])
    region = StringField("State or region", validators=[Length(max=100)])
    industry = StringField("Industry", validators=[Length(max=80)])
    segment = SelectField("Segment", choices=[(s, s) for s in SEGMENTS], default="Mid-Market")
    phone = StringField("Main phone", validators=[Length(max=40)],
                        render_kw={"type": "tel", "autocomplete": "off"})
    website = StringField("Website", validators=[Length(max=200)],
                          render_kw={"inputmode": "url", "autocomplete": "off"})

    def validate_name(self, field):
        if not field.data.strip():
            raise ValidationError("Name the company.")
