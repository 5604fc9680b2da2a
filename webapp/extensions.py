"""Extensions, created unbound here and bound to the app in create_app()."""
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from webapp.models.base import Base

db = SQLAlchemy(model_class=Base)
csrf = CSRFProtect()
