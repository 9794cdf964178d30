"""Jinja filters and globals: French dates, labels."""
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Flask

from helpdesk.markup import render_markdown
from helpdesk.models import ARTICLE_TYPES

PARIS = ZoneInfo("Europe/Paris")
MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
          "septembre", "octobre", "novembre", "décembre")


def format_datetime(value: datetime | None) -> str:
    """'28 novembre 2026 à 09:15', in Paris time."""
    if value is None:
        return ""
    local = value.astimezone(PARIS)
    return f"{local.day} {MONTHS[local.month - 1]} {local.year} à {local:%H:%M}"


def format_date(value) -> str:
    """'28 novembre 2026'."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(PARIS)
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


def register(app: Flask) -> None:
    """Install the filters."""
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.filters["datetime"] = format_datetime
    app.jinja_env.filters["date"] = format_date
    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.globals["article_types"] = ARTICLE_TYPES
