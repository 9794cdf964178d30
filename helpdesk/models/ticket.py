"""Questions (tickets) and their messages."""
import re
from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, SmallInteger, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpdesk.collation import french_order
from helpdesk.extensions import db
from helpdesk.models._types import UTCDateTime, enum_check, utcnow
from helpdesk.models.triage import Tag
from helpdesk.translation import lazy_gettext as _l

STATUSES = {
    "new": _l("Nouvelle"),
    "open": _l("En cours"),
    "waiting": _l("En attente du membre"),
    "answered": _l("Répondue"),
    "closed": _l("Clôturée"),
}
PRIORITIES = {0: _l("Basse"), 1: _l("Normale"), 2: _l("Élevée"), 3: _l("Urgente")}
CHANNELS = {"web": _l("En ligne"), "email": _l("Courriel"), "phone": _l("Téléphone")}
# Queries must spell this predicate with a literal (not a bound parameter) to use the partial indexes.
OPEN_PREDICATE = "status <> 'closed'"
# The deadline sort: running deadlines first, nearest first, then the rest by number.
DUE_ORDER = (text("(next_due_at IS NULL)"), "next_due_at", "id")
PRIORITY_ORDER = (text("(-priority)"), "created_at", "id")
OPEN_INDEXES = {
    # Counts of a view filtered by region or structure type read this index only.
    "assignee": ("assignee_id", "structure_id"),
    "due": DUE_ORDER,
    "created": ("created_at", "id"),
    # The priority sort: most urgent first (-priority, as SQLite reflects no DESC), oldest first inside a priority.
    "priority": PRIORITY_ORDER,
    "activity": ("last_activity_at", "id"),
}
# Only new and open questions have a running deadline (`next_due_at`): the late and due-soon views walk these
# partial indexes in the order of their sort, reading the deadline from the index, instead of sorting every late
# question or walking the whole history for the few late ones.
RUNNING_PREDICATE = "next_due_at IS NOT NULL"
RUNNING_INDEXES = {
    "created": ("created_at", "id", "next_due_at"),
    "priority": (*PRIORITY_ORDER, "next_due_at"),
    "activity": ("last_activity_at", "id", "next_due_at"),
}


# A typed reference: « Q-2026-00141 », « Q-2026-141 », « Q2026-141 », « Q 2026 141 » (upper-cased first).
_TYPED_REFERENCE = re.compile(r"Q[\s-]?(\d{4})[\s-]+(\d+)")


def typed_reference(typed: str) -> tuple[str, str] | None:
    """The year and the number of a reference as someone typed it, zero padded or not, in any case (« q2026-141 »
    gives ("2026", "141")), or None when the text is no reference."""
    typed = (typed or "").strip().upper()
    parts = _TYPED_REFERENCE.fullmatch(typed) if typed.isascii() else None
    return (parts.group(1), parts.group(2)) if parts else None


def canonical_reference(typed: str) -> str | None:
    """The reference as questions carry it (« Q-2026-00141 ») for a reference typed without its zeros or in lower
    case (« q-2026-141 »), or None when the text is no reference."""
    parts = typed_reference(typed)
    return f"Q-{parts[0]}-{int(parts[1]):05d}" if parts else None


