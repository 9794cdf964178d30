"""Resources cited in answers: links to knowledge-base articles found in public replies are recorded and
listed on the question page, each reader seeing only the resources they may read."""
import re

from sqlalchemy import insert, select

from helpdesk.collation import french_order
from helpdesk.errors import InvalidInput
from helpdesk.extensions import db
from helpdesk.kb.services import get_visible_article
from helpdesk.models import Article, Message, Ticket, User
from helpdesk.models.triage import message_resource
from helpdesk.permissions import article_statuses, article_visibilities, can_view_article
from helpdesk.translation import gettext as _

# A Markdown link to a resource page, relative ("/ressources/slug") or absolute.
_RESOURCE_LINK = re.compile(r"\]\((?:https?://[^\s)/]+)?/ressources/([a-z0-9]+(?:-[a-z0-9]+)*)/?\)")


# The closing paragraph of a letter, before which a link with no known place goes.
_CLOSING = re.compile(r"(?:bien |très )?(?:cordialement|sincèrement)|bien à vous|(?:sincères |meilleures )?salutations"
                      r"|(?:bonne|belle) (?:journée|soirée|fin de journée)", re.IGNORECASE)


def markdown_link(title: str, url: str) -> str:
    """A Markdown link whose text cannot break the link syntax."""
    text = re.sub(r"[\[\]]", "", title).strip() or url
    return f"[{text}]({url})"


def place_link(body: str, link: str, cursor: int | None) -> tuple[str, int | None]:
    """The message with the link where the jurist left the cursor (a count of characters, one per line break), and
    the cursor just after it; without a known position, the link is a paragraph of its own at the end, before the
    closing (« Bien cordialement, … ») if the message ends with one."""
    text = body.replace("\r\n", "\n")
    if cursor is None or cursor > len(text):
        paragraphs = re.split(r"\n[ \t]*\n", text.strip()) if text.strip() else []
        closing = [paragraphs.pop()] if len(paragraphs) > 1 and _CLOSING.match(paragraphs[-1]) else []
        return "\n\n".join([*paragraphs, link, *closing]), None
    before, after = text[:cursor], text[cursor:]
    # Kept apart from a word or a link just before or after it, not from an opening quote or bracket.
    if before and not before[-1].isspace() and before[-1] not in "(«'’\"":
        link = " " + link
    if after[:1].isalnum():
        link += " "
    return before + link + after, cursor + len(link)


def citation_reader(ticket: Ticket, writer: User, *, internal: bool) -> User:
    """Who must be able to open a resource cited in a message: the member who asked, for a public reply; the
    writer, for an internal note."""
    return writer if internal else ticket.author


def citable_article(ticket: Ticket, writer: User, slug: str, *, internal: bool) -> Article:
    """The resource `writer` may cite in this message: NotFound unless `writer` may read it; InvalidInput if a
    public reply would send the member a link they cannot open (jurists-only, draft or archived)."""
    article = get_visible_article(writer, slug)
    if not can_view_article(citation_reader(ticket, writer, internal=internal), article):
        raise InvalidInput(_("« %(title)s » n'est pas lisible par le membre (ressource réservée à l'équipe juridique "
                             "ou non publiée). Citez-la dans une note interne, ou choisissez une autre ressource.",
                             title=article.title))
    return article


def record_citations(message: Message) -> int:
    """Link a public reply to the resources it links to; returns how many were recorded."""
    if message.internal:
        return 0
    slugs = set(_RESOURCE_LINK.findall(message.body))
    if not slugs:
        return 0
    article_ids = db.session.scalars(select(Article.id).where(Article.slug.in_(slugs))).all()
    already = set(db.session.scalars(select(message_resource.c.article_id)
                                     .where(message_resource.c.message_id == message.id)))
    rows = [{"message_id": message.id, "article_id": article_id}
            for article_id in article_ids if article_id not in already]
    if rows:
        db.session.execute(insert(message_resource), rows)
    return len(rows)


def cited_resources(ticket: Ticket, viewer: User) -> list[Article]:
    """Resources linked from the question's public replies that `viewer` may read, in title order."""
    cited_ids = (
        select(message_resource.c.article_id)
        .join(Message, Message.id == message_resource.c.message_id)
        .where(Message.ticket_id == ticket.id, Message.internal.is_(False))
    )
    query = (
        select(Article)
        .where(Article.id.in_(cited_ids), Article.visibility.in_(article_visibilities(viewer)),
               Article.status.in_(article_statuses(viewer)))
        .order_by(french_order(Article.title))
    )
    return db.session.scalars(query).all()
