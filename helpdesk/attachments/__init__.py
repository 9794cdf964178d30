"""Attachments: files on questions, messages and resources; checking, storing, downloading."""
from flask import Blueprint

bp = Blueprint("attachments", __name__, url_prefix="/pieces-jointes")

from helpdesk.attachments import routes  # noqa: E402,F401
