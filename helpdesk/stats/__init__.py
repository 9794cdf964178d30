"""Activity statistics: dashboard, annual report, charts and CSV exports (jurists and admins)."""
from flask import Blueprint

bp = Blueprint("stats", __name__, url_prefix="/statistiques")

from helpdesk.stats import routes  # noqa: E402,F401
