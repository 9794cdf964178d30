"""Flash info bulletins: audience, read receipts, theme subscriptions, per-recipient deliveries."""
from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpdesk.extensions import db
from helpdesk.models._types import UTCDateTime, utcnow


class FlashBulletin(db.Model):
    """The audience and sending state of a flash info article (type "flash")."""

    __tablename__ = "flash_bulletin"

    article_id: Mapped[int] = mapped_column(ForeignKey("article.id", ondelete="CASCADE"), primary_key=True)
    all_members: Mapped[bool] = mapped_column(Boolean, default=True)
    structure_types: Mapped[list] = mapped_column(JSON, default=list)
    regions: Mapped[list] = mapped_column(JSON, default=list)
    # Set when the fan-out has written a delivery for every recipient; NULL while sending is pending.
    fanout_done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    article = relationship("Article")

    def __repr__(self) -> str:
        return f"<FlashBulletin {self.article_id}>"


class FlashRead(db.Model):
    """A member has read (or dismissed) a bulletin: it leaves their home page."""

    __tablename__ = "flash_read"

    article_id: Mapped[int] = mapped_column(ForeignKey("article.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True, index=True)
    read_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class FlashDelivery(db.Model):
    """One recipient of one bulletin: the UNIQUE pair guarantees nobody gets the same bulletin twice."""

    __tablename__ = "flash_delivery"
    __table_args__ = (
        UniqueConstraint("article_id", "user_id", name="uq_flash_delivery_article_user"),
        Index("ix_flash_delivery_user", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("article.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ThemeSubscription(db.Model):
    """A member wants flash info bulletins of this theme by email."""

    __tablename__ = "theme_subscription"

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    theme_id: Mapped[int] = mapped_column(ForeignKey("theme.id", ondelete="CASCADE"), primary_key=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
