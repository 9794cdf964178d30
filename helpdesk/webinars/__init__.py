"""Webinars: programme, registrations of interest, Q&A turned into FAQ resources."""
from flask import Blueprint

bp = Blueprint("webinars", __name__, url_prefix="/webinaires")

from helpdesk.webinars import routes  # noqa: E402,F401
