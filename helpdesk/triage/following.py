"""Following a question (« Suivre ») : a jurist who is not (or not only) its assignee is mailed its activity and
finds it in the queue's « Questions suivies » view, until they stop following it."""
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from helpdesk.collation import french_order
from helpdesk.errors import InvalidInput
from helpdesk.events import record_event
from helpdesk.extensions import db
from helpdesk.models import Ticket, TicketFollower, User
from helpdesk.permissions import ensure_staff
from helpdesk.translation import gettext as _


def followers(ticket: Ticket) -> list[User]:
    """The active jurists and admins following the question, by name (an account that left the team is not
    listed: it is mailed nothing either)."""
    return list(db.session.scalars(
        select(User).join(TicketFollower, TicketFollower.user_id == User.id)
        .where(TicketFollower.ticket_id == ticket.id, User.active, User.role.in_(("jurist", "admin")))
        .order_by(french_order(User.name), User.id)))


def is_following(ticket: Ticket, user: User) -> bool:
    """Whether `user` follows the question."""
    return db.session.get(TicketFollower, (ticket.id, user.id)) is not None


def follow(ticket: Ticket, actor: User) -> bool:
    """The jurist follows the question, in its history (for the team only); False if they already did (a double click
    included: the second request may pass the check before the first is saved). A merged question is refused: its
    activity goes on in the question it was merged into."""
    ensure_staff(actor)
    if ticket.merged_into_id is not None:
        raise InvalidInput(_("Cette question a été fusionnée. Suivez la question dans laquelle elle a été "
                             "fusionnée."))
    if is_following(ticket, actor):
        return False
    db.session.add(TicketFollower(ticket_id=ticket.id, user_id=actor.id))
    record_event("followed", actor, ticket)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return False
    return True


def unfollow(ticket: Ticket, actor: User) -> bool:
    """The jurist stops following the question, in its history (for the team only); False if they did not follow it."""
    ensure_staff(actor)
    removed = db.session.execute(delete(TicketFollower).where(TicketFollower.ticket_id == ticket.id,
                                                              TicketFollower.user_id == actor.id)).rowcount
    if removed:
        record_event("unfollowed", actor, ticket)
    db.session.commit()
    return bool(removed)


def move_followers(source: Ticket, target: Ticket) -> None:
    """A merge: whoever followed `source` follows `target` instead, where the case goes on (mailed once, of the
    merge into `target`, not also of the closing of `source`); the caller commits."""
    already = set(db.session.scalars(select(TicketFollower.user_id).where(TicketFollower.ticket_id == target.id)))
    for follower in db.session.scalars(select(TicketFollower).where(TicketFollower.ticket_id == source.id)).all():
        if follower.user_id not in already:
            db.session.add(TicketFollower(ticket_id=target.id, user_id=follower.user_id))
        db.session.delete(follower)


def followed_ids(user: User):
    """The SELECT of the ids of the questions `user` follows (the queue's « Questions suivies » view)."""
    return select(TicketFollower.ticket_id).where(TicketFollower.user_id == user.id)
