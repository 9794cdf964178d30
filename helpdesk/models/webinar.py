"""Webinars, members' registrations of interest and the questions they send ahead."""
from datetime import datetime, timedelta

from sqlalchemy import JSON, CheckConstraint, Column, ForeignKey, Integer, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpdesk.collation import french_order
from helpdesk.extensions import db
from helpdesk.models._types import UTCDateTime, utcnow
from helpdesk.models.theme import Theme
from helpdesk.translation import lazy_gettext as _l

WEBINAR_STATUSES = {"upcoming": _l("À venir"), "ongoing": _l("En cours"), "past": _l("Passé")}
DURATION_MIN, DURATION_MAX, DURATION_DEFAULT = 15, 480, 60

webinar_theme = Table(
    "webinar_theme",
    db.metadata,
    Column("webinar_id", ForeignKey("webinar.id", ondelete="CASCADE"), primary_key=True),
    Column("theme_id", ForeignKey("theme.id", ondelete="CASCADE"), primary_key=True),
)

# A webinar's Q&A: each FAQ resource belongs to at most one webinar (a link table, so the article table is untouched).
webinar_faq = Table(
    "webinar_faq",
    db.metadata,
    Column("article_id", ForeignKey("article.id", ondelete="CASCADE"), primary_key=True),
    Column("webinar_id", ForeignKey("webinar.id", ondelete="CASCADE"), nullable=False, index=True),
)


class Webinar(db.Model):
    """A webinar of the federation: its slides, recording, speakers and, afterwards, its Q&A as FAQ resources."""

    __tablename__ = "webinar"
    __table_args__ = (
        CheckConstraint("length(trim(title)) > 0", name="title_not_blank"),
        CheckConstraint(f"duration_minutes BETWEEN {DURATION_MIN} AND {DURATION_MAX}", name="duration_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    duration_minutes: Mapped[int] = mapped_column(Integer, default=DURATION_DEFAULT)
    description: Mapped[str] = mapped_column(Text, default="")
    speakers: Mapped[list] = mapped_column(JSON, default=list)
    slides_url: Mapped[str] = mapped_column(String(500), default="")
    recording_url: Mapped[str] = mapped_column(String(500), default="")
    # The video-conference link: shown only to registered members and staff, until the webinar ends.
    join_url: Mapped[str] = mapped_column(String(500), default="")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    themes = relationship("Theme", secondary=webinar_theme, order_by=lambda: french_order(Theme.name))
    faq_articles = relationship("Article", secondary=webinar_faq, order_by="Article.created_at, Article.id")

    @property
    def ends_at(self) -> datetime:
        """When the session ends (start plus duration)."""
        return self.starts_at + timedelta(minutes=self.duration_minutes)

    @property
    def status(self) -> str:
        """Upcoming until it starts, ongoing until it ends, then past."""
        now = utcnow()
        if self.starts_at > now:
            return "upcoming"
        return "ongoing" if self.ends_at > now else "past"

    @property
    def status_label(self) -> str:
        """The status in words."""
        return str(WEBINAR_STATUSES[self.status])

    def __repr__(self) -> str:
        return f"<Webinar {self.id} {self.title!r}>"


class WebinarRegistration(db.Model):
    """A member's interest in an upcoming webinar (one per member and webinar)."""

    __tablename__ = "webinar_registration"
    __table_args__ = (UniqueConstraint("webinar_id", "user_id", name="uq_webinar_registration_webinar_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    webinar_id: Mapped[int] = mapped_column(ForeignKey("webinar.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    def __repr__(self) -> str:
        return f"<WebinarRegistration {self.user_id} → {self.webinar_id}>"


class WebinarQuestion(db.Model):
    """A question a registered member sends ahead of a webinar, for the speakers to prepare the session."""

    __tablename__ = "webinar_question"
    __table_args__ = (CheckConstraint("length(trim(text)) > 0", name="text_not_blank"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    webinar_id: Mapped[int] = mapped_column(ForeignKey("webinar.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    webinar = relationship("Webinar")
    user = relationship("User")

    def __repr__(self) -> str:
        return f"<WebinarQuestion {self.id} by {self.user_id} → {self.webinar_id}>"