class Ticket(db.Model):
    """A member structure's legal question and its lifecycle."""

    __tablename__ = "ticket"
    __table_args__ = (
        enum_check("status", STATUSES, "status"),
        enum_check("channel", CHANNELS, "channel"),
        CheckConstraint("priority BETWEEN 0 AND 3", name="priority_range"),
        CheckConstraint("length(trim(subject)) > 0", name="subject_not_blank"),
        Index("ix_ticket_status_created", "status", "created_at"),
        Index("ix_ticket_assignee_status", "assignee_id", "status"),
        # Statistics filtered by region or structure type read this one (the grouped columns included, PostgreSQL).
        Index("ix_ticket_structure_created", "structure_id", "created_at", postgresql_include=[
            "theme_id", "assignee_id", "merged_into_id", "first_response_at", "resolved_at", "due_at",
            "first_response_due_at"]),
        Index("ix_ticket_status_priority", "status", *PRIORITY_ORDER),
        Index("ix_ticket_status_activity", "status", "last_activity_at"),
        # Statistics bucket questions by month of filing, first response and resolution; on PostgreSQL the
        # filing- and resolution-date indexes carry the filtered and aggregated columns so that every
        # statistics pass reads an index only.
        Index("ix_ticket_created_at", "created_at", postgresql_include=[
            "structure_id", "theme_id", "assignee_id", "merged_into_id", "first_response_at", "resolved_at", "due_at",
            "first_response_due_at"]),
        Index("ix_ticket_author_created", "author_id", "created_at"),
        Index("ix_ticket_first_response_at", "first_response_at", postgresql_include=[
            "structure_id", "theme_id", "assignee_id", "merged_into_id"]),
        Index("ix_ticket_resolved_at", "resolved_at", postgresql_include=[
            "created_at", "structure_id", "theme_id", "assignee_id", "merged_into_id"]),
        Index("ix_ticket_next_due", "next_due_at"),
        # Queue pages and counts of the status and deadline views, with a region or structure type filter.
        Index("ix_ticket_status_structure", "status", "structure_id"),
        Index("ix_ticket_due_structure", "next_due_at", "structure_id"),
        Index("ix_ticket_status_due", "status", *DUE_ORDER),
        CheckConstraint("merged_into_id IS NULL OR merged_into_id != id", name="not_merged_into_itself"),
        # The queue's open views count by assignee and walk these partial indexes in the order of the sort.
        *(Index(f"ix_ticket_open_{name}", *columns, postgresql_where=text(OPEN_PREDICATE),
                sqlite_where=text(OPEN_PREDICATE)) for name, columns in OPEN_INDEXES.items()),
        *(Index(f"ix_ticket_running_{name}", *columns, postgresql_where=text(RUNNING_PREDICATE),
                sqlite_where=text(RUNNING_PREDICATE)) for name, columns in RUNNING_INDEXES.items()),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str | None] = mapped_column(String(20), unique=True)
    structure_id: Mapped[int] = mapped_column(ForeignKey("structure.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    theme_id: Mapped[int | None] = mapped_column(ForeignKey("theme.id"), index=True)
    priority: Mapped[int] = mapped_column(SmallInteger, default=1)
    status: Mapped[str] = mapped_column(String(10), default="new")
    channel: Mapped[str] = mapped_column(String(10), default="web")
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The last exchange with the member: filing, a public message, a status change, a merge into it from the same
    # structure (another structure's question arrives as internal notes). The team's bookkeeping (claim, assignment,
    # reclassification, internal notes, tags, following) leaves it alone: it is the clock of the automatic closing,
    # and the queue's « Dernière activité » sort lists questions by their last exchange.
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    first_response_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The nearest pending deadline (first response, else resolution); NULL while the clock is stopped.
    next_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    structure = relationship("Structure")
    author = relationship("User", foreign_keys=[author_id])
    assignee = relationship("User", foreign_keys=[assignee_id])
    theme = relationship("Theme")
    messages = relationship("Message", back_populates="ticket", order_by="Message.created_at, Message.id")
    created_by = relationship("User", foreign_keys=[created_by_id])
    merged_into = relationship("Ticket", remote_side=[id])
    tags = relationship("Tag", secondary="ticket_tag", order_by=lambda: french_order(Tag.name))

    @property
    def status_label(self) -> str:
        """The status in words."""
        return str(STATUSES[self.status])

    @property
    def priority_label(self) -> str:
        """The priority in words."""
        return str(PRIORITIES[self.priority])

    @property
    def channel_label(self) -> str:
        """The channel in words."""
        return str(CHANNELS[self.channel])

    @property
    def has_reply(self) -> bool:
        """The team has answered the member publicly at least once."""
        return self.first_response_at is not None

    @property
    def is_closed(self) -> bool:
        """Closed questions accept no more messages."""
        return self.status == "closed"

    def __repr__(self) -> str:
        return f"<Ticket {self.reference} {self.status}>"


class Message(db.Model):
    """A public reply or an internal note on a question."""

    __tablename__ = "message"
    __table_args__ = (
        CheckConstraint("length(trim(body)) > 0", name="body_not_blank"),
        Index("ix_message_ticket_created", "ticket_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    body: Mapped[str] = mapped_column(Text)
    internal: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    ticket = relationship("Ticket", back_populates="messages")
    author = relationship("User")

    def __repr__(self) -> str:
        kind = "note" if self.internal else "reply"
        return f"<Message {self.id} {kind} on {self.ticket_id}>"
