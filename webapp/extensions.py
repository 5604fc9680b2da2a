"""Extensions, created unbound here and bound to the app in create_app()."""
from authlib.integrations.flask_client import OAuth
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from webapp.models.base import Base

db = SQLAlchemy(model_class=Base)
csrf = CSRFProtect()
# OpenID Connect client registry (webapp.auth.oidc registers the company's provider).
oauth = OAuth()
# Sign-in throttling. Storage comes from RATELIMIT_STORAGE_URI: database:// by default (the
# app's own database, webapp/auth/rate_limits.py), redis://… for big deployments.
limiter = Limiter(key_func=get_remote_address)
