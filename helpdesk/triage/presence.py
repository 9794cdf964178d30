"""Which colleagues opened a question lately: a jurist about to answer sees who else may be answering it."""
from datetime import datetime, timedelta

from sqlalchemy import func, select

from helpdesk.extensions import db
from helpdesk.models import Event, Ticket, User
from helpdesk.models._types import utcnow

# Opened within this time: probably still reading or answering it.
RECENTLY = timedelta(minutes=15)


def colleagues_on(ticket: Ticket, viewer: User, now: datetime | None = None) -> list[tuple[User, datetime]]:
    """The other jurists and admins, still in the team, who opened the question within RECENTLY (their reads are
    journalled; a question merely listed in the API's queue was not opened), each with the last time they did, latest
    first."""
    last = func.max(Event.created_at).label("last")
    return [tuple(row) for row in db.session.execute(
        select(User, last).join(Event, Event.actor_id == User.id)
        .where(Event.ticket_id == ticket.id, Event.kind == "question_viewed",
               Event.created_at >= (now or utcnow()) - RECENTLY, Event.actor_id != viewer.id,
               Event.data["listed"].as_boolean().is_(None), User.active, User.role.in_(("jurist", "admin")))
        .group_by(User.id).order_by(last.desc(), User.id))]
