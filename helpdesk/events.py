"""Recording history events."""
from helpdesk.extensions import db
from helpdesk.models import Event, Ticket, User

INTERNAL_KINDS = frozenset({"claimed", "assigned", "unassigned", "note"})


def record_event(kind: str, actor: User | None, ticket: Ticket | None = None, **data) -> Event:
    """Add an event to the session; kinds in INTERNAL_KINDS are hidden from members."""
    event = Event(kind=kind, actor=actor, data=data, internal=kind in INTERNAL_KINDS)
    if ticket is not None:
        event.ticket_id = ticket.id
    db.session.add(event)
    return event
