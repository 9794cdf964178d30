"""Recording history events, and letting other areas react to them in the same transaction."""
from collections.abc import Callable

from helpdesk.extensions import db
from helpdesk.models import Event, Ticket, User

# Audit-only kinds: kept out of a question's visible history, shown in the admins' journal.
AUDIT_KINDS = frozenset({"question_viewed", "attachment_downloaded", "inbound_mail_viewed", "satisfaction_comment_viewed",
                         "webinar_questions_viewed", "queue_searched"})
INTERNAL_KINDS = frozenset({"claimed", "assigned", "unassigned", "note", "routed", "tagged", "faq_proposed",
                            "rated", "followed", "unfollowed"}) | AUDIT_KINDS
Subscriber = Callable[[Event, Ticket | None], None]
_subscribers: list[tuple[int, Subscriber]] = []
# Subscribers that change the question (routing, deadlines) run before those that report it (mail).
SHAPES_TICKET, REPORTS = 10, 100


def subscribe(callback: Subscriber | None = None, *, order: int = REPORTS):
    """Register a function called with each recorded event, lower `order` first; usable as a (parametrised) decorator."""
    def register(function: Subscriber) -> Subscriber:
        """Insert `function` after the subscribers of the same or a lower order."""
        _subscribers.append((order, function))
        _subscribers.sort(key=lambda entry: entry[0])
        return function
    return register(callback) if callback is not None else register


def record_event(kind: str, actor: User | None, ticket: Ticket | None = None, **data) -> Event:
    """Add an event to the session and tell subscribers; kinds in INTERNAL_KINDS are hidden from members."""
    event = Event(kind=kind, actor=actor, data=data, internal=kind in INTERNAL_KINDS)
    if ticket is not None:
        event.ticket = ticket
    db.session.add(event)
    for _order, callback in _subscribers:
        callback(event, ticket)
    return event
