"""Knowledge base: resources, search, suggestions."""
from flask import Blueprint

bp = Blueprint("kb", __name__, url_prefix="/ressources")

from helpdesk.kb import routes  # noqa: E402,F401
