"""Questions: filing, following and answering them."""
from flask import Blueprint

bp = Blueprint("tickets", __name__, url_prefix="/questions")

from helpdesk.tickets import routes  # noqa: E402,F401
