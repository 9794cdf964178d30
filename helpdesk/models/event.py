"""History of what happened to which object."""
from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpdesk.extensions import db
from helpdesk.models._types import UTCDateTime, utcnow


class Event(db.Model):
    """Who did what, when; internal events are hidden from members."""

    __tablename__ = "event"
    __table_args__ = (Index("ix_event_ticket_created", "ticket_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    internal: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)

    actor = relationship("User")
    # Not view-only: an event recorded with a question not yet inserted is flushed after it.
    ticket = relationship("Ticket")

    def __repr__(self) -> str:
        return f"<Event {self.kind} on {self.ticket_id}>"
