"""Email: the outbox and its sender, notifications, digests, inbound replies."""
from flask import Blueprint

bp = Blueprint("mail", __name__)

from helpdesk.mail import routes  # noqa: E402,F401
