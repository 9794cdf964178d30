"""Flash info: bulletins, their audience, members' home page, theme subscriptions, emailing fan-out."""
from flask import Blueprint

bp = Blueprint("flash", __name__, url_prefix="/flash")

from helpdesk.flash import routes  # noqa: E402,F401
