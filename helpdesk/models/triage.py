"""Triage data: service levels, pauses, routing rules, canned answers, tags, cited resources,
FAQ sources, satisfaction ratings and the jurists following a question."""
from datetime import datetime

from sqlalchemy import (Boolean, CheckConstraint, Column, ForeignKey, Index, Integer, SmallInteger, String, Table,
                        Text, func)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpdesk.extensions import db
from helpdesk.models._types import UTCDateTime, utcnow
from helpdesk.models.structure import REGIONS

ticket_tag = Table(
    "ticket_tag",
    db.metadata,
    Column("ticket_id", ForeignKey("ticket.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tag.id", ondelete="CASCADE"), primary_key=True, index=True),
)

message_resource = Table(
    "message_resource",
    db.metadata,
    Column("message_id", ForeignKey("message.id", ondelete="CASCADE"), primary_key=True),
    Column("article_id", ForeignKey("article.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class SlaRule(db.Model):
    """Business time allowed per priority (optionally per theme) for the first response and the resolution."""

    __tablename__ = "sla_rule"
    __table_args__ = (
        CheckConstraint("priority BETWEEN 0 AND 3", name="priority_range"),
        CheckConstraint("first_response_minutes > 0", name="first_response_positive"),
        CheckConstraint("resolution_minutes >= first_response_minutes", name="resolution_after_first_response"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    priority: Mapped[int] = mapped_column(SmallInteger)
    theme_id: Mapped[int | None] = mapped_column(ForeignKey("theme.id", ondelete="CASCADE"))
    first_response_minutes: Mapped[int] = mapped_column(Integer)
    resolution_minutes: Mapped[int] = mapped_column(Integer)

    theme = relationship("Theme")

    def __repr__(self) -> str:
        return f"<SlaRule priority={self.priority} theme={self.theme_id}>"


# One rule per priority and theme; "no theme" (the general rule) counts as theme 0.
Index("uq_sla_rule_priority_theme", SlaRule.priority, func.coalesce(SlaRule.theme_id, 0), unique=True)


class TicketPause(db.Model):
    """A period when the service-level clock of a question stood still (the ball was in the member's court)."""

    __tablename__ = "ticket_pause"
    __table_args__ = (
        Index("ix_ticket_pause_ticket_started", "ticket_id", "started_at"),
        CheckConstraint("ended_at IS NULL OR ended_at >= started_at", name="ends_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    def __repr__(self) -> str:
        return f"<TicketPause {self.ticket_id} {self.started_at}→{self.ended_at}>"


class RoutingRule(db.Model):
    """Admins' rule: questions of a theme and/or region go to a jurist (or the whole team); first match wins."""

    __tablename__ = "routing_rule"
    __table_args__ = (
        CheckConstraint("theme_id IS NOT NULL OR region IS NOT NULL", name="has_condition"),
        CheckConstraint("region IS NULL OR region IN (%s)" % ", ".join(f"'{key}'" for key in REGIONS),
                        name="region"),
        Index("ix_routing_rule_position", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    theme_id: Mapped[int | None] = mapped_column(ForeignKey("theme.id", ondelete="CASCADE"))
    region: Mapped[str | None] = mapped_column(String(40))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))

    theme = relationship("Theme")
    assignee = relationship("User")

    @property
    def region_label(self) -> str:
        """The region in words."""
        return REGIONS.get(self.region or "", "")

    def __repr__(self) -> str:
        return f"<RoutingRule #{self.position} theme={self.theme_id} region={self.region}>"


class CannedAnswer(db.Model):
    """A reply model shared by the jurists, with placeholders filled when inserted."""

    __tablename__ = "canned_answer"
    __table_args__ = (
        CheckConstraint("length(trim(title)) > 0", name="title_not_blank"),
        CheckConstraint("length(trim(body)) > 0", name="body_not_blank"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200), unique=True)
    body: Mapped[str] = mapped_column(Text)
    # The status after the reply its insertion sets in the reply box ("waiting" for a request for details); None: the
    # box's choice is left as it is.
    status_after: Mapped[str | None] = mapped_column(String(20))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    author = relationship("User")

    def __repr__(self) -> str:
        return f"<CannedAnswer {self.id} {self.title!r}>"


class Tag(db.Model):
    """A free label on questions, stored normalised (lowercase, single spaces)."""

    __tablename__ = "tag"
    __table_args__ = (CheckConstraint("length(name) > 0", name="name_not_blank"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)

    def __repr__(self) -> str:
        return f"<Tag {self.name}>"


class FaqSource(db.Model):
    """The question a FAQ draft was proposed from (keyed by the article's immutable slug)."""

    __tablename__ = "faq_source"

    article_slug: Mapped[str] = mapped_column(ForeignKey("article.slug", ondelete="CASCADE"), primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"), unique=True)
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    article = relationship("Article")
    ticket = relationship("Ticket")
    proposed_by = relationship("User")

    def __repr__(self) -> str:
        return f"<FaqSource {self.article_slug} ← {self.ticket_id}>"


class Satisfaction(db.Model):
    """A member's rating (1 to 5) of the answer to their structure's question; one per question, updatable."""

    __tablename__ = "satisfaction"
    __table_args__ = (CheckConstraint("rating BETWEEN 1 AND 5", name="rating_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    rating: Mapped[int] = mapped_column(SmallInteger)
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    user = relationship("User")
    ticket = relationship("Ticket")

    def __repr__(self) -> str:
        return f"<Satisfaction {self.ticket_id} {self.rating}/5>"


class TicketFollower(db.Model):
    """A jurist (or admin) following a question they need not be assigned to: they are mailed its activity and find
    it in the « Questions suivies » view."""

    __tablename__ = "ticket_follower"

    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    user = relationship("User")

    def __repr__(self) -> str:
        return f"<TicketFollower {self.ticket_id} {self.user_id}>"


class RulesVersion(db.Model):
    """A token replaced by every write to the routing or service-level rules: workers keep the rules in memory
    and reload them when it changes (see helpdesk.triage.rules)."""

    __tablename__ = "rules_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(32))

    def __repr__(self) -> str:
        return f"<RulesVersion {self.token}>"
