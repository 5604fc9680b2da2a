"""Contact forms: a person met at a meeting. Only the name is required."""
from __future__ import annotations

from wtforms import HiddenField, IntegerField, StringField
from wtforms.validators import (
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from webapp.forms import NewRecordForm, WriteForm


class ContactFieldsMixin:
    name = StringField("Name", validators=[InputRequired("Enter the person's name."),
                                           Length(max=160)])
    title = StringField("Title", validators=[Length(max=160)])
    phone = StringField("Phone", validators=[Length(max=40)],
                        render_kw={"type": "tel", "autocomplete": "off"})
    email = StringField("E-mail", validators=[
        Optional(), Length(max=254),
        Email("Enter an e-mail address like ana@example.com.", check_deliverability=False)],
        render_kw={"type": "email", "autocomplete": "off"})

    def validate_name(self, field):
        if not field.data.strip():
            raise ValidationError("Enter the person's name.")


class ContactForm(ContactFieldsMixin, NewRecordForm):
    # The account's database id, or the client id of an account made on the phone offline.
    account_id = StringField("Account", validators=[InputRequired("Choose the account.")])


class ContactEditForm(ContactFieldsMixin, WriteForm):
    # The version the form was made on and the details it showed: an edit made on an older
    # copy (offline) is merged field by field (webapp/services/capture.py).
    version = IntegerField(validators=[Optional(), NumberRange(1, 2**31 - 1)])
    base_name = HiddenField()
    base_title = HiddenField()
    base_phone = HiddenField()
    base_email = HiddenField()
