"""Operations: health endpoint, request ids and structured logs."""
from flask import Blueprint

bp = Blueprint("ops", __name__)

from helpdesk.ops import routes  # noqa: E402,F401
