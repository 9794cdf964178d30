"""Personal data: members' export, anonymisation of users and structures, retention, the notice page."""
from flask import Blueprint

bp = Blueprint("privacy", __name__)

from helpdesk.privacy import routes  # noqa: E402,F401
