"""Calendar in (the private address, an .ics upload) and contacts in (a .vcf upload, or the
phone's Contact Picker, whose choice the page turns into vCard text)."""
from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import StringField, TextAreaField
from wtforms.validators import Length

from webapp.forms import WriteForm


class CalendarAddressForm(FlaskForm):
    address = StringField("Private address (iCal)", validators=[
        Length(max=2000, message="That address is too long to be a calendar address.")])


class CalendarUploadForm(FlaskForm):
    calendar_file = FileField("Or upload an .ics file")


class VCardUploadForm(FlaskForm):
    vcf_file = FileField("A .vcf file (one contact or many)")
    # Filled by static/js/phone_share.js from the Contact Picker (navigator.contacts.select).
    picked = TextAreaField("Picked from your phone", validators=[Length(max=2_000_000)])


class VCardSaveForm(WriteForm):
    """The contacts chosen on the review page; each row's values come as name_<n>, ... ."""
