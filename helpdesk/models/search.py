"""Search bookkeeping: the index change log, search logs, suggestion clicks."""
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from helpdesk.extensions import db
from helpdesk.models._types import UTCDateTime, enum_check, utcnow

INDEX_NAMES = ("articles", "questions")


class SearchChange(db.Model):
    """An object whose index entry must be refreshed; written in the transaction that changed it.

    The id is the change log's monotonically increasing sequence: each machine's
    indexer remembers how far it has applied it.
    """

    __tablename__ = "search_change"
    __table_args__ = (enum_check("index_name", INDEX_NAMES, "index_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    index_name: Mapped[str] = mapped_column(String(20))
    object_key: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)

    def __repr__(self) -> str:
        return f"<SearchChange {self.id} {self.index_name}:{self.object_key}>"


class SearchLog(db.Model):
    """A knowledge-base search and how many results it found (to spot missing content)."""

    __tablename__ = "search_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    query: Mapped[str] = mapped_column(String(200))
    results: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


class SuggestionClick(db.Model):
    """A member opened a resource suggested while typing a question (deflection statistics)."""

    __tablename__ = "suggestion_click"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("article.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
