"""Markdown rendering, sanitised with an nh3 allowlist."""
import re
import xml.etree.ElementTree as etree

import markdown
import nh3
from markdown.extensions import Extension
from markdown.inlinepatterns import IMAGE_LINK_RE, ImageInlineProcessor, InlineProcessor
from markdown.treeprocessors import Treeprocessor
from markdown.util import AtomicString
from markupsafe import Markup, escape

from helpdesk.translation import gettext as _

ALLOWED_TAGS = {
    "a", "abbr", "blockquote", "br", "code", "em", "h2", "h3", "h4", "hr", "li", "ol", "p", "pre",
    "strong", "table", "tbody", "td", "th", "thead", "tr", "ul",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "th": {"scope"}}


def _sanitise(html: str) -> Markup:
    """Keep only the allowlisted tags and attributes; links to http(s), mailto or this site only."""
    return Markup(nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                            url_schemes={"http", "https", "mailto"}, link_rel="noopener noreferrer nofollow"))


# Python-Markdown looks for the end of a link from every "[" (and for the end of its address from every "](") up to
# the end of the text: thousands of brackets that close nothing, or nested deeply, cost it minutes (20,000 "[" in a
# message took two minutes at every display). Such brackets are escaped first; nesting deeper than this is too.
_BRACKETS = {"[": "]", "(": ")"}
_MAX_BRACKET_DEPTH = 3


def _defuse_brackets(text: str) -> str:
    """The text with a backslash before every "[" or "(" that nothing closes or that opens too deep a nesting, which
    Markdown then shows as typed: in one pass, so that rendering takes time in proportion to the text."""
    escaped = set()
    open_at = {opening: [] for opening in _BRACKETS}
    closing_of = {closing: opening for opening, closing in _BRACKETS.items()}
    position = 0
    while position < len(text):
        char = text[position]
        if char == "\\":
            position += 2  # an escaped character is no bracket
            continue
        if char in open_at:
            if len(open_at[char]) >= _MAX_BRACKET_DEPTH:
                escaped.add(position)
            else:
                open_at[char].append(position)
        elif char in closing_of and open_at[closing_of[char]]:
            open_at[closing_of[char]].pop()
        position += 1
    for positions in open_at.values():
        escaped.update(positions)
    if not escaped:
        return text
    return "".join("\\" + char if index in escaped else char for index, char in enumerate(text))


def _markdown_html(text: str, extensions: list) -> str:
    """Markdown's HTML for the text (its brackets defused); a nesting too deep for Markdown's recursion (a line of
    hundreds of list markers) gives the text as typed, in one paragraph, instead of a page that never displays."""
    try:
        return markdown.markdown(_defuse_brackets(text), extensions=extensions, output_format="html")
    except RecursionError:
        return "<p>" + str(escape(text)).replace("\n", "<br>\n") + "</p>"


def render_markdown(text: str | None, base_url: str | None = None) -> Markup:
    """Markdown to safe HTML: raw HTML, scripts, event handlers and javascript: links are removed; links to the
    site's pages made absolute from `base_url` (emails); on the site (no `base_url`), each table in a scrolling
    region named after it."""
    html = _sanitise(_markdown_html(text or "", ["extra", "sane_lists", _TableHeadersExtension(),
                                                 *_absolute_links(base_url)]))
    return html if base_url else _scrollable_tables(html)


class _TableHeadersProcessor(Treeprocessor):
    """A Markdown table's header cells head their columns (scope="col"), as screen readers expect."""

    def run(self, root):
        """Mark every header cell of the tables' header rows."""
        for head in root.iter("thead"):
            for cell in head.iter("th"):
                cell.set("scope", "col")


class _TableHeadersExtension(Extension):
    """Header cells of Markdown tables name their columns."""

    def extendMarkdown(self, md):  # noqa: N802 (Markdown's API)
        """Mark the header cells once the document is built."""
        md.treeprocessors.register(_TableHeadersProcessor(md), "table_headers", 0)


