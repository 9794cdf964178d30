"""The jurists' queue."""
from flask import Blueprint

bp = Blueprint("queue", __name__, url_prefix="/file")

from helpdesk.queue import routes  # noqa: E402,F401
