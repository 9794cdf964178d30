"""Members rate the answer to their structure's question (1 to 5, optional comment); jurists read it."""
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from helpdesk.errors import Forbidden, InvalidInput, NotFound
from helpdesk.events import record_event
from helpdesk.extensions import db
from helpdesk.i18n import too_long
from helpdesk.models import Satisfaction, Ticket, User
from helpdesk.models._types import utcnow
from helpdesk.permissions import can_view_ticket, ensure_membership_active, membership_active
from helpdesk.translation import gettext as _, lazy_gettext as _l

COMMENT_MAX = 2000
RATINGS = {1: _l("1 — Pas du tout satisfait"), 2: _l("2 — Peu satisfait"), 3: _l("3 — Moyennement satisfait"),
           4: _l("4 — Satisfait"), 5: _l("5 — Très satisfait")}


def can_rate(user: User, ticket: Ticket) -> bool:
    """Members of the question's structure, while its membership is active, once a jurist has answered it (answered or
    closed)."""
    return (user.is_member and membership_active(user) and can_view_ticket(user, ticket)
            and ticket.status in ("answered", "closed")
            and ticket.first_response_at is not None)


def rating_of(ticket: Ticket) -> Satisfaction | None:
    """The question's rating, if any."""
    return db.session.scalar(select(Satisfaction).where(Satisfaction.ticket_id == ticket.id))


def rate(ticket: Ticket, member: User, rating: int | None, comment: str = "") -> Satisfaction:
    """Record or update the structure's rating of the answer."""
    if not can_view_ticket(member, ticket):
        raise NotFound(_("Cette question est introuvable."))
    ensure_membership_active(member)
    if not can_rate(member, ticket):
        raise Forbidden(_("Vous pourrez donner votre avis une fois la question répondue."))
    if rating not in RATINGS:
        raise InvalidInput(_("Choisissez une note de 1 à 5."))
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        raise InvalidInput(too_long(len(comment), COMMENT_MAX, _("Commentaire")))
    satisfaction = rating_of(ticket)
    if satisfaction is None:
        satisfaction = Satisfaction(ticket_id=ticket.id, created_at=utcnow())
        db.session.add(satisfaction)
    satisfaction.user, satisfaction.rating, satisfaction.comment = member, rating, comment
    satisfaction.updated_at = utcnow()
    record_event("rated", member, ticket, rating=rating)
    db.session.commit()
    return satisfaction


@dataclass(frozen=True)
class SatisfactionSummary:
    """Figures for a period: how many ratings, their average, and how many of each note."""

    count: int
    average: float | None
    distribution: dict[int, int]


def summary(since: datetime | None = None, until: datetime | None = None) -> SatisfactionSummary:
    """Ratings given in [since, until), in one query."""
    query = select(Satisfaction.rating, func.count()).group_by(Satisfaction.rating)
    if since is not None:
        query = query.where(Satisfaction.created_at >= since)
    if until is not None:
        query = query.where(Satisfaction.created_at < until)
    distribution = dict.fromkeys(RATINGS, 0) | dict(db.session.execute(query).all())
    count = sum(distribution.values())
    average = sum(note * number for note, number in distribution.items()) / count if count else None
    return SatisfactionSummary(count, average, distribution)


def recent_comments(actor: User, limit: int = 20) -> list[Satisfaction]:
    """The latest ratings that come with a comment, with their question (the page links to it), for staff: members'
    words on other structures' questions."""
    if not actor.is_staff:
        raise Forbidden(_("Seuls les juristes lisent les commentaires des membres."))
    return db.session.scalars(select(Satisfaction).where(Satisfaction.comment != "")
                              .options(selectinload(Satisfaction.ticket))
                              .order_by(Satisfaction.updated_at.desc()).limit(limit)).all()