# In sanitised HTML a table opens with exactly « <table> » (nh3 keeps no attribute on it) and text never holds « < ».
_HEADING_OR_TABLE = re.compile(r"<h([2-4])>(.*?)</h\1>|<table>", re.S)
_TAG = re.compile(r"<[^>]*>")


def _scrollable_tables(html: Markup) -> Markup:
    """Each table of sanitised HTML in a focusable scrolling region (a wide table scrolls on a phone instead of
    cutting every word of its cells), named « Tableau 2 : <the heading above it> » for screen readers."""
    parts, last, heading, number = [], 0, "", 0
    for match in _HEADING_OR_TABLE.finditer(html):
        if match.group(1):
            heading = Markup(_TAG.sub("", match.group(2))).unescape().strip()
            continue
        number += 1
        label = (_("Tableau %(num)s : %(heading)s", num=number, heading=heading) if heading
                 else _("Tableau %(num)s", num=number))
        parts += [html[last:match.start()],
                  f'<div class="table-scroll" role="region" aria-label="{escape(label)}" tabindex="0"><table>']
        last = match.end()
    if not number:
        return html
    parts.append(html[last:])
    return Markup("".join(parts).replace("</table>", "</table></div>"))


# A web address written as is in a message; the punctuation closing a sentence is not part of it.
_BARE_URL = r"\bhttps?://[^\s<>\"'\]\[]+[^\s<>\"'\]\[.,;:!?)»]"


class _BareUrlProcessor(InlineProcessor):
    """Turn a bare web address into a link to itself (not inside a link's text)."""

    ANCESTOR_EXCLUDES = ("a",)

    def handleMatch(self, match, data):  # noqa: N802 (Markdown's API)
        """The link element for one address (a closing parenthesis belongs to it when it closes one of its own)."""
        address, end = match.group(0), match.end(0)
        while data[end:end + 1] == ")" and address.count("(") > address.count(")"):
            address, end = address + ")", end + 1
        link = etree.Element("a", {"href": address})
        link.text = AtomicString(address)
        return link, match.start(0), end


def _absolute(url: str, base_url: str | None) -> str:
    """A link to one of this site's pages (« /ressources/… ») made absolute from `base_url`, for an email."""
    if base_url and url.startswith("/") and not url.startswith("//"):
        return base_url.rstrip("/") + url
    return url


class _AbsoluteLinksProcessor(Treeprocessor):
    """Make the links to this site's pages absolute."""

    def __init__(self, md, base_url: str):
        """Remember the site's address."""
        super().__init__(md)
        self.base_url = base_url

    def run(self, root):
        """Rewrite every link in place."""
        for link in root.iter("a"):
            link.set("href", _absolute(link.get("href", ""), self.base_url))


class _AbsoluteLinksExtension(Extension):
    """In an email, links to the site's pages become absolute."""

    def __init__(self, base_url: str):
        """Where the site is."""
        super().__init__()
        self.base_url = base_url

    def extendMarkdown(self, md):  # noqa: N802 (Markdown's API)
        """Rewrite the links once the document is built."""
        md.treeprocessors.register(_AbsoluteLinksProcessor(md, self.base_url), "absolute_links", 0)


def _absolute_links(base_url: str | None) -> list[Extension]:
    """The extension making links absolute when a site address is given (emails), none on the site itself."""
    return [_AbsoluteLinksExtension(base_url)] if base_url else []


class _ImageAsLinkProcessor(ImageInlineProcessor):
    """A message shows no image: `![text](address)` becomes a link to the address, named by its text."""

    def handleMatch(self, match, data):  # noqa: N802 (Markdown's API)
        """The link element standing for one image."""
        image, start, end = super().handleMatch(match, data)
        if image is None:
            return image, start, end
        link = etree.Element("a", {"href": image.get("src")})
        link.text = AtomicString(image.get("alt") or image.get("src"))
        return link, start, end


