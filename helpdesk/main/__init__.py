"""Home page and error pages."""
from flask import Blueprint

bp = Blueprint("main", __name__)

from helpdesk.main import routes  # noqa: E402,F401
