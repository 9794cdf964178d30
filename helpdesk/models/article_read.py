"""Resource reads, counted for the statistics (most read resources)."""
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from helpdesk.extensions import db
from helpdesk.models._types import UTCDateTime, enum_check, utcnow
from helpdesk.models.user import ROLES

READER_KINDS = ("anonymous", *ROLES)


class ArticleRead(db.Model):
    """One display of a resource page; who read it is kept only as a kind of reader (no personal data)."""

    __tablename__ = "article_read"
    __table_args__ = (
        enum_check("reader", READER_KINDS, "reader"),
        Index("ix_article_read_created_article", "created_at", "article_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("article.id", ondelete="CASCADE"), index=True)
    reader: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    def __repr__(self) -> str:
        return f"<ArticleRead {self.article_id} by {self.reader}>"
