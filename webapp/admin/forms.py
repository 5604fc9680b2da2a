from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional

ROLE_CHOICES = [("rep", "Rep"), ("manager", "Manager"), ("admin", "Admin")]


def _manager_id(value):
    return int(value) if value not in (None, "", "None") else None


class UserRoleForm(FlaskForm):
    role = SelectField("Role", choices=ROLE_CHOICES)
    manager_id = SelectField("Manager", coerce=_manager_id, validate_choice=True)

    def set_managers(self, managers, exclude_id=None):
        self.manager_id.choices = [(None, "No manager")] + [
            (m.id, m.name) for m in managers if m.id != exclude_id]


class NewUserForm(UserRoleForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=120)],
                       render_kw={"autocomplete": "off"})
    email = EmailField("E-mail", validators=[DataRequired(), Email(check_deliverability=False),
                                             Length(max=254)],
                       render_kw={"autocomplete": "off", "inputmode": "email"})
    password = PasswordField(
        "Temporary password", validators=[Optional(), Length(max=200)],
        render_kw={"autocomplete": "new-password"})


class ResetPasswordForm(FlaskForm):
    password = PasswordField(
        "New temporary password", validators=[Optional(), Length(max=200)],
        render_kw={"autocomplete": "new-password"})
