"""Searches as the current user may make them: visibility comes from permissions, never from the request."""
from collections.abc import MutableMapping

from flask import current_app
from sqlalchemy import or_, select

from helpdesk import search
from helpdesk.collation import french_order
from helpdesk.extensions import db
from helpdesk.kb.indexing import index_path
from helpdesk.kb.services import log_search
from helpdesk.like import any_contains
from helpdesk.models import Article, Theme, Ticket, User
from helpdesk.models.ticket import canonical_reference
from helpdesk.permissions import article_statuses, article_visibilities, can_see_internal
from helpdesk.translation import gettext as _


def theme_names() -> dict[str, str]:
    """Theme names keyed by slug, for facets."""
    return {slug: name for slug, name in db.session.execute(select(Theme.slug, Theme.name))}


def offered_themes(current=()) -> list[tuple[Theme, str]]:
    """The themes a form offers, with their labels: the active ones, and those the edited item already has (`current`),
    so that saving it never silently drops a theme retired since (labelled as retired)."""
    kept = [theme.id for theme in current]
    themes = db.session.scalars(
        select(Theme).where(Theme.active | Theme.id.in_(kept)).order_by(french_order(Theme.name)))
    return [(theme, theme.name if theme.active else _("%(name)s (thème retiré)", name=theme.name)) for theme in themes]


def theme_choices(current=()) -> list[tuple[str, str]]:
    """(slug, label) of the themes a resource form offers (see offered_themes)."""
    return [(theme.slug, label) for theme, label in offered_themes(current)]


def search_resources(user, query: str, *, types=(), themes=(), statuses=(), sort="relevance",
                     page=1, per_page: int | None = None, reader=None,
                     memory: MutableMapping | None = None) -> search.SearchPage:
    """Search resources within what `reader` (default: `user`, who searches) may read (published ones unless staff
    ask otherwise), logging the query as `user`'s (once in a row per `memory`, the session: see log_search)."""
    reader = reader or user
    chosen = [status for status in statuses if status in article_statuses(reader)] or ["published"]
    results = search.search_articles(
        index_path(search.ARTICLES), query, visibilities=article_visibilities(reader), statuses=chosen,
        types=types, themes=themes, sort=sort, page=page, per_page=per_page or current_app.config["KB_PAGE_SIZE"])
    if not results.browsing and page == 1:
        log_search(query, results.total, user, memory)
    return results


def resource_dates(hits) -> dict:
    """The dates a list shows of these resources (« à jour au », else the publication), by slug, read from the
    database as their pages read them: the index keeps a single date, the one the date sort orders by."""
    rows = db.session.execute(select(Article.slug, Article.updated_on, Article.published_at)
                              .where(Article.slug.in_([hit.slug for hit in hits])))
    return {row.slug: row for row in rows}


def suggest(user, text: str, limit: int = 5) -> list[search.ArticleHit]:
    """Resources that may answer a question being typed."""
    if len(text.split()) < 2:
        return []
    return search.suggest_articles(index_path(search.ARTICLES), text, article_visibilities(user), limit=limit)


def similar_questions(ticket: Ticket, viewer: User, limit: int = 5) -> list[Ticket]:
    """Questions like this one, treated ones (answered or closed) first; jurists only."""
    if not can_see_internal(viewer):
        return []
    path = index_path(search.QUESTIONS)
    text = f"{ticket.subject}\n{ticket.body}"
    hits = search.search_questions(path, text, limit=limit, exclude_id=ticket.id, statuses=("answered", "closed"))
    if len(hits) < limit:
        seen = {hit.id for hit in hits}
        hits += [hit for hit in search.search_questions(path, text, limit=limit * 2, exclude_id=ticket.id)
                 if hit.id not in seen][: limit - len(hits)]
    ids = [int(hit.id) for hit in hits]
    tickets = {found.id: found for found in db.session.scalars(select(Ticket).where(Ticket.id.in_(ids)))}
    return [tickets[ticket_id] for ticket_id in ids if ticket_id in tickets]


def question_text_filter(text: str, structure_id=None, limit: int = 500):
    """The free-text filter of the question lists: the questions (of one structure if given) whose subject,
    description or public answers hold every word of `text` in the French search (accents, plurals, typos of the
    index), or whose subject or reference contains `text` as typed (« 00042 », a word the index left out), or whose
    reference it is, typed without its zeros or in lower case (« q-2026-42 »)."""
    found = search.filter_questions(index_path(search.QUESTIONS), text, limit=limit, structure_id=structure_id)
    reference = canonical_reference(text)
    return or_(Ticket.id.in_([int(ticket_id) for ticket_id in found]),
               any_contains(text, Ticket.subject, Ticket.reference),
               *([Ticket.reference == reference] if reference else []))
