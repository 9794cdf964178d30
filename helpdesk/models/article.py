"""Knowledge-base resources."""
from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, Column, Date, ForeignKey, Index, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpdesk.collation import french_order
from helpdesk.extensions import db
from helpdesk.models._types import UTCDateTime, enum_check, utcnow
from helpdesk.models.theme import Theme
from helpdesk.translation import lazy_gettext as _l

ARTICLE_TYPES = {
    "law": _l("Texte de loi ou décret"),
    "decryptage": _l("Décryptage"),
    "template": _l("Modèle de document"),
    "faq": _l("FAQ"),
    "webinar": _l("Webinaire"),
    "flash": _l("Flash info"),
}
VISIBILITIES = {"public": _l("Public"), "members": _l("Membres"), "jurists": _l("Juristes uniquement")}
ARTICLE_STATUSES = {"draft": _l("Brouillon"), "published": _l("Publié"), "archived": _l("Archivé")}

article_theme = Table(
    "article_theme",
    db.metadata,
    Column("article_id", ForeignKey("article.id", ondelete="CASCADE"), primary_key=True),
    Column("theme_id", ForeignKey("theme.id", ondelete="CASCADE"), primary_key=True),
)


class Article(db.Model):
    """A resource: law text, décryptage, template, FAQ, webinar or flash info."""

    __tablename__ = "article"
    __table_args__ = (
        enum_check("type", ARTICLE_TYPES, "type"),
        enum_check("visibility", VISIBILITIES, "visibility"),
        enum_check("status", ARTICLE_STATUSES, "status"),
        CheckConstraint("length(trim(title)) > 0", name="title_not_blank"),
        CheckConstraint("length(slug) > 0", name="slug_not_blank"),
        Index("ix_article_status_visibility", "status", "visibility"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(200), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    type: Mapped[str] = mapped_column(String(12), default="decryptage")
    visibility: Mapped[str] = mapped_column(String(10), default="members")
    status: Mapped[str] = mapped_column(String(10), default="draft")
    tags: Mapped[list] = mapped_column(JSON, default=list)
    legal_refs: Mapped[list] = mapped_column(JSON, default=list)
    updated_on: Mapped[date | None] = mapped_column(Date)
    source_url: Mapped[str] = mapped_column(String(500), default="")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Staleness: when a jurist last confirmed the content, and why it was flagged "à vérifier" since.
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    review_flagged_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    review_note: Mapped[str | None] = mapped_column(String(300))

    themes = relationship("Theme", secondary=article_theme, order_by=lambda: french_order(Theme.name))
    author = relationship("User")

    @property
    def type_label(self) -> str:
        """The type in words."""
        return str(ARTICLE_TYPES[self.type])

    @property
    def visibility_label(self) -> str:
        """The audience in words."""
        return str(VISIBILITIES[self.visibility])

    @property
    def status_label(self) -> str:
        """The status in words."""
        return str(ARTICLE_STATUSES[self.status])

    @property
    def version(self) -> str:
        """What the search index stores to detect stale entries."""
        return self.updated_at.isoformat()

    def __repr__(self) -> str:
        return f"<Article {self.slug} {self.status}>"
