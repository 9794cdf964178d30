"""Files attached to a question, a message or a resource."""
from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from helpdesk.extensions import db
from helpdesk.models._types import UTCDateTime, utcnow
from helpdesk.translation import gettext as _


def size_label(size: int) -> str:
    """A file's size in words, in the reader's language ('12 Ko', '1,4 Mo'; '12 KB', '1.4 MB')."""
    from helpdesk.i18n import format_number  # helpdesk.i18n imports the models

    if size < 1024 * 1024:
        return _("%(size)s Ko", size=format_number(max(1, round(size / 1024))))
    return _("%(size)s Mo", size=format_number(round(size / (1024 * 1024), 1)))


class Attachment(db.Model):
    """An uploaded file: stored under a random key, shown under its sanitised original name."""

    __tablename__ = "attachment"
    __table_args__ = (
        CheckConstraint(
            "(CASE WHEN ticket_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN message_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN article_id IS NULL THEN 0 ELSE 1 END) = 1",
            name="exactly_one_parent",
        ),
        CheckConstraint("size > 0", name="size_positive"),
        CheckConstraint("length(sha256) = 64", name="sha256_length"),
        CheckConstraint("length(trim(filename)) > 0", name="filename_not_blank"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    storage_key: Mapped[str] = mapped_column(String(64), unique=True)
    sha256: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column(BigInteger)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"), index=True)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("message.id", ondelete="CASCADE"), index=True)
    article_id: Mapped[int | None] = mapped_column(ForeignKey("article.id", ondelete="CASCADE"), index=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    ticket = relationship("Ticket", backref=backref("attachments", order_by="Attachment.id", passive_deletes=True))
    message = relationship("Message", backref=backref("attachments", order_by="Attachment.id", passive_deletes=True))
    article = relationship("Article", backref=backref("attachments", order_by="Attachment.id", passive_deletes=True))
    uploaded_by = relationship("User")

    @property
    def size_label(self) -> str:
        """The size in words, in the reader's language ('12 Ko', '1,4 Mo'; '12 KB', '1.4 MB')."""
        return size_label(self.size)

    def __repr__(self) -> str:
        return f"<Attachment {self.id} {self.filename!r}>"
