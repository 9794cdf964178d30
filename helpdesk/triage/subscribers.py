"""Reactions to question events, in the same transaction: routing on filing, deadlines on status and
classification changes, cited resources on replies."""
from helpdesk.events import SHAPES_TICKET, subscribe
from helpdesk.extensions import db
from helpdesk.models import Event, Message, Ticket
from helpdesk.models._types import utcnow
from helpdesk.triage import citations, routing, sla


@subscribe(order=SHAPES_TICKET)
def on_ticket_event(event: Event, ticket: Ticket | None) -> None:
    """Route new questions; pause, resume and recompute deadlines when the status, theme or urgency moves; record
    citations."""
    if ticket is None:
        return
    if event.kind == "created":
        routing.route(ticket)
        sla.refresh_deadlines(ticket, pauses=[])
    elif event.kind == "reclassified":
        sla.refresh_deadlines(ticket)
    elif event.kind in ("status_changed", "closed"):
        sla.track_status_change(ticket, event.data.get("previous", ""), utcnow())
    elif event.kind == "reopened":
        sla.track_status_change(ticket, "closed", utcnow())
    elif event.kind == "reply":
        citations.record_citations(db.session.get(Message, event.data["message_id"]))
