"""Audit: who read, downloaded, exported or changed what; the admins' journal."""
from flask import Blueprint

bp = Blueprint("audit", __name__, url_prefix="/admin/journal")

from helpdesk.audit import routes  # noqa: E402,F401
