"""The page of a list a browser session last showed, kept on the server."""
from datetime import datetime

from sqlalchemy import String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from helpdesk.extensions import db
from helpdesk.models._types import UTCDateTime, utcnow


class ListPage(db.Model):
    """The path and query (search words included) of the page of a list a browser session last showed, the way back
    to it from one of its items: kept here rather than in the session cookie, which anyone holding it can read.

    The session holds only a random key, stored here hashed; rows expire with sessions (see helpdesk/views.py).
    """

    __tablename__ = "list_page"
    __table_args__ = (UniqueConstraint("session_key", "name", name="uq_list_page_session_key_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_key: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(20))
    path: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)

    def __repr__(self) -> str:
        return f"<ListPage {self.name} {self.updated_at:%Y-%m-%d %H:%M}>"
