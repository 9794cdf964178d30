"""Jinja filters and globals: Markdown, labels (dates and numbers: helpdesk.i18n)."""
import re

from flask import Flask
from markupsafe import Markup, escape

from helpdesk.auth.network import current_password_field
# Dates and numbers moved to helpdesk.i18n (locale-aware); re-exported for modules that import them from here.
from helpdesk.i18n import PARIS, format_date, format_datetime  # noqa: F401
from helpdesk.i18n import tie_french_punctuation
from helpdesk.main.forms import CHOICE_GROUPS
from helpdesk.main.query_args import page_address, request_address, url_with_query
from helpdesk.markup import message_as_text, render_markdown, render_message
from helpdesk.models import ARTICLE_TYPES, PRIORITIES, STATUSES
from helpdesk.models.attachment import size_label
from helpdesk.permissions import membership_active
from helpdesk.views import back_to_list_url


def register(app: Flask) -> None:
    """Install the filters."""
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.filters["message"] = render_message
    app.jinja_env.filters["message_text"] = message_as_text
    app.jinja_env.filters["after_colon"] = after_colon
    # For texts translated in Python (banners, form hints and errors), as the templates' own texts are.
    app.jinja_env.filters["french_spaces"] = tie_french_punctuation
    app.jinja_env.filters["breakable"] = breakable
    app.jinja_env.filters["file_size"] = size_label
    app.jinja_env.globals["article_types"] = ARTICLE_TYPES
    app.jinja_env.globals["ticket_statuses"] = STATUSES
    app.jinja_env.globals["ticket_priorities"] = PRIORITIES
    app.jinja_env.globals["url_with_query"] = url_with_query
    app.jinja_env.globals["page_address"] = page_address
    app.jinja_env.globals["request_address"] = request_address
    app.jinja_env.globals["membership_active"] = membership_active
    app.jinja_env.globals["back_to_list_url"] = back_to_list_url
    app.jinja_env.globals["choice_groups"] = CHOICE_GROUPS
    app.jinja_env.globals["current_password_field"] = current_password_field


def after_colon(sentence: str) -> str:
    """A banner's message shown after « C'est fait : » or « Erreur : », where the sentence goes on in lower case (in
    English too): its first letter lowered when it starts an ordinary word, a capital then a lower-case letter (no
    success or error message starts with a name: tests/test_i18n.py checks the refusals), so that an acronym (« FAQ »,
    « API »), a reference (« Q-2026-00042 ») or a number stays as written."""
    if len(sentence) > 1 and sentence[0].isupper() and sentence[1].islower():
        return type(sentence)(sentence[0].lower() + sentence[1:])
    return sentence


# A word of French text holds on its line (« professionnalisation », 20 letters); a longer token (an address, a file
# identifier, a reference pasted from elsewhere) may break after its punctuation and, failing that, every few characters.
_LONGEST_WORD = 25
_PIECE = 12
_TOKENS = re.compile(r"(\s+)")
_AFTER_PUNCTUATION = re.compile(r"(?<=[/._?&=:;,@#+~|\\-])")


def breakable(text: str) -> Markup:
    """Text escaped for a narrow table column, with a line break allowed (<wbr>) only inside tokens longer than a word,
    so that the column may be narrow without cutting an ordinary word (CSS « overflow-wrap: anywhere » cut
    « professionnalisation » before its last letter)."""
    return Markup("").join(_breakable_token(token) for token in _TOKENS.split(text or ""))


def _breakable_token(token: str) -> Markup:
    """One token of `breakable`: as it is when a word may be that long, otherwise cut into short pieces."""
    if len(token) <= _LONGEST_WORD:
        return escape(token)
    pieces = [piece[start:start + _PIECE] for piece in _AFTER_PUNCTUATION.split(token) if piece
              for start in range(0, len(piece), _PIECE)]
    return Markup("<wbr>").join(escape(piece) for piece in pieces)
