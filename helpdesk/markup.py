"""Markdown rendering, sanitised with an nh3 allowlist."""
import re

import markdown
import nh3
from markupsafe import Markup

ALLOWED_TAGS = {
    "a", "abbr", "blockquote", "br", "code", "em", "h2", "h3", "h4", "hr", "li", "ol", "p", "pre",
    "strong", "table", "tbody", "td", "th", "thead", "tr", "ul",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "th": {"scope"}}


def render_markdown(text: str | None) -> Markup:
    """Markdown to safe HTML: raw HTML, scripts, event handlers and javascript: links are removed."""
    html = markdown.markdown(text or "", extensions=["extra", "sane_lists"], output_format="html")
    return Markup(nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                            url_schemes={"http", "https", "mailto"}, link_rel="noopener noreferrer nofollow"))


_MARKDOWN_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MARKDOWN_MARKS = re.compile(r"(^|\n)\s{0,3}(?:#{1,6}|>|[-*+]|\d+\.)\s+|[*_`~|]+")


def markdown_to_text(text: str | None) -> str:
    """Markdown without its markup (links keep their text), for indexing and snippets."""
    return _MARKDOWN_MARKS.sub(lambda match: match.group(1) or " ", _MARKDOWN_LINK.sub(r"\1", text or ""))
