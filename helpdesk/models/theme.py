"""Legal themes of questions and resources."""
from sqlalchemy import Boolean, String
from sqlalchemy.orm import Mapped, mapped_column

from helpdesk.extensions import db


class Theme(db.Model):
    """A legal topic, managed by admins."""

    __tablename__ = "theme"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    def __repr__(self) -> str:
        return f"<Theme {self.slug}>"