class _MessageExtension(Extension):
    """Messages are written as plain text: raw HTML is shown as typed, bare addresses become links."""

    def extendMarkdown(self, md):  # noqa: N802 (Markdown's API)
        """Drop the raw-HTML patterns, show images as links, add the bare-address pattern (before emphasis, so
        `a_b` in an address stays)."""
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
        md.inlinePatterns.deregister("image_reference")
        md.inlinePatterns.register(_ImageAsLinkProcessor(IMAGE_LINK_RE, md), "image_link", 150)
        md.inlinePatterns.register(_BareUrlProcessor(_BARE_URL, md), "bare_url", 115)


def render_message(text: str | None, base_url: str | None = None) -> Markup:
    """A question's or reply's text to safe HTML: Markdown (links, emphasis, lists) with its line breaks kept,
    bare addresses clickable, any HTML typed in it shown as text; links made absolute from `base_url` (emails)."""
    extensions = ["sane_lists", "nl2br", _MessageExtension(), *_absolute_links(base_url)]
    html = _sanitise(_markdown_html(text or "", extensions))
    return html if base_url else _unbroken_references(html)


# A tag of sanitised HTML (skipped whole, so that an address holding a reference is left alone), or a reference.
_TAG_OR_REFERENCE = re.compile(r"(<[^>]*>)|\b(Q-\d{4}-\d{5})\b")


def _unbroken_references(html: Markup) -> Markup:
    """Each question reference of a message's text on one line, as in the lists: a phone broke
    « Q-2026-00153 » after « Q- »."""
    return Markup(_TAG_OR_REFERENCE.sub(
        lambda match: match.group(1) or f'<span class="reference-cell">{match.group(2)}</span>', html))


def unbroken_references(text: str) -> Markup:
    """Plain text (a banner's message) as HTML with each question reference on one line: a phone broke
    « Q-2026-00152 » after « Q-2026- » in « votre question … a bien été envoyée »."""
    return _unbroken_references(escape(text))


# No "[" inside a link's text or address: each match attempt then stops at the next "[", whatever the text.
_MESSAGE_LINK = re.compile(r"!?\[([^\[\]]*)\]\(([^)\s\[]*)(?:\s+\"[^\"]*\")?\)")
_STRONG = re.compile(r"(\*\*|__)(.+?)\1")


def message_as_text(text: str | None, base_url: str) -> str:
    """A question's or reply's text for a plain-text email: links as « text (absolute address) », no bold marks."""
    linked = _MESSAGE_LINK.sub(lambda match: f"{match.group(1)} ({_absolute(match.group(2), base_url)})", text or "")
    return _STRONG.sub(r"\2", linked)


_MARKDOWN_LINK = re.compile(r"!?\[([^\[\]]*)\]\([^)\[]*\)")
# A line's own mark (heading, quote, list item) with what follows it, or a run of inline marks (emphasis, code, a
# table's cell border) with the letters on either side: emphasis hugs its words, so « **à vérifier**. » must read
# « à vérifier. », while a mark between two letters (« a|b », « mot_clé ») still parts two words.
_MARKDOWN_MARKS = re.compile(r"(^|\n)\s{0,3}(?:#{1,6}|>|[-*+]|\d+\.)\s+|([^\W_]?)[*_`~|]+([^\W_]?)")


def _without_mark(match: re.Match) -> str:
    """What replaces one Markdown mark: the line break it followed, a space between two words, or nothing."""
    if match.group(2) is None:
        return match.group(1)
    before, after = match.group(2), match.group(3)
    return f"{before} {after}" if before and after else before + after


def markdown_to_text(text: str | None) -> str:
    """Markdown without its markup (links keep their text), for indexing and snippets."""
    return _MARKDOWN_MARKS.sub(_without_mark, _MARKDOWN_LINK.sub(r"\1", text or ""))
