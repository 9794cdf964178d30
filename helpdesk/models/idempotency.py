"""Idempotency keys of the JSON API: what a POST sent with an Idempotency-Key header created."""
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpdesk.extensions import db
from helpdesk.models._types import UTCDateTime, utcnow


class IdempotencyKey(db.Model):
    """A user's key, the fingerprint of the request that first used it and the question or message it created, so
    that the same request sent again (a client retrying after a lost answer) is answered with it, not filed twice."""

    __tablename__ = "idempotency_key"
    __table_args__ = (
        UniqueConstraint("user_id", "key", name="uq_idempotency_key_user_id_key"),
        CheckConstraint("length(request_hash) = 64", name="request_hash_length"),
        CheckConstraint("(ticket_id IS NULL) <> (message_id IS NULL)", name="one_resource"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"), index=True)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("message.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    ticket = relationship("Ticket")
    message = relationship("Message")

    def __repr__(self) -> str:
        return f"<IdempotencyKey {self.user_id}:{self.key!r}>"
