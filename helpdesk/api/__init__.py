"""JSON API under /api/v1: bearer tokens only (never session cookies), hence exempt from CSRF."""
from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from helpdesk.api import errors, routes  # noqa: E402,F401
