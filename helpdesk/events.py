"""Recording history events, and letting other areas react to them in the same transaction."""
from collections.abc import Callable

from helpdesk.extensions import db
from helpdesk.models import Event, Ticket, User

# Audit-only kinds: kept out of a question's visible history, shown in the admins' journal.
AUDIT_KINDS = frozenset({"question_viewed", "attachment_downloaded"})
INTERNAL_KINDS = frozenset({"claimed", "assigned", "unassigned", "note", "routed", "tagged", "faq_proposed",
                            "rated"}) | AUDIT_KINDS
_subscribers: list[Callable[[Event, Ticket | None], None]] = []


def subscribe(callback: Callable[[Event, Ticket | None], None]):
    """Register a function called with each recorded event (e.g. to queue a notification); usable as a decorator."""
    _subscribers.append(callback)
    return callback


def record_event(kind: str, actor: User | None, ticket: Ticket | None = None, **data) -> Event:
    """Add an event to the session and tell subscribers; kinds in INTERNAL_KINDS are hidden from members."""
    event = Event(kind=kind, actor=actor, data=data, internal=kind in INTERNAL_KINDS)
    if ticket is not None:
        event.ticket = ticket
    db.session.add(event)
    for callback in _subscribers:
        callback(event, ticket)
    return event
