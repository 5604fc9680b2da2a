"""Forms for importing: the upload, then the column mapping and the options."""
from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField

from webapp.domain.csv_mapping import FIELDS, KIND_LABELS


class UploadForm(FlaskForm):
    kind = SelectField("The file holds", choices=[("auto", "Find out from its columns")]
                       + list(KIND_LABELS.items()))
    file = FileField("CSV file", validators=[FileRequired("Choose a CSV file.")],
                     render_kw={"accept": ".csv,.txt,text/csv"})


class MappingForm(FlaskForm):
    """One select per column of the file (col0, col1, …), added by mapping_form()."""

    # Checked by the import service against the reps this user may assign (the form only
    # shows accounts' imports this field).
    default_owner = SelectField("Owner of new accounts", coerce=int, choices=[],
                                validate_choice=False,
                                description="When the file names no owner, or one who is "
                                            "not on your team.")
    date_order = SelectField("Dates like 03/04/2026 are", choices=[
        ("mdy", "Month/day/year (US)"), ("dmy", "Day/month/year")])

    def columns(self):
        return [self[f"col{i}"] for i in range(self.column_count)]


def mapping_form(kind: str, headers: list[str], mapping: list[str], owners, *,
                 allow_no_owner: bool) -> MappingForm:
    """The mapping form for a file with `headers`, pre-set to `mapping`."""
    choices = [("", "Ignore this column")] + list(FIELDS[kind].items())
    fields = {f"col{i}": SelectField(header or f"Column {i + 1}", choices=choices,
                                     default=mapping[i] if i < len(mapping) else "")
              for i, header in enumerate(headers)}
    form_class = type("FileMappingForm", (MappingForm,), {**fields, "column_count": len(headers)})
    form = form_class()
    form.default_owner.choices = ([(0, "Nobody yet")] if allow_no_owner else []) + [
        (o.id, o.name) for o in owners]
    return form
