"""Accounts: login, logout, password."""
from flask import Blueprint

bp = Blueprint("auth", __name__)

from helpdesk.auth import routes  # noqa: E402,F401
