"""JSON shapes of the API's objects (what the OpenAPI document describes)."""
from helpdesk.models import Article, Message, Ticket, User
from helpdesk.permissions import can_see_internal
from helpdesk.triage import following


def _iso(moment) -> str | None:
    """ISO 8601 or None."""
    return moment.isoformat() if moment else None


def ticket_json(ticket: Ticket, viewer: User) -> dict:
    """A question as `viewer` may see it: the service-level deadline (`due_at`) only for jurists and admins, as on
    the web (null for members)."""
    return {
        "reference": ticket.reference, "subject": ticket.subject, "body": ticket.body,
        "status": ticket.status, "status_label": ticket.status_label, "priority": ticket.priority,
        "channel": ticket.channel,
        "theme": {"id": ticket.theme.id, "name": ticket.theme.name} if ticket.theme else None,
        "structure": {"id": ticket.structure.id, "name": ticket.structure.name},
        "author": {"name": ticket.author.name},
        "assignee": {"name": ticket.assignee.name} if ticket.assignee else None,
        "created_at": _iso(ticket.created_at), "last_activity_at": _iso(ticket.last_activity_at),
        "first_response_at": _iso(ticket.first_response_at),
        "due_at": _iso(ticket.due_at) if can_see_internal(viewer) else None, "closed_at": _iso(ticket.closed_at),
    }


def ticket_detail_json(ticket: Ticket, viewer: User) -> dict:
    """A question read on its own: for jurists and admins, also the colleagues following it, as on the web page; null
    for members, who never learn who follows it."""
    followers = [{"name": user.name} for user in following.followers(ticket)] if can_see_internal(viewer) else None
    return {**ticket_json(ticket, viewer), "followers": followers}


def message_json(message: Message) -> dict:
    """A reply or, for jurists, an internal note."""
    return {"id": message.id, "body": message.body, "internal": message.internal,
            "author": {"name": message.author.name, "role": message.author.role},
            "created_at": _iso(message.created_at)}


def article_hit(hit) -> dict:
    """A search result; the snippet is safe HTML (escaped text and <mark> tags)."""
    return {"slug": hit.slug, "title": hit.title, "type": hit.type, "themes": list(hit.themes),
            "updated_on": hit.updated_on.date().isoformat() if hit.updated_on else None, "snippet": hit.snippet}


def article_detail(article: Article) -> dict:
    """A resource in full (body in Markdown)."""
    return {
        "slug": article.slug, "title": article.title, "summary": article.summary, "body": article.body,
        "type": article.type, "visibility": article.visibility, "status": article.status,
        "themes": [{"slug": theme.slug, "name": theme.name} for theme in article.themes],
        "tags": list(article.tags or []), "legal_refs": list(article.legal_refs or []),
        "updated_on": _iso(article.updated_on), "source_url": article.source_url or None,
        "published_at": _iso(article.published_at),
    }
