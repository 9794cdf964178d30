"""Jinja filters and globals: Markdown, labels (dates and numbers: helpdesk.i18n)."""
from flask import Flask

from helpdesk.markup import render_markdown
from helpdesk.models import ARTICLE_TYPES


def register(app: Flask) -> None:
    """Install the filters."""
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.globals["article_types"] = ARTICLE_TYPES
